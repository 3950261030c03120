using StoryMedia.Jobs;

namespace StoryMedia.Videos;

/// <summary>What a video job works from (the scenes' images when it started) and what it made (its video, recorded by a fenced write).</summary>
public sealed class VideoJobOutputs(JobStore jobs)
{
    /// <summary>Records the finished video of a video job, and its WebVTT subtitles if it has them; the story shows them once the job completes.</summary>
    public Task<bool> RecordVideoAsync(JobLease lease, string videoKey, CancellationToken cancellationToken, string? subtitlesKey = null) =>
        jobs.FencedAsync(lease, VideoJobSql.RecordVideo, cancellationToken, ("video_key", videoKey), ("subtitles_key", subtitlesKey));

    /// <summary>The video an earlier attempt of this job finished, if any, so a resumed job does not render it again.</summary>
    public async Task<string?> VideoOfJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await jobs.Database.ReadAsWorkerAsync(VideoJobSql.VideoOfJob,
            r => r.GetOrdinal("video_key") is var key && r.IsDBNull(key) ? null : r.GetString(key), cancellationToken, ("job_id", jobId))).FirstOrDefault();

    /// <summary>The scenes' images, texts and narration as they were when the video job started, in scene order.</summary>
    public async Task<IReadOnlyList<SceneImage>> ScenesAsync(Guid jobId, CancellationToken cancellationToken) =>
        await jobs.Database.ReadAsWorkerAsync(VideoJobSql.SceneImagesOfJob, r => new SceneImage(
            r.GetInt32(r.GetOrdinal("position")), r.GetString(r.GetOrdinal("image_key")),
            r.IsDBNull(r.GetOrdinal("text")) ? "" : r.GetString(r.GetOrdinal("text")),
            r.IsDBNull(r.GetOrdinal("audio_key")) ? null : r.GetString(r.GetOrdinal("audio_key")),
            r.IsDBNull(r.GetOrdinal("audio_seconds")) ? null : r.GetDouble(r.GetOrdinal("audio_seconds"))), cancellationToken, ("job_id", jobId));
}

/// <summary>A scene as a video job took it: its image, its text, and its narration if it had current narration.</summary>
public sealed record SceneImage(int Position, string ImageKey, string Text = "", string? AudioKey = null, double? AudioSeconds = null);
