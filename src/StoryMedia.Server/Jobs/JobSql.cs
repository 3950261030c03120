namespace StoryMedia.Jobs;

/// <summary>
/// Every statement of the job guard, for one kind of job. The same SQL runs on PostgreSQL and SQLite;
/// the only dialect differences are row locking: the claim's (<paramref name="skipLocked"/>) and the start's
/// (<paramref name="lockRows"/>). Worker writes are fenced: they match only while the job is processing under the
/// same worker and attempt.
/// </summary>
internal sealed class JobSql(JobKind kind, string skipLocked, string lockRows, string shareRows)
{
    public const string Columns =
        "id, story_id, user_id, status, progress, error, started_at, completed_at, created_at, " +
        "heartbeat_at, attempts, worker_id, lease_expires_at, style, instructions";

    private const string Fence = "id = @job_id and status = 'processing' and worker_id = @worker_id and attempts = @attempt";

    public JobKind Kind { get; } = kind;

    public string Table { get; } = kind switch
    {
        JobKind.Image => "image_generation_jobs",
        JobKind.Video => "video_generation_jobs",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public const string StoryOwned = "select 1 from stories where id = @story_id and user_id = @user_id";

    /// <summary>
    /// The user's story, locked until the start commits, so the cross-kind rule (no video while an image job runs)
    /// reads a state no other start is changing: a video start locks it exclusively, image starts share it, so a
    /// burst of image starts does not queue behind itself (the partial unique index alone decides among them).
    /// </summary>
    public string LockStory => $"{StoryOwned} {(Kind == JobKind.Video ? lockRows : shareRows)}";

    /// <summary>The job's story, locked by a completion that publishes to it, in the same order as starts take their locks.</summary>
    public string LockStoryOfJob => $"select 1 from stories where id = @story_id {lockRows}";

    /// <summary>
    /// Stale means silent: no heartbeat since @stale_before, however long the job has run. A job waiting for a
    /// worker gets its heartbeat from any live runner (<see cref="VouchForWaiting"/>).
    /// </summary>
    public string ClearStale => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where story_id = @story_id and status = 'processing' and heartbeat_at < @stale_before
        returning {Columns}
        """;

    /// <summary>The start itself: the partial unique index decides the winner; losers get no row back.</summary>
    public string Insert => $"""
        insert into {Table} (id, story_id, user_id, status, progress, started_at, created_at, heartbeat_at, attempts, style, instructions)
        values (@id, @story_id, @user_id, 'processing', 0, @now, @now, @now, 0, @style, @instructions)
        on conflict (story_id) where status = 'processing' do nothing
        returning {Columns}
        """;

    public string Running => $"select {Columns} from {Table} where story_id = @story_id and status = 'processing'";

    /// <summary>The user's live job on the story, if any: a read that answers most duplicate starts before any write.</summary>
    public string RunningLive => $"""
        select {Columns} from {Table}
         where story_id = @story_id and user_id = @user_id and status = 'processing' and heartbeat_at >= @stale_before
        """;

    public string ClearByUser => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where story_id = @story_id and user_id = @user_id and status = 'processing'
        returning {Columns}
        """;

    public string GetOwned => $"select {Columns} from {Table} where id = @job_id and user_id = @user_id";

    public string ListOwned => $"""
        select {Columns} from {Table}
         where story_id = @story_id and user_id = @user_id
         order by created_at desc
         limit @limit
        """;

    /// <summary>Jobs whose workers vanished too often fail with the reason instead of being claimed again.</summary>
    public string FailExhausted => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where status = 'processing' and lease_expires_at < @now and attempts >= @max_attempts
        returning {Columns}
        """;

    /// <summary>Claims a waiting job, or one whose lease ran out, and starts a new attempt on it.</summary>
    public string Claim => $"""
        update {Table}
           set worker_id = @worker_id, lease_expires_at = @lease_until, attempts = attempts + 1, heartbeat_at = @now
         where id = (
               select id from {Table}
                where status = 'processing'
                  and (lease_expires_at is null or lease_expires_at < @now)
                  and attempts < @max_attempts
                order by created_at
                limit 1
               {skipLocked})
        returning {Columns}
        """;

    /// <summary>When the soonest lease runs out: an idle runner wakes then, so a dead worker's job is taken over without waiting for a poll.</summary>
    public string NextLeaseExpiry => $"select min(lease_expires_at) from {Table} where status = 'processing' and lease_expires_at >= @now";

    /// <summary>
    /// A live runner vouches for the jobs that wait for a worker (new, handed back, or orphaned past their lease):
    /// a long queue is not a stuck job. With no runner alive anywhere they fall silent and the next start clears them.
    /// </summary>
    public string VouchForWaiting => $"""
        update {Table}
           set heartbeat_at = @now
         where status = 'processing' and heartbeat_at < @fresh_before
           and (lease_expires_at is null or lease_expires_at < @now)
        """;

    public string Heartbeat => $"""
        update {Table}
           set heartbeat_at = @now, lease_expires_at = @lease_until, progress = @progress
         where {Fence}
        """;

    /// <summary>Hands the job back so another worker claims it at once (graceful shutdown).</summary>
    public string Release => $"update {Table} set worker_id = null, lease_expires_at = null where {Fence}";

    public string Fail => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where {Fence}
        """;

    public string Complete => $"""
        update {Table}
           set status = 'completed', progress = 100, completed_at = @now, heartbeat_at = @now
         where {Fence}
        """;

    // Image jobs: scene images made so far by a job, published to the scenes only when it completes.
    public const string RecordSceneImage = """
        insert into image_generation_job_scenes (job_id, scene_id, image_key)
        select @job_id, @scene_id, @image_key
         where exists (select 1 from image_generation_jobs where id = @job_id and status = 'processing'
                          and worker_id = @worker_id and attempts = @attempt)
        on conflict (job_id, scene_id) do update set image_key = excluded.image_key
        """;

    public const string SceneImagesOfJob = "select scene_id, image_key from image_generation_job_scenes where job_id = @job_id";

    public const string PublishSceneImages = """
        update scenes
           set image_key = (select js.image_key from image_generation_job_scenes js
                             where js.job_id = @job_id and js.scene_id = scenes.id)
         where id in (select scene_id from image_generation_job_scenes where job_id = @job_id)
        """;

    // Video jobs: the scenes' images as they were when the job started, and the video it made, which replaces
    // the story's video only when the job completes.
    public const string ScenesWithoutImage =
        "select position from scenes where story_id = @story_id and image_key is null order by position";

    public const string SnapshotSceneImages = """
        insert into video_generation_job_scenes (job_id, scene_id, position, image_key)
        select @job_id, id, position, image_key from scenes where story_id = @story_id
        """;

    public const string SceneImagesOfVideoJob =
        "select position, image_key from video_generation_job_scenes where job_id = @job_id order by position";

    public const string RecordVideo = "update video_generation_jobs set video_key = @video_key where " + Fence;

    public const string VideoOfJob = "select video_key from video_generation_jobs where id = @job_id";

    public const string PublishVideo = """
        update stories
           set video_key = (select video_key from video_generation_jobs where id = @job_id)
         where id = (select story_id from video_generation_jobs where id = @job_id and video_key is not null)
        """;

    // Telemetry: the starting request's trace context, kept apart from the job tables so any kind of job can use it.
    public const string RecordTraceParent = "insert into job_trace_parents (job_id, trace_parent) values (@job_id, @trace_parent)";

    public const string TraceParentOfJob = "select trace_parent from job_trace_parents where job_id = @job_id";
}
