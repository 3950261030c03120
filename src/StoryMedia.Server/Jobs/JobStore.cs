using System.Collections.Frozen;
using System.Data.Common;
using StoryMedia.Data;

namespace StoryMedia.Jobs;

/// <summary>
/// The job guard's storage: starting, clearing, claiming and every fenced worker write, over either
/// database. All SQL lives in <see cref="JobSql"/>.
/// </summary>
public sealed class JobStore(Database database)
{
    private readonly FrozenDictionary<JobKind, JobSql> sql = Enum.GetValues<JobKind>()
        .ToFrozenDictionary(kind => kind, kind => new JobSql(kind, database.SkipLocked, database.LockRows, database.ShareRows));

    public Database Database => database;

    /// <summary>
    /// One transaction: clear this story's stale job, then insert unless another job is processing. A video
    /// job also needs every scene to have an image and no live image job processing; it keeps the scenes' images of
    /// this moment. A refused start changes nothing.
    /// </summary>
    public async Task<StartOutcome> StartAsync(JobKind kind, NewJob job, DateTimeOffset now, DateTimeOffset staleBefore, string staleError, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        // A double click meets a live job: answer it from a read, without queueing for the write lock (SQLite has one
        // writer) or waiting on the winner's insert. The insert below still decides every race.
        await using (var read = await database.BeginReadAsUserAsync(job.UserId, cancellationToken))
        {
            if (await SingleAsync(read, kind, q.RunningLive, cancellationToken, ("story_id", job.StoryId), ("user_id", job.UserId), ("stale_before", staleBefore)) is { } live)
            {
                return new StartOutcome.AlreadyRunning(live);
            }
        }
        // A conflicting job can finish between our insert and our read of it; then the start is simply retried.
        for (var attempt = 0; ; attempt++)
        {
            await using var scope = await database.BeginWriteAsUserAsync(job.UserId, cancellationToken);
            if (!await ExistsAsync(scope, q.LockStory, cancellationToken, ("story_id", job.StoryId), ("user_id", job.UserId)))
            {
                return new StartOutcome.StoryNotFound();
            }
            // A video waits for the story's image job, so a stuck image job would block it too: the same stale rule clears both.
            JobKind[] staleKinds = kind == JobKind.Video ? [JobKind.Video, JobKind.Image] : [kind];
            var stale = new List<Job>();
            foreach (var staleKind in staleKinds)
            {
                if (await SingleAsync(scope, staleKind, sql[staleKind].ClearStale, cancellationToken,
                    ("story_id", job.StoryId), ("stale_before", staleBefore), ("now", now), ("error", staleError)) is { } cleared)
                {
                    stale.Add(cleared);
                }
            }
            if (kind == JobKind.Video && await RefuseVideoAsync(scope, job.StoryId, cancellationToken) is { } refused)
            {
                return refused;
            }
            var started = await SingleAsync(scope, kind, q.Insert, cancellationToken,
                ("id", Guid.CreateVersion7(now)), ("story_id", job.StoryId), ("user_id", job.UserId), ("now", now),
                ("style", job.Style), ("instructions", job.Instructions));
            if (started is not null)
            {
                if (kind == JobKind.Video)
                {
                    await using var snapshot = database.Command(scope.Connection, JobSql.SnapshotSceneImages, scope.Transaction,
                        ("job_id", started.Id), ("story_id", job.StoryId));
                    await snapshot.ExecuteNonQueryAsync(cancellationToken);
                }
                if (job.TraceParent is { } traceParent)
                {
                    await using var trace = database.Command(scope.Connection, JobSql.RecordTraceParent, scope.Transaction, ("job_id", started.Id), ("trace_parent", traceParent));
                    await trace.ExecuteNonQueryAsync(cancellationToken);
                }
                await scope.CommitAsync(cancellationToken);
                return new StartOutcome.Started(started, stale);
            }
            var running = await SingleAsync(scope, kind, q.Running, cancellationToken, ("story_id", job.StoryId));
            if (running is not null || attempt >= 3)
            {
                await scope.CommitAsync(cancellationToken);
                return running is null ? new StartOutcome.StoryNotFound() : new StartOutcome.AlreadyRunning(running);
            }
        }
    }

    /// <summary>
    /// Why a video job may not start now: one is already running, an image job is about to change the scenes'
    /// images, or a scene has no image to show. Runs under the story's lock, after stale jobs of both kinds are cleared.
    /// </summary>
    private async Task<StartOutcome?> RefuseVideoAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken)
    {
        if (await SingleAsync(scope, JobKind.Video, sql[JobKind.Video].Running, cancellationToken, ("story_id", storyId)) is { } video)
        {
            return new StartOutcome.AlreadyRunning(video);
        }
        if (await SingleAsync(scope, JobKind.Image, sql[JobKind.Image].Running, cancellationToken, ("story_id", storyId)) is { } images)
        {
            return new StartOutcome.BlockedBy(images);
        }
        await using var command = database.Command(scope.Connection, JobSql.ScenesWithoutImage, scope.Transaction, ("story_id", storyId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var missing = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            missing.Add(reader.GetInt32(0));
        }
        return missing.Count == 0 ? null : new StartOutcome.ImagesMissing(missing);
    }

    /// <summary>
    /// The story's processing job of either kind, read in the caller's transaction: a change to the scenes runs
    /// under the story's exclusive lock, which every start takes too, so no job starts before that change commits.
    /// </summary>
    public async Task<Job?> ProcessingAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken)
    {
        foreach (var kind in Enum.GetValues<JobKind>())
        {
            if (await SingleAsync(scope, kind, sql[kind].Running, cancellationToken, ("story_id", storyId)) is { } running)
            {
                return running;
            }
        }
        return null;
    }

    public async Task<ClearOutcome> ClearAsync(JobKind kind, Guid storyId, Guid userId, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        if (!await ExistsAsync(scope, JobSql.StoryOwned, cancellationToken, ("story_id", storyId), ("user_id", userId)))
        {
            return new ClearOutcome.StoryNotFound();
        }
        var cleared = await SingleAsync(scope, kind, q.ClearByUser, cancellationToken,
            ("story_id", storyId), ("user_id", userId), ("now", now), ("error", error));
        await scope.CommitAsync(cancellationToken);
        return new ClearOutcome.Cleared(cleared);
    }

    public async Task<Job?> GetAsync(JobKind kind, Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        return await SingleAsync(scope, kind, sql[kind].GetOwned, cancellationToken, ("job_id", jobId), ("user_id", userId));
    }

    /// <summary>The story's jobs, newest first; null when the story is not the user's.</summary>
    public async Task<IReadOnlyList<Job>?> ListAsync(JobKind kind, Guid storyId, Guid userId, int limit, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        if (!await ExistsAsync(scope, JobSql.StoryOwned, cancellationToken, ("story_id", storyId), ("user_id", userId)))
        {
            return null;
        }
        return await ManyAsync(scope, kind, q.ListOwned, cancellationToken, ("story_id", storyId), ("user_id", userId), ("limit", limit));
    }

    /// <summary>
    /// Claims the oldest job that waits for a worker or whose lease ran out. Jobs that have used up
    /// their attempts are failed with the reason first.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(JobKind kind, string workerId, DateTimeOffset now, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var exhausted = await ManyAsync(scope, kind, q.FailExhausted, cancellationToken,
            ("now", now), ("max_attempts", maxAttempts),
            ("error", $"Gave up after {maxAttempts} attempts: the worker running this job stopped responding each time."));
        var claimed = await SingleAsync(scope, kind, q.Claim, cancellationToken,
            ("worker_id", workerId), ("now", now), ("lease_until", now + lease), ("max_attempts", maxAttempts));
        DateTimeOffset? nextLeaseExpiry = null;
        if (claimed is null)
        {
            await using var next = database.Command(scope, q.NextLeaseExpiry, ("now", now));
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                nextLeaseExpiry = reader.GetFieldValue<DateTimeOffset>(0);
            }
        }
        await scope.CommitAsync(cancellationToken);
        return new ClaimResult(claimed, exhausted, nextLeaseExpiry);
    }

    /// <summary>Keeps the jobs that wait for a worker from looking silent; returns how many it touched.</summary>
    public Task<int> VouchForWaitingAsync(JobKind kind, DateTimeOffset now, DateTimeOffset freshBefore, CancellationToken cancellationToken) =>
        database.ExecuteAsWorkerAsync(sql[kind].VouchForWaiting, cancellationToken, ("now", now), ("fresh_before", freshBefore));

    public Task<bool> HeartbeatAsync(JobLease lease, int progress, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        FencedAsync(lease, sql[lease.Kind].Heartbeat, cancellationToken, ("now", now), ("lease_until", leaseUntil), ("progress", progress));

    public Task<bool> ReleaseAsync(JobLease lease, CancellationToken cancellationToken) =>
        FencedAsync(lease, sql[lease.Kind].Release, cancellationToken);

    public Task<bool> FailAsync(JobLease lease, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        FencedAsync(lease, sql[lease.Kind].Fail, cancellationToken, ("now", now), ("error", error));

    /// <summary>Marks the job completed and publishes its results in the same transaction, or does nothing.</summary>
    public async Task<bool> CompleteAsync(JobLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var q = sql[lease.Kind];
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (lease.Kind == JobKind.Video)
        {
            // A start locks the story before it clears a stale job of it; publishing a video to the story locks it
            // before touching the job too, so that the two cannot deadlock.
            await using var lockStory = database.Command(scope.Connection, q.LockStoryOfJob, scope.Transaction, ("story_id", lease.StoryId));
            await lockStory.ExecuteScalarAsync(cancellationToken);
        }
        await using (var complete = database.Command(scope.Connection, q.Complete, scope.Transaction, [.. LeaseParameters(lease), ("now", now)]))
        {
            if (await complete.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }
        }
        var publishing = lease.Kind == JobKind.Image ? JobSql.PublishSceneImages : JobSql.PublishVideo;
        await using (var publish = database.Command(scope.Connection, publishing, scope.Transaction, ("job_id", lease.JobId)))
        {
            await publish.ExecuteNonQueryAsync(cancellationToken);
        }
        await scope.CommitAsync(cancellationToken);
        return true;
    }

    public Task<bool> RecordSceneImageAsync(JobLease lease, Guid sceneId, string imageKey, CancellationToken cancellationToken) =>
        FencedAsync(lease, JobSql.RecordSceneImage, cancellationToken, ("scene_id", sceneId), ("image_key", imageKey));

    /// <summary>Scene images this job has already made, in earlier attempts too, so a resumed job skips them.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> SceneImagesAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await database.ReadAsWorkerAsync(JobSql.SceneImagesOfJob, r => (Scene: r.GetGuid(0), Key: r.GetString(1)), cancellationToken, ("job_id", jobId)))
            .ToDictionary(image => image.Scene, image => image.Key);

    /// <summary>Records the finished video of a video job; the story shows it once the job completes.</summary>
    public Task<bool> RecordVideoAsync(JobLease lease, string videoKey, CancellationToken cancellationToken) =>
        FencedAsync(lease, JobSql.RecordVideo, cancellationToken, ("video_key", videoKey));

    /// <summary>The video an earlier attempt of this job finished, if any, so a resumed job does not render it again.</summary>
    public async Task<string?> VideoOfJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await database.ReadAsWorkerAsync(JobSql.VideoOfJob, NullableString, cancellationToken, ("job_id", jobId))).FirstOrDefault();

    /// <summary>The scenes' images as they were when the video job started, in scene order.</summary>
    public async Task<IReadOnlyList<SceneImage>> VideoScenesAsync(Guid jobId, CancellationToken cancellationToken) =>
        await database.ReadAsWorkerAsync(JobSql.SceneImagesOfVideoJob, r => new SceneImage(r.GetInt32(0), r.GetString(1)), cancellationToken, ("job_id", jobId));

    /// <summary>The W3C trace context of the request that started the job, if it was traced.</summary>
    public async Task<string?> TraceParentAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await database.ReadAsWorkerAsync(JobSql.TraceParentOfJob, NullableString, cancellationToken, ("job_id", jobId))).FirstOrDefault();

    private static string? NullableString(DbDataReader reader) => reader.IsDBNull(0) ? null : reader.GetString(0);

    private static (string, object?)[] LeaseParameters(JobLease lease) =>
        [("job_id", lease.JobId), ("worker_id", lease.WorkerId), ("attempt", lease.Attempt)];

    private async Task<bool> FencedAsync(JobLease lease, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        await database.ExecuteAsWorkerAsync(statement, cancellationToken, [.. LeaseParameters(lease), .. parameters]) == 1;

    private async Task<bool> ExistsAsync(DatabaseTransaction scope, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = database.Command(scope.Connection, statement, scope.Transaction, parameters);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task<Job?> SingleAsync(DatabaseTransaction scope, JobKind kind, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var jobs = await ManyAsync(scope, kind, statement, cancellationToken, parameters);
        return jobs.Count == 0 ? null : jobs[0];
    }

    private async Task<IReadOnlyList<Job>> ManyAsync(DatabaseTransaction scope, JobKind kind, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = database.Command(scope.Connection, statement, scope.Transaction, parameters);
        return await ReadJobsAsync(command, kind, cancellationToken);
    }

    private static async Task<IReadOnlyList<Job>> ReadJobsAsync(DbCommand command, JobKind kind, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<Job>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(new Job(
                Id: reader.GetGuid(0),
                Kind: kind,
                StoryId: reader.GetGuid(1),
                UserId: reader.GetGuid(2),
                Status: reader.GetString(3),
                Progress: reader.GetInt32(4),
                Error: reader.IsDBNull(5) ? null : reader.GetString(5),
                StartedAt: reader.GetFieldValue<DateTimeOffset>(6),
                CompletedAt: reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                CreatedAt: reader.GetFieldValue<DateTimeOffset>(8),
                HeartbeatAt: reader.GetFieldValue<DateTimeOffset>(9),
                Attempts: reader.GetInt32(10),
                WorkerId: reader.IsDBNull(11) ? null : reader.GetString(11),
                LeaseExpiresAt: reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                Style: reader.IsDBNull(13) ? null : reader.GetString(13),
                Instructions: reader.IsDBNull(14) ? null : reader.GetString(14)));
        }
        return jobs;
    }
}

/// <summary>The job claimed, if any; jobs failed for using up their attempts; when nothing was claimed, when the soonest lease runs out.</summary>
public sealed record ClaimResult(Job? Claimed, IReadOnlyList<Job> Exhausted, DateTimeOffset? NextLeaseExpiry);

public sealed record SceneImage(int Position, string ImageKey);
