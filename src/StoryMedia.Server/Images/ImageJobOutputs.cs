using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>What an image job makes and has made so far: its plan, and each scene's image with its provenance, recorded by a fenced write as it is made.</summary>
public sealed class ImageJobOutputs(JobStore jobs)
{
    /// <summary>The record of a scene's image, for the executor to send with the progress report it makes.</summary>
    public static FencedWrite SceneImage(Guid sceneId, string imageKey, ImageProvenance made) =>
        new(ImageJobSql.RecordSceneImage,
            ("scene_id", sceneId), ("image_key", imageKey), ("provider", made.Provider), ("model", made.Model), ("size", made.Size),
            ("seed", made.Seed), ("prompt", made.Prompt), ("request_id", made.RequestId), ("duration_ms", made.DurationMs),
            ("provider_attempts", made.Attempts), ("made_at", made.MadeAt), ("billing_note", made.BillingNote));

    /// <summary>Records, before the call, that this attempt asks a paid provider for the scene.</summary>
    public Task<bool> MarkCalledAsync(JobLease lease, Guid sceneId, CancellationToken cancellationToken) =>
        jobs.FencedAsync(lease, ImageJobSql.MarkCalled, cancellationToken, ("scene_id", sceneId));

    /// <summary>Scene images this job has already made, in earlier attempts too, so a resumed job skips them.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> SceneImagesAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await jobs.Database.ReadAsWorkerAsync(ImageJobSql.SceneImagesOfJob,
            r => (Scene: r.GetGuid(r.GetOrdinal("scene_id")), Key: r.GetString(r.GetOrdinal("image_key"))), cancellationToken, ("job_id", jobId)))
            .ToDictionary(image => image.Scene, image => image.Key);

    /// <summary>
    /// The scenes the job makes with their seeds, as its start planned them, and the attempt that last asked a paid
    /// provider for each; empty for a job started before plans.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, PlannedScene>> PlanAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await jobs.Database.ReadAsWorkerAsync(ImageJobSql.PlanOfJob,
            r => (Scene: r.GetGuid(r.GetOrdinal("scene_id")), Planned: new PlannedScene(
                r.GetInt64(r.GetOrdinal("seed")),
                r.IsDBNull(r.GetOrdinal("called_attempt")) ? null : r.GetInt32(r.GetOrdinal("called_attempt")))),
            cancellationToken, ("job_id", jobId)))
            .ToDictionary(plan => plan.Scene, plan => plan.Planned);
}

/// <param name="CalledAttempt">The attempt that last asked a paid provider for the scene, or null.</param>
public sealed record PlannedScene(long Seed, int? CalledAttempt);
