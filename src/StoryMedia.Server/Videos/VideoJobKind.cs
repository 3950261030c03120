using System.Data.Common;
using System.Text.Json;
using StoryMedia.Data;
using StoryMedia.Images;
using StoryMedia.Jobs;

namespace StoryMedia.Videos;

/// <summary>
/// Video jobs: the scenes' images as they were when the job started, rendered into one MP4 that replaces the story's video
/// only when the job completes. A video waits for the story's image job (it would be made from images about to change) and
/// needs an image in every scene; reading the image jobs race-free needs the story's exclusive lock. A start may name the
/// frame's <c>aspect</c> (kept in the job's <c>style</c>); with <paramref name="requireNarration"/> it also needs current
/// narration in every scene, and otherwise a video of a story not wholly narrated is silent.
/// </summary>
public sealed class VideoJobKind(bool requireNarration = false) : IJobKind
{
    public const string Kind = "video";

    public static readonly JobRoutes Paths = new("/api/generate_video", "/api/clear_video_job", "/api/video_jobs");

    private static readonly Func<DbDataReader, object> Position = row => row.GetInt32(row.GetOrdinal("position"));

    public string Name => Kind;

    public string Table => "video_generation_jobs";

    public JobRoutes Routes => Paths;

    public string Activity => "Video generation";

    public string Changes => "video";

    public StoryLock StartLock => StoryLock.Exclusive;

    // Publishing writes stories.video_key.
    public bool CompletionLocksStory => true;

    public IReadOnlyList<JobBlock> Blocks { get; } =
        [new(ImageJobKind.Kind, Kind, "A video is made from the story's images, and an image job is replacing them.")];

    public IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string> { ["video/mp4"] = ".mp4", ["text/vtt"] = ".vtt" };

    public string MediaKeysInUse => VideoJobSql.MediaKeysInUse;

    public string PageModule => "/js/kinds/video.js";

    public bool ChecksStart => true;

    public StartOptions ReadStart(IReadOnlyDictionary<string, JsonElement> members)
    {
        if (!members.TryGetValue("aspect", out var aspect) || aspect.ValueKind == JsonValueKind.Null)
        {
            return StartOptions.None;
        }
        return aspect.ValueKind == JsonValueKind.String && VideoOptions.Aspects.Contains(aspect.GetString())
            ? new StartOptions(null, Style: aspect.GetString())
            : StartOptions.Refuse("aspect", $"must be one of {string.Join(", ", VideoOptions.Aspects)}.");
    }

    /// <summary>The scenes without an image, and (when only narrated videos are made) those without narration of their text.</summary>
    public IReadOnlyList<BatchStatement> StartReads(NewJob request) =>
    [
        new(VideoJobSql.ScenesWithoutImage, Position, ("story_id", request.StoryId)),
        .. requireNarration ? [new BatchStatement(VideoJobSql.ScenesWithoutNarration, Position, ("story_id", request.StoryId))] : Array.Empty<BatchStatement>(),
    ];

    public StartOutcome.NotReady? CheckStart(NewJob request, StartRows reads)
    {
        var missing = reads.Of<int>(0);
        if (missing.Count == 0)
        {
            return requireNarration ? CheckNarration(reads.Of<int>(1)) : null;
        }
        var one = missing.Count == 1;
        return new StartOutcome.NotReady(
            "Some scenes have no image yet.",
            $"A video shows every scene's image, and {(one ? "scene" : "scenes")} {string.Join(", ", missing)} {(one ? "has" : "have")} none. " +
            $"Generate the story's images first (POST {ImageJobKind.Paths.Generate}).",
            new Dictionary<string, object?> { ["scenes_without_image"] = missing });
    }

    private static StartOutcome.NotReady? CheckNarration(IReadOnlyList<int> silent)
    {
        if (silent.Count == 0)
        {
            return null;
        }
        var one = silent.Count == 1;
        return new StartOutcome.NotReady(
            "Some scenes have no narration of their text.",
            $"This service makes only narrated videos (Video:RequireNarration), and {(one ? "scene" : "scenes")} {string.Join(", ", silent)} " +
            $"{(one ? "has" : "have")} no narration of {(one ? "its" : "their")} current text. Narrate them first (POST /api/generate_narration).",
            new Dictionary<string, object?> { ["scenes_without_narration"] = silent });
    }

    public IReadOnlyList<BatchStatement> Started(Job job, NewJob request, StartRows reads) =>
        [new(VideoJobSql.SnapshotSceneImages, BatchStatement.NoResultSet, ("job_id", job.Id), ("story_id", job.StoryId))];

    public Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken) =>
        scope.ExecuteAsync(VideoJobSql.PublishVideo, cancellationToken, ("job_id", lease.JobId));
}
