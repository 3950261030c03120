using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using StoryMedia.Data;

namespace StoryMedia.Jobs;

/// <summary>
/// A waiting job's <c>queue_position</c> (docs/fairness.md): an estimate of its place in the fair order. The job's own
/// user is read now (a start reads it in its own transaction and passes it in); every other user's share comes from one
/// snapshot of the queue that this instance takes at most once per <see cref="JobOptions.QueuePositionMaxAge"/>, so
/// answering a start or a 409 never aggregates the whole queue.
/// </summary>
public sealed class QueuePositions(Database database, JobKinds kinds, IOptions<JobOptions> options)
{
    private readonly FairShareSql fair = new(kinds.All);
    private readonly Lock gate = new();
    private QueueSnapshot? latest;
    private TaskCompletionSource<QueueSnapshot>? taking;

    /// <summary>
    /// 1 + the user's own waiting jobs before this one + for each other user V, the claims V gets first had no job ended
    /// meanwhile: claims go to the user with the fewest running, so that is running(this user) + own jobs before it −
    /// running(V), plus one when V's turn comes first at equal counts, at most V's waiting jobs. The bound on running
    /// jobs and jobs ending are left out: it is an estimate. Null for a job that is running or finished.
    /// </summary>
    /// <param name="mine">The user's place, when the caller read it already (a start reads it in its transaction).</param>
    public async Task<int?> OfAsync(Job job, DateTimeOffset now, CancellationToken cancellationToken, UserInQueue? mine = null)
    {
        if (!job.IsProcessing || job.LeaseExpiresAt >= now)
        {
            return null;
        }
        var snapshot = await SnapshotAsync(now, cancellationToken);
        mine ??= (await database.ReadAsWorkerAsync(fair.QueueOfUser, UserInQueue.Read, cancellationToken,
            ("user_id", job.UserId), ("job_id", job.Id), ("created_at", job.CreatedAt), ("now", now))).FirstOrDefault();
        if (mine?.FirstWaiting is null)
        {
            // None of the user's jobs waits any more: this one stopped waiting between its read and this one.
            return null;
        }
        var position = 1 + mine.Waiting;
        foreach (var other in snapshot.Users)
        {
            if (other.UserId == job.UserId)
            {
                continue;
            }
            var turns = mine.Running + mine.Waiting - other.Running + (TurnComesFirst(other, mine) ? 1 : 0);
            position += Math.Clamp(turns, 0, other.Waiting);
        }
        return position;
    }

    /// <summary>The fair claim's tie-break at equal running counts: the user whose last turn is oldest (never first), then the oldest waiting job.</summary>
    private static bool TurnComesFirst(UserInQueue other, UserInQueue me) =>
        (other.LastClaimedAt, me.LastClaimedAt) switch
        {
            (null, not null) => true,
            (not null, null) => false,
            var (o, m) when o != m => o < m,
            _ => other.FirstWaiting < me.FirstWaiting
                || (other.FirstWaiting == me.FirstWaiting && string.CompareOrdinal(Text(other.UserId), Text(me.UserId)) < 0),
        };

    // Both databases order user ids as their lowercase text (PostgreSQL's uuid compares its bytes in that order).
    private static string Text(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);

    /// <summary>The latest snapshot while it is young enough, or one taken now: concurrent callers share one read.</summary>
    private async Task<QueueSnapshot> SnapshotAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var maxAge = options.Value.QueuePositionMaxAge;
        if (maxAge <= TimeSpan.Zero)
        {
            return await TakeAsync(now, cancellationToken);
        }
        TaskCompletionSource<QueueSnapshot> read;
        bool mine;
        lock (gate)
        {
            if (latest is not null && now - latest.TakenAt < maxAge && now >= latest.TakenAt)
            {
                return latest;
            }
            mine = taking is null;
            read = taking ??= new TaskCompletionSource<QueueSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (!mine)
        {
            return await read.Task.WaitAsync(cancellationToken);
        }
        // Read outside the lock, shared by every caller that comes meanwhile: no one caller's cancellation ends it, and a
        // failed read is told to those callers and then forgotten.
        try
        {
            var snapshot = await TakeAsync(now, CancellationToken.None);
            lock (gate)
            {
                latest = snapshot;
                taking = null;
            }
            read.SetResult(snapshot);
        }
        catch (Exception ex)
        {
            lock (gate)
            {
                taking = null;
            }
            read.SetException(ex);
        }
        return await read.Task.WaitAsync(cancellationToken);
    }

    private async Task<QueueSnapshot> TakeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        new(now, await database.ReadAsWorkerAsync(fair.QueueOfUsers, UserInQueue.Read, cancellationToken, ("now", now)));

    private sealed record QueueSnapshot(DateTimeOffset TakenAt, IReadOnlyList<UserInQueue> Users);
}

/// <summary>
/// A user's place in the queue: jobs running, jobs waiting (for the job's own user: those before the job), when the
/// oldest waiting one was made, and when the user last had a turn.
/// </summary>
public sealed record UserInQueue(Guid UserId, int Running, int Waiting, DateTimeOffset? FirstWaiting, DateTimeOffset? LastClaimedAt)
{
    public static UserInQueue Read(DbDataReader row) => new(
        row.GetFieldValue<Guid>(row.GetOrdinal("user_id")),
        Count(row, "running"),
        Count(row, "waiting"),
        Time(row, "first_waiting"),
        Time(row, "last_claimed_at"));

    private static int Count(DbDataReader row, string column) =>
        row.GetOrdinal(column) is var i && row.IsDBNull(i) ? 0 : Convert.ToInt32(row.GetValue(i), CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(DbDataReader row, string column) =>
        row.GetOrdinal(column) is var i && row.IsDBNull(i) ? null : row.GetFieldValue<DateTimeOffset>(i);
}
