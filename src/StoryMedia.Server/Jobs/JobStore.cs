using System.Collections.Frozen;
using System.Data.Common;
using System.Globalization;
using StoryMedia.Data;
using StoryMedia.Events;

namespace StoryMedia.Jobs;

/// <summary>
/// The job guard's storage, for every registered kind: starting, clearing, claiming and every fenced worker write, over
/// either database. Its SQL is in <see cref="JobSql"/>; what differs between kinds it asks the kind. Every change of a
/// job's state is appended to the story's change log (<see cref="StoryEventLog"/>) in the transaction that makes it.
/// </summary>
public sealed class JobStore(Database database, JobKinds kinds, StoryEventLog events)
{
    // A start retried this many times lost every race to a job that ended before it could be read.
    private const int StartTries = 4;

    // The claim looks at this many users in the fair order before it gives up for this round.
    private const int ClaimCandidates = 8;

    // When a waiting job will be claimed is unknown: a refused start is told to look again soon.
    private static readonly TimeSpan WaitingRetryAfter = TimeSpan.FromSeconds(10);

    private readonly FrozenDictionary<string, JobSql> sql = kinds.All.ToFrozenDictionary(
        kind => kind.Name, kind => new JobSql(kind, database.LockRows, database.ShareRows), StringComparer.Ordinal);

    private readonly FairShareSql fair = new(kinds.All);

    private readonly UserStartGate userStartGate = new();

    public Database Database => database;

    public JobKinds Kinds => kinds;

    /// <summary>
    /// One transaction: lock the story, clear its stale jobs of this kind and of the kinds that block it, insert unless a
    /// job of this kind is processing, and keep the insert only while no blocking job is processing, the kind's own check
    /// says yes and the user is within the bounds (<paramref name="bounds"/>), counted over every kind under the user's
    /// lock, so two starts on two instances cannot both take the last place. A refused start changes nothing. On
    /// PostgreSQL that is two round trips: the role switch, both locks, the stale clears, the processing jobs, the bounds,
    /// the kind's reads and the insert in one; the kind's own rows, the webhook, the trace context, the user's place in
    /// the queue, the events and the commit in the next.
    /// </summary>
    public async Task<StartOutcome> StartAsync(string kindName, NewJob job, UserBounds bounds, DateTimeOffset now, DateTimeOffset staleBefore, string staleError, CancellationToken cancellationToken)
    {
        var kind = kinds[kindName];
        var q = sql[kindName];
        // A double click meets a live job: answer it from a read, without queueing for the user's lock or waiting on the
        // winner's insert, where the database makes that read cheap. The insert below still decides every race.
        if (database.ReadsLiveJobBeforeStart && await LiveAsync() is { } live)
        {
            return new StartOutcome.AlreadyRunning(live);
        }
        // One start of the user at a time from this process (the user's lock below queues them anyway); one that waited
        // reads (again, on PostgreSQL; a read too many when the start before it was on another story), and most of a
        // burst's losers meet the winner's job here.
        using var slot = await userStartGate.EnterAsync(job.UserId, cancellationToken);
        if (slot.Waited && await LiveAsync() is { } won)
        {
            return new StartOutcome.AlreadyRunning(won);
        }
        var blockers = kinds.BlockersOf(kindName);
        var staleKinds = blockers.Select(b => sql[b.Blocker]).Prepend(q).ToList();
        var kindReads = kind.StartReads(job);
        // Under the story's lock and the user's, the kind's own processing job first, then each blocker's: on SQLite a
        // double click that found the gate empty answers here; in a burst, the starts that did not wait at the gate (one
        // per instance at a time) queue on those locks (the user's, when the kind shares the story's), and each answers
        // after one round trip under them.
        // A conflicting job can finish between our insert and our read of it; then the start is simply tried again.
        for (var attempt = 1; attempt <= StartTries; attempt++)
        {
            await using var scope = await database.BeginBatchedWriteAsUserAsync(job.UserId, cancellationToken);
            // After the story and before any job row: a claim holding the user locks job rows, never a story. A stuck
            // job of a blocking kind would block this start too: the same stale rule clears it. The bounds count before
            // the insert, which comes last.
            List<BatchStatement> decide =
            [
                new(q.LockStory, BatchStatement.Ignore, ("story_id", job.StoryId), ("user_id", job.UserId)),
                database.LockUser(job.UserId, wait: true),
                .. staleKinds.Select(k => new BatchStatement(k.ClearStale, k.Read,
                    ("story_id", job.StoryId), ("stale_before", staleBefore), ("now", now), ("error", staleError))),
                .. staleKinds.Select(k => new BatchStatement(k.Running, k.Read, ("story_id", job.StoryId))),
                new(fair.UserBounds, ReadBounds, ("user_id", job.UserId), ("now", now), ("window_start", now - bounds.Window),
                    ("max_waiting", bounds.MaxWaiting), ("max_started", bounds.StartsPerWindow)),
                .. kindReads,
                new(q.Insert, q.Read, ("id", Guid.CreateVersion7(now)), ("story_id", job.StoryId), ("user_id", job.UserId), ("now", now),
                    ("style", job.Style), ("instructions", job.Instructions)),
            ];
            var results = await database.BatchAsync(scope, decide, cancellationToken);
            if (results[0].Count == 0)
            {
                return new StartOutcome.StoryNotFound();
            }
            var stale = results.Skip(2).Take(staleKinds.Count).SelectMany(rows => rows.Cast<Job>()).ToList();
            var running = results.Skip(2 + staleKinds.Count).Take(staleKinds.Count).Select(rows => rows.Cast<Job>().FirstOrDefault()).ToList();
            if (running.Count > 0 && running[0] is { } own)
            {
                return new StartOutcome.AlreadyRunning(own);
            }
            if (running.Skip(1).FirstOrDefault(j => j is not null) is { } blocking)
            {
                return new StartOutcome.BlockedBy(blocking);
            }
            // After the two locks, the stale clears and the processing jobs: the bounds, then the kind's reads.
            var counted = 2 + 2 * staleKinds.Count;
            var reads = new StartRows([.. results.Skip(counted + 1).Take(kindReads.Count)]);
            if (kind.CheckStart(job, reads) is { } notReady)
            {
                return notReady;
            }
            if (await OverBoundAsync(scope, job.UserId, bounds, (Counts)results[counted][0], now, cancellationToken) is { } over)
            {
                return over;
            }
            if (results[^1].Cast<Job>().FirstOrDefault() is { } started)
            {
                // What the job keeps, its webhook (before the events whose deliveries read it) and its events: one round trip.
                List<BatchStatement> record = [.. kind.Started(started, job, reads)];
                if (job.Webhook is { } webhook)
                {
                    record.Add(Webhooks.WebhookStore.Subscribe(kindName, started.Id, job.UserId, webhook, now));
                }
                if (job.TraceParent is { } traceParent)
                {
                    record.Add(new(JobSql.RecordTraceParent, BatchStatement.NoResultSet, ("job_id", started.Id), ("trace_parent", traceParent)));
                }
                // The answer's queue position reads the user's queue here, under the user's lock, instead of a round trip of
                // its own; before the events, which come last (their lock is held to commit).
                var queue = record.Count;
                record.Add(new(fair.QueueOfUser, UserInQueue.Read,
                    ("user_id", job.UserId), ("job_id", started.Id), ("created_at", started.CreatedAt), ("now", now)));
                record.AddRange(events.Appends([.. stale.Select(s => StoryEvent.OfJob(StoryEventTypes.Failed, s)), StoryEvent.OfJob(StoryEventTypes.Started, started)], now));
                // Not cancelled once sent: the commit travels with it, so a cancelled read of its answer could report a
                // start that did commit as failed.
                var recorded = await database.BatchAndCommitAsync(scope, record, CancellationToken.None);
                return new StartOutcome.Started(started, stale, recorded[queue].Cast<UserInQueue>().FirstOrDefault());
            }
            // The insert met a job that another start committed after our read of the story's processing job.
            if (await SingleAsync(scope, q, q.Running, cancellationToken, ("story_id", job.StoryId)) is { } winner)
            {
                await events.AppendAsync(scope, stale.Select(s => StoryEvent.OfJob(StoryEventTypes.Failed, s)), now, cancellationToken);
                await scope.CommitAsync(cancellationToken);
                return new StartOutcome.AlreadyRunning(winner);
            }
        }
        return new StartOutcome.Contended();

        async Task<Job?> LiveAsync() => (await database.ReadAsUserAsync(job.UserId, q.RunningLive, q.Read, cancellationToken,
            ("story_id", job.StoryId), ("user_id", job.UserId), ("stale_before", staleBefore))).FirstOrDefault();
    }

    private sealed record Counts(int Waiting, int Started);

    private static Counts ReadBounds(DbDataReader row) => new(
        Convert.ToInt32(row.GetValue(row.GetOrdinal("waiting")), CultureInfo.InvariantCulture),
        Convert.ToInt32(row.GetValue(row.GetOrdinal("started")), CultureInfo.InvariantCulture));

    private async Task<StartOutcome?> OverBoundAsync(DatabaseTransaction scope, Guid userId, UserBounds bounds, Counts counts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (counts.Waiting >= bounds.MaxWaiting)
        {
            return new StartOutcome.OverUserBound("Jobs:MaxWaitingPerUser", bounds.MaxWaiting,
                $"You have {counts.Waiting} jobs waiting for a worker, the most one user may have (Jobs:MaxWaitingPerUser = {bounds.MaxWaiting}). " +
                "Start this one when one of them is running.", WaitingRetryAfter);
        }
        if (counts.Started >= bounds.StartsPerWindow)
        {
            var windowStart = now - bounds.Window;
            await using var first = database.Command(scope, fair.FirstStartedSince, ("user_id", userId), ("window_start", windowStart));
            await using var oldest = await first.ExecuteReaderAsync(cancellationToken);
            await oldest.ReadAsync(cancellationToken);
            var firstStarted = oldest.GetFieldValue<DateTimeOffset>(oldest.GetOrdinal("first_started"));
            return new StartOutcome.OverUserBound("RateLimits:StartsPerWindow", bounds.StartsPerWindow,
                $"You have started {counts.Started} jobs in the last {Durations.Describe(bounds.Window)}, the most one user may " +
                $"(RateLimits:StartsPerWindow = {bounds.StartsPerWindow}).", firstStarted + bounds.Window - now);
        }
        return null;
    }

    /// <summary>
    /// The story's processing job of any kind, read in the caller's transaction: a change to the scenes runs under the
    /// story's exclusive lock (<see cref="JobSql.LockStory"/>), so no job starts before that change commits.
    /// </summary>
    public async Task<Job?> ProcessingAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken)
    {
        foreach (var q in kinds.All.Select(k => sql[k.Name]))
        {
            if (await SingleAsync(scope, q, q.Running, cancellationToken, ("story_id", storyId)) is { } running)
            {
                return running;
            }
        }
        return null;
    }

    public async Task<ClearOutcome> ClearAsync(string kind, Guid storyId, Guid userId, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        if (!await ExistsAsync(scope, JobSql.StoryOwned, cancellationToken, ("story_id", storyId), ("user_id", userId)))
        {
            return new ClearOutcome.StoryNotFound();
        }
        var cleared = await SingleAsync(scope, q, q.ClearByUser, cancellationToken,
            ("story_id", storyId), ("user_id", userId), ("now", now), ("error", error));
        if (cleared is not null)
        {
            await events.AppendAsync(scope, StoryEvent.OfJob(StoryEventTypes.Cleared, cleared), now, cancellationToken);
        }
        await scope.CommitAsync(cancellationToken);
        return new ClearOutcome.Cleared(cleared);
    }

    public async Task<Job?> GetAsync(string kind, Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        return await SingleAsync(scope, q, q.GetOwned, cancellationToken, ("job_id", jobId), ("user_id", userId));
    }

    /// <summary>The story's jobs, newest first; null when the story is not the user's.</summary>
    public async Task<IReadOnlyList<Job>?> ListAsync(string kind, Guid storyId, Guid userId, int limit, CancellationToken cancellationToken)
    {
        var q = sql[kind];
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        if (!await ExistsAsync(scope, JobSql.StoryOwned, cancellationToken, ("story_id", storyId), ("user_id", userId)))
        {
            return null;
        }
        return await ManyAsync(scope, q, q.ListOwned, cancellationToken, ("story_id", storyId), ("user_id", userId), ("limit", limit));
    }

    /// <summary>
    /// Claims the first waiting (or orphaned) job of the fair order over every kind (<see cref="FairShareSql.Candidates"/>),
    /// passing over users with <paramref name="maxRunningPerUser"/> jobs running. Jobs that have used up their attempts
    /// are failed with the reason first, in a transaction of their own. The claim then locks the first candidate's user,
    /// waiting for another claim or start deciding for the same user, and any further candidate's without waiting (so no
    /// two claims wait for each other); under the lock it counts the user's running jobs again and claims the user's
    /// oldest waiting job by id: the bound holds across instances and two claims never take one job.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(string workerId, DateTimeOffset now, TimeSpan lease, int maxAttempts, int maxRunningPerUser, CancellationToken cancellationToken)
    {
        var exhausted = new List<Job>();
        await using (var cleanup = await database.BeginWriteAsync(cancellationToken))
        {
            foreach (var q in kinds.All.Select(k => sql[k.Name]))
            {
                exhausted.AddRange(await ManyAsync(cleanup, q, q.FailExhausted, cancellationToken,
                    ("now", now), ("max_attempts", maxAttempts),
                    ("error", $"Gave up after {maxAttempts} attempts: the worker running this job stopped responding each time.")));
            }
            await events.AppendAsync(cleanup, exhausted.Select(j => StoryEvent.OfJob(StoryEventTypes.Failed, j)), now, cancellationToken);
            await cleanup.CommitAsync(cancellationToken);
        }
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var users = new List<Guid>();
        await using (var choose = database.Command(scope, fair.Candidates,
            ("now", now), ("max_attempts", maxAttempts), ("max_running", maxRunningPerUser), ("candidates", ClaimCandidates)))
        await using (var reader = await choose.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                users.Add(reader.GetGuid(reader.GetOrdinal("user_id")));
            }
        }
        Job? claimed = null;
        for (var i = 0; i < users.Count && claimed is null; i++)
        {
            var user = users[i];
            if (!await database.LockUserAsync(scope, user, wait: i == 0, cancellationToken) ||
                await CountAsync(scope, fair.RunningOfUser, "running", cancellationToken, ("user_id", user), ("now", now)) >= maxRunningPerUser)
            {
                continue;
            }
            (string Kind, Guid Id)? oldest = null;
            await using (var read = database.Command(scope, fair.OldestWaitingOfUser, ("user_id", user), ("now", now), ("max_attempts", maxAttempts)))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    oldest = (reader.GetString(reader.GetOrdinal("kind")), reader.GetGuid(reader.GetOrdinal("id")));
                }
            }
            if (oldest is not { } job)
            {
                continue;
            }
            var q = sql[job.Kind];
            claimed = await SingleAsync(scope, q, q.ClaimById, cancellationToken,
                ("job_id", job.Id), ("worker_id", workerId), ("now", now), ("lease_until", now + lease), ("max_attempts", maxAttempts));
            if (claimed is not null)
            {
                await using var turn = database.Command(scope, FairShareSql.RecordTurn, ("user_id", user), ("now", now));
                await turn.ExecuteNonQueryAsync(cancellationToken);
                // Its waiting ends: a reader learns that it runs now.
                await events.AppendAsync(scope, StoryEvent.OfJob(StoryEventTypes.Progress, claimed), now, cancellationToken);
            }
        }
        DateTimeOffset? nextLeaseExpiry = null;
        if (claimed is null)
        {
            await using var next = database.Command(scope, fair.NextLeaseExpiry, ("now", now));
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken) && reader.GetOrdinal("next_expiry") is var expiry && !reader.IsDBNull(expiry))
            {
                nextLeaseExpiry = reader.GetFieldValue<DateTimeOffset>(expiry);
            }
        }
        await scope.CommitAsync(cancellationToken);
        return new ClaimResult(claimed, exhausted, nextLeaseExpiry);
    }

    /// <summary>Keeps the jobs that wait for a worker from looking silent; returns how many it touched.</summary>
    public Task<int> VouchForWaitingAsync(string kind, DateTimeOffset now, DateTimeOffset freshBefore, CancellationToken cancellationToken) =>
        database.ExecuteAsWorkerAsync(sql[kind].VouchForWaiting, cancellationToken, ("now", now), ("fresh_before", freshBefore));

    /// <summary>
    /// Extends the lease and records the progress. A beat with the progress unchanged is one statement; a change of
    /// progress is logged as a <c>progress</c> event in the same transaction.
    /// </summary>
    public async Task<bool> HeartbeatAsync(Job claimed, int progress, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        await FencedAsync(JobLease.Of(claimed), sql[claimed.Kind].HeartbeatSameProgress, cancellationToken, ("now", now), ("lease_until", leaseUntil), ("progress", progress)) ||
        await ReportProgressAsync(claimed, progress, now, leaseUntil, cancellationToken);

    /// <summary>A heartbeat with new progress and its <c>progress</c> event, one round trip on PostgreSQL.</summary>
    public Task<bool> ReportProgressAsync(Job claimed, int progress, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        ReportProgressAsync(claimed, progress, changed: true, [], now, leaseUntil, cancellationToken);

    /// <summary>
    /// A heartbeat with the progress, the kind's records of what the work made (<paramref name="made"/>) and, when the
    /// progress <paramref name="changed"/>, its <c>progress</c> event: one worker transaction, one round trip on PostgreSQL.
    /// The fenced heartbeat goes first and locks the job's row until the commit, so the lease holds for every statement
    /// after it or for none, and each of them is fenced as well: a worker that lost the job writes none of them. The
    /// event's data is the claimed job as the update leaves it, so nothing is read back.
    /// </summary>
    public async Task<bool> ReportProgressAsync(Job claimed, int progress, bool changed, IReadOnlyList<FencedWrite> made, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        var q = sql[claimed.Kind];
        var fence = JobSql.LeaseParameters(JobLease.Of(claimed));
        // The database keeps microseconds: the event says what a read of the job would.
        var beat = now.AddTicks(-(now.Ticks % 10));
        var after = StoryEvent.OfJob(StoryEventTypes.Progress, claimed with { Progress = progress, HeartbeatAt = beat, LeaseExpiresAt = leaseUntil });
        List<BatchStatement> statements =
        [
            new(q.Heartbeat, BatchStatement.Ignore, [.. fence, ("now", now), ("lease_until", leaseUntil), ("progress", progress)]),
            .. made.Select(write => new BatchStatement(write.Sql, BatchStatement.Ignore, [.. fence, .. write.Parameters])),
            .. changed ? events.Appends([after], now, JobSql.Held(q.Table), fence) : [],
        ];
        var results = await database.BatchAsWorkerAsync(statements, cancellationToken);
        // A record that matched nothing (its own fence, or its row gone) reports the job lost, as its own write did.
        return results[0].Count == 1 && results.Skip(1).Take(made.Count).All(rows => rows.Count == 1);
    }

    public Task<bool> ReleaseAsync(JobLease lease, CancellationToken cancellationToken) =>
        FencedAsync(lease, sql[lease.Kind].Release, cancellationToken);

    public Task<bool> FailAsync(JobLease lease, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        FencedAndLoggedAsync(lease, sql[lease.Kind].Fail, StoryEventTypes.Failed, now, cancellationToken, ("now", now), ("error", error));

    /// <summary>A fenced write that returns the job, and the event it makes, in one transaction.</summary>
    private async Task<bool> FencedAndLoggedAsync(JobLease lease, string statement, string eventType, DateTimeOffset now, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var q = sql[lease.Kind];
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await SingleAsync(scope, q, statement, cancellationToken, [.. JobSql.LeaseParameters(lease), .. parameters]) is not { } job)
        {
            return false;
        }
        await events.AppendAsync(scope, StoryEvent.OfJob(eventType, job), now, cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Marks the job completed and has its kind publish its results in the same transaction, or does nothing.</summary>
    public async Task<bool> CompleteAsync(JobLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var kind = kinds[lease.Kind];
        var q = sql[lease.Kind];
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (kind.CompletionLocksStory)
        {
            await using var lockStory = database.Command(scope, q.LockStoryOfJob, ("story_id", lease.StoryId));
            await lockStory.ExecuteScalarAsync(cancellationToken);
        }
        if (await SingleAsync(scope, q, q.Complete, cancellationToken, [.. JobSql.LeaseParameters(lease), ("now", now)]) is not { } completed)
        {
            return false;
        }
        await kind.PublishAsync(new JobScope(database, scope), lease, cancellationToken);
        List<StoryEvent> changes = [StoryEvent.OfJob(StoryEventTypes.Completed, completed)];
        if (kind.Changes is { } what)
        {
            changes.Add(StoryEvent.Changed(completed.StoryId, completed.UserId, what, completed));
        }
        await events.AppendAsync(scope, changes, now, cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A worker's write of a kind's own statement, fenced (<see cref="JobSql.Fence"/>): true when it changed exactly one row,
    /// false when the job is no longer the lease's.
    /// </summary>
    public async Task<bool> FencedAsync(JobLease lease, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        await database.ExecuteAsWorkerAsync(statement, cancellationToken, [.. JobSql.LeaseParameters(lease), .. parameters]) == 1;

    /// <summary>The W3C trace context of the request that started the job, if it was traced.</summary>
    public async Task<string?> TraceParentAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await database.ReadAsWorkerAsync(JobSql.TraceParentOfJob, r => r.GetString(r.GetOrdinal("trace_parent")), cancellationToken, ("job_id", jobId))).FirstOrDefault();

    private async Task<int> CountAsync(DatabaseTransaction scope, string statement, string column, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = database.Command(scope, statement, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Convert.ToInt32(reader.GetValue(reader.GetOrdinal(column)), CultureInfo.InvariantCulture);
    }

    private async Task<bool> ExistsAsync(DatabaseTransaction scope, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = database.Command(scope, statement, parameters);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task<Job?> SingleAsync(DatabaseTransaction scope, JobSql q, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var jobs = await ManyAsync(scope, q, statement, cancellationToken, parameters);
        return jobs.Count == 0 ? null : jobs[0];
    }

    private async Task<IReadOnlyList<Job>> ManyAsync(DatabaseTransaction scope, JobSql q, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = database.Command(scope, statement, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<Job>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(q.Read(reader));
        }
        return jobs;
    }
}

/// <summary>The job claimed, if any; jobs failed for using up their attempts; when nothing was claimed, when the soonest lease runs out.</summary>
public sealed record ClaimResult(Job? Claimed, IReadOnlyList<Job> Exhausted, DateTimeOffset? NextLeaseExpiry);
