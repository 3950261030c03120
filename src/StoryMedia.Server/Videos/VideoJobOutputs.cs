using StoryMedia.Jobs;

namespace StoryMedia.Videos;

/// <summary>What a video job works from (the scenes' images when it started) and what it made (its video, recorded by a fenced write).</summary>
public sealed class VideoJobOutputs(JobStore jobs)
{
    /// <summary>Records the finished video of a video job; the story shows it once the job completes.</summary>
    public Task<bool> RecordVideoAsync(JobLease lease, string videoKey, CancellationToken cancellationToken) =>
        jobs.FencedAsync(lease, VideoJobSql.RecordVideo, cancellationToken, ("video_key", videoKey));

    /// <summary>The video an earlier attempt of this job finished, if any, so a resumed job does not render it again.</summary>
    public async Task<string?> VideoOfJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await jobs.Database.ReadAsWorkerAsync(VideoJobSql.VideoOfJob,
            r => r.GetOrdinal("video_key") is var key && r.IsDBNull(key) ? null : r.GetString(key), cancellationToken, ("job_id", jobId))).FirstOrDefault();

    /// <summary>The scenes' images as they were when the video job started, in scene order.</summary>
    public async Task<IReadOnlyList<SceneImage>> ScenesAsync(Guid jobId, CancellationToken cancellationToken) =>
        await jobs.Database.ReadAsWorkerAsync(VideoJobSql.SceneImagesOfJob,
            r => new SceneImage(r.GetInt32(r.GetOrdinal("position")), r.GetString(r.GetOrdinal("image_key"))), cancellationToken, ("job_id", jobId));
}

public sealed record SceneImage(int Position, string ImageKey);
