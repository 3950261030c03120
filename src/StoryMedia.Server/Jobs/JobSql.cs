using System.Data.Common;

namespace StoryMedia.Jobs;

/// <summary>
/// Every statement of the job guard, for one kind's table. The same SQL runs on PostgreSQL and SQLite; the only dialect
/// difference is the start's row locking (<paramref name="lockRows"/>, <paramref name="shareRows"/>). The statements over
/// every kind's table together (the fair claim's choice, a user's bounds) are in <see cref="FairShareSql"/>. A kind's own statements (what its jobs make, how they publish) live in its folder and
/// fence their writes with <see cref="Fence"/>.
/// </summary>
public sealed class JobSql(IJobKind kind, string lockRows, string shareRows)
{
    /// <summary>The columns every job table has, read back by name (<see cref="Read"/>).</summary>
    public const string Columns =
        "id, story_id, user_id, status, progress, error, started_at, completed_at, created_at, " +
        "heartbeat_at, attempts, worker_id, lease_expires_at, style, instructions";

    /// <summary>
    /// The story's processing job, found through the story's own index (<c>story_id, created_at</c>): <c>status || ''</c>
    /// lets no partial index on <c>status = 'processing'</c> serve the lookup. The planner sizes those from statistics
    /// that may date from a moment when no job was processing, and then reads every waiting job to find the story's
    /// (in the benchmark, starts fell to a third once the job tables were big; docs/scaling.md).
    /// </summary>
    private const string ProcessingOfStory = "story_id = @story_id and status || '' = 'processing'";

    /// <summary>
    /// Every worker write matches only while the job is processing under the same worker and attempt: a cleared or
    /// taken-over job's worker changes nothing. Parameters: <see cref="LeaseParameters"/>.
    /// </summary>
    public const string Fence = "id = @job_id and status = 'processing' and worker_id = @worker_id and attempts = @attempt";

    public const string StoryOwned = "select 1 from stories where id = @story_id and user_id = @user_id";

    public static (string, object?)[] LeaseParameters(JobLease lease) =>
        [("job_id", lease.JobId), ("worker_id", lease.WorkerId), ("attempt", lease.Attempt)];

    /// <summary>True while the lease still holds a job of <paramref name="table"/>: for a kind's fenced insert into a table of its own.</summary>
    public static string Held(string table) => $"exists (select 1 from {table} where {Fence})";

    public string Table { get; } = kind.Table;

    /// <summary>
    /// The user's story, locked until the start commits. The one place the story lock's order is decided: every start,
    /// scene edit (<c>StoryStore.LockOwned</c>) and story-publishing completion (<see cref="LockStoryOfJob"/>) takes the
    /// story's row before any job row, so none can deadlock. A kind that reads other kinds' jobs to decide its start (one
    /// that is blocked) locks it exclusively, so no start of a kind that blocks it commits meanwhile; other kinds share it,
    /// so a burst of their starts does not queue behind itself (the partial unique index alone decides among them).
    /// </summary>
    public string LockStory => $"{StoryOwned} {(kind.StartLock == StoryLock.Exclusive ? lockRows : shareRows)}";

    public string LockStoryOfJob => $"select 1 from stories where id = @story_id {lockRows}";

    /// <summary>
    /// Stale means silent: no heartbeat since @stale_before, however long the job has run. A job waiting for a
    /// worker gets its heartbeat from any live runner (<see cref="VouchForWaiting"/>).
    /// </summary>
    public string ClearStale => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where {ProcessingOfStory} and heartbeat_at < @stale_before
        returning {Columns}
        """;

    /// <summary>
    /// The start itself, for the user's story only: the partial unique index decides the winner; losers get no row back.
    /// It goes in the batch that decides the start, so a refusal decided after it rolls it back.
    /// </summary>
    public string Insert => $"""
        insert into {Table} (id, story_id, user_id, status, progress, started_at, created_at, heartbeat_at, attempts, style, instructions)
        select @id, @story_id, @user_id, 'processing', 0, @now, @now, @now, 0, @style, @instructions
         where exists ({StoryOwned})
        on conflict (story_id) where status = 'processing' do nothing
        returning {Columns}
        """;

    public string Running => $"select {Columns} from {Table} where {ProcessingOfStory}";

    /// <summary>The user's live job on the story, if any: a read that answers most duplicate starts before any write.</summary>
    public string RunningLive => $"""
        select {Columns} from {Table}
         where {ProcessingOfStory} and user_id = @user_id and heartbeat_at >= @stale_before
        """;

    public string ClearByUser => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where {ProcessingOfStory} and user_id = @user_id
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

    /// <summary>
    /// Claims the job the fair order chose (<see cref="FairShareSql.OldestWaitingOfUser"/>) if it still waits: a job
    /// cleared meanwhile gives no row.
    /// </summary>
    public string ClaimById => $"""
        update {Table}
           set worker_id = @worker_id, lease_expires_at = @lease_until, attempts = attempts + 1, heartbeat_at = @now
         where id = @job_id and status = 'processing'
           and (lease_expires_at is null or lease_expires_at < @now)
           and attempts < @max_attempts
        returning {Columns}
        """;

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

    /// <summary>A beat that changes no progress: the common one, with nothing for the change log.</summary>
    public string HeartbeatSameProgress => $"""
        update {Table}
           set heartbeat_at = @now, lease_expires_at = @lease_until
         where {Fence} and progress = @progress
        """;

    public string Heartbeat => $"""
        update {Table}
           set heartbeat_at = @now, lease_expires_at = @lease_until, progress = @progress
         where {Fence}
        returning id
        """;

    /// <summary>Hands the job back so another worker claims it at once (graceful shutdown).</summary>
    public string Release => $"update {Table} set worker_id = null, lease_expires_at = null where {Fence}";

    public string Fail => $"""
        update {Table}
           set status = 'failed', error = @error, completed_at = @now
         where {Fence}
        returning {Columns}
        """;

    public string Complete => $"""
        update {Table}
           set status = 'completed', progress = 100, completed_at = @now, heartbeat_at = @now
         where {Fence}
        returning {Columns}
        """;

    // Telemetry: the starting request's trace context, kept apart from the job tables so any kind of job can use it.
    public const string RecordTraceParent = "insert into job_trace_parents (job_id, trace_parent) values (@job_id, @trace_parent)";

    public const string TraceParentOfJob = "select trace_parent from job_trace_parents where job_id = @job_id";

    /// <summary>One row of <see cref="Columns"/>, each read by its name.</summary>
    public Job Read(DbDataReader row) => new(
        Id: row.GetGuid(row.GetOrdinal("id")),
        Kind: kind.Name,
        StoryId: row.GetGuid(row.GetOrdinal("story_id")),
        UserId: row.GetGuid(row.GetOrdinal("user_id")),
        Status: row.GetString(row.GetOrdinal("status")),
        Progress: row.GetInt32(row.GetOrdinal("progress")),
        Error: Nullable<string>(row, "error"),
        StartedAt: row.GetFieldValue<DateTimeOffset>(row.GetOrdinal("started_at")),
        CompletedAt: NullableInstant(row, "completed_at"),
        CreatedAt: row.GetFieldValue<DateTimeOffset>(row.GetOrdinal("created_at")),
        HeartbeatAt: row.GetFieldValue<DateTimeOffset>(row.GetOrdinal("heartbeat_at")),
        Attempts: row.GetInt32(row.GetOrdinal("attempts")),
        WorkerId: Nullable<string>(row, "worker_id"),
        LeaseExpiresAt: NullableInstant(row, "lease_expires_at"),
        Style: Nullable<string>(row, "style"),
        Instructions: Nullable<string>(row, "instructions"));

    private static T? Nullable<T>(DbDataReader row, string column)
        where T : class
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetFieldValue<T>(ordinal);
    }

    private static DateTimeOffset? NullableInstant(DbDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetFieldValue<DateTimeOffset>(ordinal);
    }
}
