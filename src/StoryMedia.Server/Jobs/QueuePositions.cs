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
        return 1 + mine.Waiting + snapshot.Shares.Ahead(mine);
    }

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
        new(now, new QueueShares(await database.ReadAsWorkerAsync(fair.QueueOfUsers, UserInQueue.Read, cancellationToken, ("now", now))));

    private sealed record QueueSnapshot(DateTimeOffset TakenAt, QueueShares Shares);
}

/// <summary>
/// The claims every other user of a snapshot gets before a user's job: for each other user V, what the fair order gives V
/// first had no job ended meanwhile, running(me) + waiting(me, before the job) − running(V), plus one when V's turn comes
/// first at equal counts, between none and V's waiting jobs. Summed per group of users with the same running count, each
/// group in turn order with prefix sums of min(t, waiting) for every t up to its most waiting jobs, so that an answer
/// costs a binary search per running count instead of a visit to every waiting user (every start, 409 and job view
/// asks, and a long queue has thousands of users).
/// </summary>
internal sealed class QueueShares
{
    // A user waiting for more jobs than this (never, at the default Jobs:MaxWaitingPerUser of 10) is summed on its own:
    // its group's prefix sums would take that many × the group's users ints.
    private const int MaxIndexedWaiting = 32;

    private readonly Group[] groups;
    private readonly List<UserInQueue> oneByOne = [];
    private readonly Dictionary<Guid, UserInQueue> indexed = [];

    public QueueShares(IReadOnlyList<UserInQueue> users)
    {
        var grouped = new List<Group>();
        // A user with no waiting job gets no claim before anyone's. One without a first waiting job would have no place in
        // the turn order to sort by: the queue's SQL gives every user with a waiting job one, but such a user is summed
        // on its own all the same, as is one waiting for many jobs.
        var waiting = users.Where(u => u.Waiting > 0).ToList();
        oneByOne.AddRange(waiting.Where(u => !Indexable(u)));
        foreach (var group in waiting.Where(Indexable).GroupBy(u => u.Running))
        {
            var ordered = group.ToArray();
            Array.Sort(ordered, InTurnOrder);
            grouped.Add(new Group(group.Key, ordered));
            foreach (var user in ordered)
            {
                indexed[user.UserId] = user;
            }
        }
        groups = [.. grouped];
    }

    /// <summary>What the other users of the snapshot get before <paramref name="me"/>'s job (its own row, if any, left out).</summary>
    public int Ahead(UserInQueue me)
    {
        var claims = me.Running + me.Waiting;
        var ahead = 0;
        foreach (var group in groups)
        {
            // One claim short, a user whose turn comes first still gets none.
            var claimsOver = claims - group.Running;
            if (claimsOver >= 0)
            {
                var first = group.CountBefore(me);
                ahead += group.Sum(first, claimsOver + 1) + group.Sum(group.Count, claimsOver) - group.Sum(first, claimsOver);
            }
        }
        foreach (var other in oneByOne.Where(u => u.UserId != me.UserId))
        {
            ahead += Share(other, me);
        }
        // The user's own row was summed with its group (its share is none when the group was passed over).
        if (indexed.TryGetValue(me.UserId, out var own))
        {
            ahead -= Share(own, me);
        }
        return ahead;
    }

    /// <summary>What <paramref name="other"/> gets before <paramref name="me"/>'s job, user by user.</summary>
    public static int Share(UserInQueue other, UserInQueue me) =>
        Math.Clamp(me.Running + me.Waiting - other.Running + (TurnComesFirst(other, me) ? 1 : 0), 0, other.Waiting);

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

    private static bool Indexable(UserInQueue user) => user.FirstWaiting is not null && user.Waiting <= MaxIndexedWaiting;

    private static int InTurnOrder(UserInQueue a, UserInQueue b) =>
        TurnComesFirst(a, b) ? -1 : TurnComesFirst(b, a) ? 1 : 0;

    /// <summary>Users with one running count, in turn order.</summary>
    private sealed class Group
    {
        private readonly UserInQueue[] inTurnOrder;

        // capped[t][p]: the sum of min(t, waiting) over the first p users, for t from 1 to the group's most waiting jobs.
        private readonly int[][] capped;

        public Group(int running, UserInQueue[] inTurnOrder)
        {
            Running = running;
            this.inTurnOrder = inTurnOrder;
            capped = new int[inTurnOrder.Max(u => u.Waiting) + 1][];
            for (var t = 1; t < capped.Length; t++)
            {
                var sums = capped[t] = new int[inTurnOrder.Length + 1];
                for (var i = 0; i < inTurnOrder.Length; i++)
                {
                    sums[i + 1] = sums[i] + Math.Min(t, inTurnOrder[i].Waiting);
                }
            }
        }

        public int Running { get; }

        public int Count => inTurnOrder.Length;

        /// <summary>How many of the group's users take their turn before <paramref name="me"/>: a prefix, in turn order.</summary>
        public int CountBefore(UserInQueue me)
        {
            var (low, high) = (0, inTurnOrder.Length);
            while (low < high)
            {
                var middle = (low + high) / 2;
                (low, high) = TurnComesFirst(inTurnOrder[middle], me) ? (middle + 1, high) : (low, middle);
            }
            return low;
        }

        /// <summary>The sum of min(<paramref name="cap"/>, waiting) over the first <paramref name="users"/> users.</summary>
        public int Sum(int users, int cap) => cap <= 0 ? 0 : capped[Math.Min(cap, capped.Length - 1)][users];
    }
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
