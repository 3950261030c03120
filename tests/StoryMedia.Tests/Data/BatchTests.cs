using StoryMedia.Data;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Data;

/// <summary>A transaction's last batch with its commit (<see cref="Database.BatchAndCommitAsync"/>), as a start sends it.</summary>
public sealed class BatchTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_batch_with_its_commit_keeps_every_write_and_leaves_nothing_to_roll_back(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var user = Guid.NewGuid();
        BatchStatement Story(Guid id) => new(StoryStore.InsertStory, BatchStatement.NoResultSet,
            ("id", id), ("user_id", user), ("title", "Committed"), ("style", ""), ("created_at", DateTimeOffset.UtcNow));
        Guid[] stories = [Guid.NewGuid(), Guid.NewGuid()];

        await using (var scope = await stores.Database.BeginBatchedWriteAsUserAsync(user, None))
        {
            await stores.Database.BatchAsync(scope, [Story(stories[0])], None);
            var results = await stores.Database.BatchAndCommitAsync(scope,
                [Story(stories[1]), new("select count(*) as stories from stories where user_id = @user_id", r => r.GetInt64(0), ("user_id", user))], None);

            Assert.Equal([2L], results[1]);
            // The transaction has ended: its disposal has nothing to roll back.
            await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Transaction.RollbackAsync(None));
        }

        foreach (var story in stories)
        {
            Assert.NotNull(await stores.Stories.GetAsync(story, user, None));
        }
    }
}
