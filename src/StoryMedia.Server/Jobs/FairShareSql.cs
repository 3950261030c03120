namespace StoryMedia.Jobs;

/// <summary>
/// The statements over every registered kind's job table together, for fair share between users (docs/fairness.md):
/// the fair claim's choice, a user's running and waiting jobs, the start budget, the queue that a waiting job's position is estimated from. Each
/// reads the kinds' processing jobs as one set (<see cref="Live"/>), built from the registry: no kind is named here.
/// A job is running while its lease holds, and waiting when it has no lease or its lease ran out.
/// </summary>
public sealed class FairShareSql(IEnumerable<IJobKind> kinds)
{
    private const string IsWaiting = "(lease_expires_at is null or lease_expires_at < @now)";

    /// <summary>
    /// The user's processing jobs, found through the index made for this predicate (<c>(user_id, (status || ''))</c>,
    /// migration 0017). With <c>status = 'processing'</c> the planner could pick any partial index on processing jobs, and
    /// statistics from a moment when none processed cost them all at about one row: it took the <c>(created_at)</c> one
    /// and read every waiting job to find the user's (docs/scaling.md).
    /// </summary>
    private const string ProcessingOfUser = "user_id = @user_id and status || '' = 'processing'";

    private readonly IReadOnlyList<IJobKind> kinds = [.. kinds];

    /// <summary>Every kind's processing jobs, with the kind's name (the partial index on processing jobs serves each branch).</summary>
    private string Live => Union(k => $"select {Named(k)} as kind, id, user_id, created_at, lease_expires_at, attempts from {k.Table} where status = 'processing'");

    /// <summary>
    /// The fair order, one candidate per user (the user's oldest waiting job), best first: fewest jobs running now,
    /// then the user whose last job was claimed longest ago (never first), then the oldest job. Users already at
    /// @max_running wait. The claim locks each candidate's user, then counts again and reads the user's oldest waiting job.
    /// </summary>
    public string Candidates => $"""
        with live as ({Live}),
        users as (
          select user_id, sum(case when lease_expires_at >= @now then 1 else 0 end) as running
            from live group by user_id),
        waiting as (
          select kind, id, user_id, created_at, row_number() over (partition by user_id order by created_at, id) as turn
            from live
           where {IsWaiting} and attempts < @max_attempts)
        select w.user_id
          from waiting w
          join users u on u.user_id = w.user_id
          left join job_turns t on t.user_id = w.user_id
         where w.turn = 1 and u.running < @max_running
         order by u.running, t.last_claimed_at nulls first, w.created_at, w.id
         limit @candidates
        """;

    /// <summary>The user's oldest waiting job of any kind, read once the claim holds the user: no other claim takes the user's jobs meanwhile.</summary>
    public string OldestWaitingOfUser => $"""
        select kind, id from ({Union(k => $"select {Named(k)} as kind, id, created_at from {k.Table} where {ProcessingOfUser} and {IsWaiting} and attempts < @max_attempts")}) as l
         order by created_at, id
         limit 1
        """;

    /// <summary>The user's jobs running now, read again once the claim holds the user.</summary>
    public string RunningOfUser => $"""
        select count(*) as running
          from ({Union(k => $"select id from {k.Table} where {ProcessingOfUser} and lease_expires_at >= @now")}) as r
        """;

    /// <summary>The user's turn is taken: a claim records when, for the tie-break of <see cref="Candidates"/>.</summary>
    public const string RecordTurn = """
        insert into job_turns (user_id, last_claimed_at) values (@user_id, @now)
        on conflict (user_id) do update set last_claimed_at = excluded.last_claimed_at
        """;

    /// <summary>When the soonest lease of any kind runs out: an idle runner wakes then, so a dead worker's job is taken over without waiting for a poll.</summary>
    public string NextLeaseExpiry => $"""
        select min(lease_expires_at) as next_expiry
          from ({Union(k => $"select lease_expires_at from {k.Table} where status = 'processing' and lease_expires_at >= @now")}) as l
        """;

    /// <summary>
    /// A start's look at the user's bounds, read once the start holds the user: the user's jobs waiting now, and the jobs
    /// the user created since @window_start (of every status: a refused start created none). Each count stops at its
    /// bound (@max_waiting, @max_started): a start costs the same for a user with a long history as for a new one.
    /// </summary>
    public string UserBounds => $"""
        select (select count(*) from ({Union(k => $"select id from {k.Table} where {ProcessingOfUser} and {IsWaiting}")} limit @max_waiting) as w) as waiting,
               (select count(*) from ({StartedSince} limit @max_started) as s) as started
        """;

    /// <summary>When the oldest of the user's starts in the window was made: read only to tell a refused start when to come back.</summary>
    public string FirstStartedSince => $"select min(created_at) as first_started from ({StartedSince}) as s";

    /// <summary>
    /// The queue as <see cref="QueuePositions"/> estimates from it, read as the workers (it counts every user's jobs): each
    /// user with a waiting job, the user's running and waiting jobs, when the oldest waiting one was made, the user's last turn.
    /// </summary>
    public string QueueOfUsers => $"""
        select l.user_id,
               sum(case when lease_expires_at >= @now then 1 else 0 end) as running,
               sum(case when {IsWaiting} then 1 else 0 end) as waiting,
               min(case when {IsWaiting} then created_at end) as first_waiting,
               t.last_claimed_at
          from ({Live}) as l
          left join job_turns t on t.user_id = l.user_id
         group by l.user_id, t.last_claimed_at
        having sum(case when {IsWaiting} then 1 else 0 end) > 0
        """;

    /// <summary>
    /// The same of one user, now, as a waiting job of that user sees it: its jobs running, its waiting jobs before the
    /// job (@created_at, @job_id), when its oldest waiting job was made (null when none waits), its last turn.
    /// </summary>
    public string QueueOfUser => $"""
        select @user_id as user_id,
               sum(case when lease_expires_at >= @now then 1 else 0 end) as running,
               sum(case when {IsWaiting} and (created_at < @created_at or (created_at = @created_at and id < @job_id)) then 1 else 0 end) as waiting,
               min(case when {IsWaiting} then created_at end) as first_waiting,
               (select last_claimed_at from job_turns where user_id = @user_id) as last_claimed_at
          from ({Union(k => $"select id, created_at, lease_expires_at from {k.Table} where {ProcessingOfUser}")}) as mine
        """;

    private string StartedSince => Union(k => $"select created_at from {k.Table} where user_id = @user_id and created_at >= @window_start");

    private static string Named(IJobKind kind) => $"'{kind.Name.Replace("'", "''", StringComparison.Ordinal)}'";

    private string Union(Func<IJobKind, string> select) => string.Join("\n union all ", kinds.Select(select));
}
