using Npgsql;
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

    [Fact]
    public async Task A_statement_that_fails_before_the_commit_keeps_nothing_and_the_connection_serves_the_next_transaction()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await (await Stores.CreateAsync(backend)).DisposeAsync();
        // One connection: the transaction after the failed one runs on the very same.
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(backend.ConnectionString) { MaxPoolSize = 1 }.ConnectionString);
        var database = new PostgresDatabase(source);
        var user = Guid.NewGuid();
        BatchStatement Story() => new(StoryStore.InsertStory, BatchStatement.NoResultSet,
            ("id", Guid.NewGuid()), ("user_id", user), ("title", "Never"), ("style", ""), ("created_at", DateTimeOffset.UtcNow));
        BatchStatement Count() => new("select count(*) as stories from stories where user_id = @user_id", r => r.GetInt64(0), ("user_id", user));

        await using (var scope = await database.BeginBatchedWriteAsUserAsync(user, None))
        {
            await database.BatchAsync(scope, [Story()], None);
            await Assert.ThrowsAsync<PostgresException>(() => database.BatchAndCommitAsync(scope, [Story(), new("select 1 / 0", BatchStatement.Ignore)], None));
        }
        await using (var next = await database.BeginBatchedWriteAsUserAsync(user, None))
        {
            var results = await database.BatchAndCommitAsync(next, [Count(), Story(), Count()], None);

            Assert.Equal([0L], results[0]);
            Assert.Equal([1L], results[2]);
        }
    }
}
