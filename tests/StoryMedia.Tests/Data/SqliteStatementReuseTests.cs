using Microsoft.Data.Sqlite;
using StoryMedia.Data;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Data;

/// <summary>SQLite keeps each connection's statements prepared and its reader connections open (PreparedSqliteConnection).</summary>
public sealed class SqliteStatementReuseTests
{
    private const string TitlesOf = "select title from stories where user_id = @user_id order by title";
    private const string InsertStory = "insert into stories (id, user_id, title, style, created_at) values (@id, @user_id, @title, '', @now)";

    [Fact]
    public async Task The_same_statement_asked_for_again_while_its_first_reader_is_open_reads_its_own_rows()
    {
        await using var stores = await Stores.CreateAsync(Backend.Sqlite);
        var database = stores.Database;
        var (ann, bob) = (Guid.NewGuid(), Guid.NewGuid());
        await WriteStoryAsync(database, Guid.NewGuid(), ann, "Ann's");
        await WriteStoryAsync(database, Guid.NewGuid(), bob, "Bob's");

        await using var scope = await database.BeginReadAsync(CancellationToken.None);
        await using var first = database.Command(scope, TitlesOf, ("user_id", ann));
        await using var annRows = await first.ExecuteReaderAsync();
        Assert.True(await annRows.ReadAsync());
        var bobs = await database.ReadAsync(scope, TitlesOf, r => r.GetString(0), CancellationToken.None, ("user_id", bob));

        Assert.Equal("Ann's", annRows.GetString(0));
        Assert.Equal(["Bob's"], bobs);
    }

    [Fact]
    public async Task A_write_that_failed_on_a_constraint_leaves_its_statement_and_the_writer_working()
    {
        await using var stores = await Stores.CreateAsync(Backend.Sqlite);
        var database = stores.Database;
        var user = Guid.NewGuid();
        var story = Guid.NewGuid();
        await WriteStoryAsync(database, story, user, "First");

        await Assert.ThrowsAsync<SqliteException>(() => WriteStoryAsync(database, story, user, "Same id"));
        await WriteStoryAsync(database, Guid.NewGuid(), user, "Second");

        Assert.Equal(["First", "Second"], await database.ReadAsWorkerAsync(TitlesOf, r => r.GetString(0), CancellationToken.None, ("user_id", user)));
    }

    [Fact]
    public async Task A_read_on_a_kept_reader_connection_sees_every_write_committed_since_its_last_read()
    {
        await using var stores = await Stores.CreateAsync(Backend.Sqlite);
        var database = stores.Database;
        var user = Guid.NewGuid();

        for (var i = 1; i <= 3; i++)
        {
            await WriteStoryAsync(database, Guid.NewGuid(), user, $"Story {i}");
            var titles = await database.ReadAsUserAsync(user, TitlesOf, r => r.GetString(0), CancellationToken.None, ("user_id", user));
            Assert.Equal(i, titles.Count);
        }
    }

    private static async Task WriteStoryAsync(Database database, Guid id, Guid user, string title)
    {
        await using var scope = await database.BeginWriteAsync(CancellationToken.None);
        await using (var insert = database.Command(scope, InsertStory, ("id", id), ("user_id", user), ("title", title), ("now", DateTimeOffset.UtcNow)))
        {
            await insert.ExecuteNonQueryAsync();
        }
        await scope.CommitAsync(CancellationToken.None);
    }
}
