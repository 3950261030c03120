using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace StoryMedia.Bench;

/// <summary>
/// The seed's own design as a baseline: count the story's processing jobs, insert when there are none, with no
/// unique index behind it. Driven with the same burst as the real guard; every processing row past the first
/// is a duplicate job it let through.
/// </summary>
public static class NaiveGuard
{
    private static string CreateTable(string id, string instant) => $"""
        create table if not exists naive_image_jobs (
          id {id} primary key,
          story_id {id} not null,
          status varchar(20) not null default 'processing',
          created_at {instant} not null)
        """;

    private const string Count = "select count(*) from naive_image_jobs where story_id = @story_id and status = 'processing'";

    private const string Insert = "insert into naive_image_jobs (id, story_id, created_at) values (@id, @story_id, @now)";

    /// <summary>Processing rows left per round (1 is correct; more are duplicates).</summary>
    public static async Task<IReadOnlyList<int>> RunPostgresAsync(NpgsqlDataSource dataSource, int requests, int rounds, CancellationToken ct)
    {
        await using (var create = dataSource.CreateCommand(CreateTable("uuid", "timestamptz")))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        var rows = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var story = Guid.NewGuid();
            await Burst(requests, async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await CheckThenInsertAsync(connection, story, DateTimeOffset.UtcNow, ct);
            });
            rows.Add(await ProcessingRowsAsync(await dataSource.OpenConnectionAsync(ct), story, ct));
        }
        return rows;
    }

    public static async Task<IReadOnlyList<int>> RunSqliteAsync(string connectionString, int requests, int rounds, CancellationToken ct)
    {
        await using (var connection = await OpenSqliteAsync(connectionString, ct))
        {
            await using var create = connection.CreateCommand();
            create.CommandText = CreateTable("text", "text");
            await create.ExecuteNonQueryAsync(ct);
        }
        var rows = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var story = Guid.NewGuid();
            // Microsoft.Data.Sqlite runs synchronously underneath, so each request gets a pool thread of its own.
            await Burst(requests, () => Task.Run(async () =>
            {
                await using var connection = await OpenSqliteAsync(connectionString, ct);
                await CheckThenInsertAsync(connection, story.ToString("D"), DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), ct);
            }, ct));
            rows.Add(await ProcessingRowsAsync(await OpenSqliteAsync(connectionString, ct), story.ToString("D"), ct));
        }
        return rows;
    }

    private static async Task CheckThenInsertAsync(System.Data.Common.DbConnection connection, object story, object now, CancellationToken ct)
    {
        await using var check = connection.CreateCommand();
        check.CommandText = Count;
        AddParameter(check, "story_id", story);
        if (Convert.ToInt64(await check.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0)
        {
            return;
        }
        await using var insert = connection.CreateCommand();
        insert.CommandText = Insert;
        AddParameter(insert, "id", story is Guid ? Guid.NewGuid() : Guid.NewGuid().ToString("D"));
        AddParameter(insert, "story_id", story);
        AddParameter(insert, "now", now);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private static async Task<int> ProcessingRowsAsync(System.Data.Common.DbConnection connection, object story, CancellationToken ct)
    {
        await using (connection)
        {
            await using var count = connection.CreateCommand();
            count.CommandText = Count;
            AddParameter(count, "story_id", story);
            return Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static async Task<SqliteConnection> OpenSqliteAsync(string connectionString, CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "pragma busy_timeout = 5000; pragma journal_mode = wal; pragma synchronous = normal;";
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    private static async Task Burst(int requests, Func<Task> request)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, requests).Select(async _ =>
        {
            await gate.Task;
            await request();
        }).ToArray();
        gate.SetResult();
        await Task.WhenAll(calls);
    }
}
