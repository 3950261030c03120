using System.Security.Cryptography;
using StoryMedia.Data;
using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>
/// Image jobs: one image per scene, of the whole story or of the scenes the writer chose. The start plans the job (its
/// scenes, each with a new seed or its current image's); what a job makes is recorded against it and replaces those
/// scenes' images only when it completes. Blocks nothing itself (the video kind declares that image jobs block it), so its
/// starts share the story's lock.
/// </summary>
public sealed class ImageJobKind : IJobKind
{
    public const string Kind = "image";

    public static readonly JobRoutes Paths = new("/api/generate_images", "/api/clear_image_job", "/api/image_jobs");

    public string Name => Kind;

    public string Table => "image_generation_jobs";

    public JobRoutes Routes => Paths;

    public string Activity => "Image generation";

    public string Changes => "images";

    public StoryLock StartLock => StoryLock.Shared;

    public IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string>
    {
        ["image/png"] = ".png",
        ["image/jpeg"] = ".jpg",
        ["image/webp"] = ".webp",
    };

    public string MediaKeysInUse => ImageJobSql.MediaKeysInUse;

    public string PreviewsOfJob => ImageJobSql.PreviewsOfJob;

    public string PageModule => "/js/kinds/image.js";

    public bool ChoosesScenes => true;

    public bool TakesSameSeed => true;

    /// <summary>The story's scenes with their current seeds: the check of the chosen scenes and the plan read them.</summary>
    public IReadOnlyList<BatchStatement> StartReads(NewJob request) =>
        [new(ImageJobSql.ScenesWithSeeds, r => new SceneSeed(r.GetGuid(r.GetOrdinal("id")), r.IsDBNull(r.GetOrdinal("seed")) ? null : r.GetInt64(r.GetOrdinal("seed"))),
            ("story_id", request.StoryId))];

    /// <summary>Chosen scenes that are not the story's (unknown, or another story's) refuse the start, all named.</summary>
    public StartOutcome.NotReady? CheckStart(NewJob request, StartRows reads)
    {
        if (request.SceneIds is null)
        {
            return null;
        }
        var scenes = reads.Of<SceneSeed>(0).Select(s => s.Id).ToHashSet();
        var unknown = request.SceneIds.Where(id => !scenes.Contains(id)).ToList();
        return unknown.Count == 0
            ? null
            : new StartOutcome.NotReady(
                "Scenes not found.",
                $"The story has no scene {string.Join(", ", unknown)}; choose scenes of this story.",
                new Dictionary<string, object?> { ["unknown_scene_ids"] = unknown },
                StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// Plans the job: each chosen scene with the seed it will be drawn with, kept across a takeover; the rows go in the
    /// start's last batch, however long the story.
    /// </summary>
    public IReadOnlyList<BatchStatement> Started(Job job, NewJob request, StartRows reads)
    {
        var chosen = request.SceneIds?.ToHashSet();
        return [.. reads.Of<SceneSeed>(0)
            .Where(scene => chosen is null || chosen.Contains(scene.Id))
            .Select(scene => new BatchStatement(ImageJobSql.PlanScene, BatchStatement.Ignore,
                ("job_id", job.Id), ("scene_id", scene.Id), ("seed", request.SameSeed && scene.Seed is { } current ? current : NewSeed())))];
    }

    /// <summary>A fresh seed in the range every seeded provider takes (AUTOMATIC1111's is a 32-bit signed integer).</summary>
    public static long NewSeed() => RandomNumberGenerator.GetInt32(int.MaxValue);

    public Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken) =>
        scope.ExecuteAsync(ImageJobSql.PublishSceneImages, cancellationToken, ("job_id", lease.JobId));

    private sealed record SceneSeed(Guid Id, long? Seed);
}
