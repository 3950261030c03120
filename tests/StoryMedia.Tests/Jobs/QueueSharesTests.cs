using StoryMedia.Jobs;

namespace StoryMedia.Tests.Jobs;

/// <summary>
/// The queue position's sum over the other users, taken from its index, against the same sum user by user (the rule as
/// docs/fairness.md states it), over random queues full of ties: equal last turns, equal first waiting jobs, never-claimed users.
/// </summary>
public sealed class QueueSharesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_users_share_of_the_claims_ahead_is_the_sum_user_by_user()
    {
        var random = new Random(20261202);
        for (var round = 0; round < 400; round++)
        {
            var users = Enumerable.Range(0, random.Next(0, 60)).Select(_ => RandomUser(random, RandomId(random))).ToList();
            var shares = new QueueShares(users);
            for (var ask = 0; ask < 20; ask++)
            {
                // Either a user of the snapshot (whose own row must not count) or a new one; its waiting jobs are those before the job.
                var id = users.Count > 0 && random.Next(2) == 0 ? users[random.Next(users.Count)].UserId : RandomId(random);
                var me = RandomUser(random, id) with { FirstWaiting = Time(random) };
                var expected = users.Where(u => u.UserId != me.UserId).Sum(u => QueueShares.Share(u, me));
                var indexed = shares.Ahead(me);
                Assert.True(expected == indexed, $"Round {round}: {expected} claims ahead user by user, {indexed} from the index.");
            }
        }
    }

    [Fact]
    public void A_user_waiting_for_more_jobs_than_the_index_keeps_is_summed_all_the_same()
    {
        var me = new UserInQueue(Guid.NewGuid(), Running: 0, Waiting: 50, T0.AddMinutes(3), null);
        var heavy = new UserInQueue(Guid.NewGuid(), Running: 0, Waiting: 100, T0, null);
        var light = new UserInQueue(Guid.NewGuid(), Running: 0, Waiting: 2, T0.AddMinutes(1), null);
        var later = new UserInQueue(Guid.NewGuid(), Running: 0, Waiting: 60, T0.AddMinutes(5), null);

        // The heavy user's turn and the light one's come before mine: 50 + 1 claims and all 2; the later one gets 50.
        Assert.Equal(103, new QueueShares([heavy, light, me, later]).Ahead(me));
    }

    private static UserInQueue RandomUser(Random random, Guid id)
    {
        var waiting = random.Next(0, 6) == 0 ? random.Next(0, 40) : random.Next(0, 4);
        return new UserInQueue(id, random.Next(0, 4), waiting, waiting == 0 ? null : Time(random), random.Next(3) == 0 ? null : Time(random));
    }

    // From the seeded generator too, so that a failing round comes back the same (the user id breaks the last ties).
    private static Guid RandomId(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    // A few instants only, so that ties are common.
    private static DateTimeOffset Time(Random random) => T0.AddSeconds(random.Next(0, 5));
}
