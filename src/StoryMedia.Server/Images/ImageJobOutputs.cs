using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>What an image job has made so far: each scene's image, recorded by a fenced write as it is made.</summary>
public sealed class ImageJobOutputs(JobStore jobs)
{
    public Task<bool> RecordSceneImageAsync(JobLease lease, Guid sceneId, string imageKey, CancellationToken cancellationToken) =>
        jobs.FencedAsync(lease, ImageJobSql.RecordSceneImage, cancellationToken, ("scene_id", sceneId), ("image_key", imageKey));

    /// <summary>Scene images this job has already made, in earlier attempts too, so a resumed job skips them.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> SceneImagesAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await jobs.Database.ReadAsWorkerAsync(ImageJobSql.SceneImagesOfJob,
            r => (Scene: r.GetGuid(r.GetOrdinal("scene_id")), Key: r.GetString(r.GetOrdinal("image_key"))), cancellationToken, ("job_id", jobId)))
            .ToDictionary(image => image.Scene, image => image.Key);
}
