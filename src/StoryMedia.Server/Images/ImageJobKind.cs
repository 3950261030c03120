using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>
/// Image jobs: one image per scene. What a job makes is recorded against it and replaces the scenes' images only when it
/// completes. Blocks nothing itself (the video kind declares that image jobs block it), so its starts share the story's lock.
/// </summary>
public sealed class ImageJobKind : IJobKind
{
    public const string Kind = "image";

    public static readonly JobRoutes Paths = new("/api/generate_images", "/api/clear_image_job", "/api/image_jobs");

    public string Name => Kind;

    public string Table => "image_generation_jobs";

    public JobRoutes Routes => Paths;

    public string Activity => "Image generation";

    public StoryLock StartLock => StoryLock.Shared;

    public IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string>
    {
        ["image/png"] = ".png",
        ["image/jpeg"] = ".jpg",
        ["image/webp"] = ".webp",
    };

    public string MediaKeysInUse => ImageJobSql.MediaKeysInUse;

    public string PageModule => "/js/kinds/image.js";

    public Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken) =>
        scope.ExecuteAsync(ImageJobSql.PublishSceneImages, cancellationToken, ("job_id", lease.JobId));
}
