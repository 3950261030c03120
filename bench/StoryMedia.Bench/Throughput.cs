using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Images;
using StoryMedia.Jobs;

namespace StoryMedia.Bench;

/// <summary>Scenario 2: job starts per second on distinct stories, through the store and through HTTP, beside raw inserts.</summary>
public static partial class Throughput
{
    public sealed record Rate(long Count, TimeSpan Elapsed)
    {
        public double PerSecond => Count / Elapsed.TotalSeconds;
    }

    /// <summary>Stories owned by <paramref name="user"/>, made in bulk straight in the database: only their ids matter here.</summary>
    public static async Task<Guid[]> CreateStoriesAsync(Database database, Guid user, int count, CancellationToken ct)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        if (database is PostgresDatabase postgres)
        {
            await using var insert = postgres.DataSource.CreateCommand(
                "insert into stories (id, user_id, title, style, created_at) select id, @user, 'bench', '', now() from unnest(@ids) as id");
            insert.Parameters.AddWithValue("user", user);
            insert.Parameters.AddWithValue("ids", ids);
            await insert.ExecuteNonQueryAsync(ct);
            return ids;
        }
        await using var scope = await database.BeginWriteAsync(ct);
        await using var command = database.Command(scope.Connection,
            "insert into stories (id, user_id, title, style, created_at) values (@id, @user, 'bench', '', @now)", scope.Transaction,
            ("id", Guid.Empty), ("user", user), ("now", DateTimeOffset.UtcNow));
        foreach (var id in ids)
        {
            command.Parameters[0].Value = id.ToString("D");
            await command.ExecuteNonQueryAsync(ct);
        }
        await scope.CommitAsync(ct);
        return ids;
    }

    /// <summary>
    /// <see cref="JobStore.StartAsync"/> in this process, from <paramref name="workers"/> concurrent loops, as one user with
    /// the per-user bounds raised out of reach (as <c>TestSettings.NoRateLimits</c> raises them for the bench's servers).
    /// </summary>
    public static Task<Rate> StoreAsync(JobStore store, Guid user, Guid[] stories, int workers, TimeSpan duration, CancellationToken ct) =>
        LoopAsync(stories, workers, duration, async story =>
        {
            var now = DateTimeOffset.UtcNow;
            var outcome = await store.StartAsync(ImageJobKind.Kind, new NewJob(story, user, null, null), Unbounded, now, now - TimeSpan.FromMinutes(5), "stale", ct);
            if (outcome is not StartOutcome.Started)
            {
                throw new BenchFailedException($"A start on a fresh story gave {outcome}.");
            }
        });

    private static readonly UserBounds Unbounded = new(int.MaxValue, int.MaxValue, TimeSpan.FromMinutes(1));

    /// <summary><c>POST /api/generate_images</c> from <paramref name="workers"/> concurrent loops spread over the clients.</summary>
    public static Task<Rate> HttpAsync(IReadOnlyList<BenchClient> clients, Guid[] stories, int workers, TimeSpan duration, CancellationToken ct)
    {
        var next = 0;
        return LoopAsync(stories, workers, duration, async story =>
        {
            var client = clients[Interlocked.Increment(ref next) % clients.Count];
            var (status, _) = await client.GenerateAsync(story, ct);
            if (status != HttpStatusCode.Accepted)
            {
                throw new BenchFailedException($"A start on a fresh story answered {(int)status}.");
            }
        });
    }

    /// <summary>The floor for SQLite: single-row autocommit inserts in a plain loop on one open connection.</summary>
    public static async Task<Rate> SqliteInsertsAsync(string connectionString, TimeSpan duration, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = """
                pragma busy_timeout = 5000; pragma journal_mode = wal; pragma synchronous = normal;
                create table if not exists bench_insert (id text primary key, story_id text not null, status text not null default 'processing', created_at text not null);
                """;
            await setup.ExecuteNonQueryAsync(ct);
        }
        await using var insert = connection.CreateCommand();
        insert.CommandText = "insert into bench_insert (id, story_id, created_at) values ($id, $story, $now)";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var story = insert.Parameters.Add("$story", SqliteType.Text);
        var now = insert.Parameters.Add("$now", SqliteType.Text);
        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed < duration)
        {
            id.Value = Guid.NewGuid().ToString("D");
            story.Value = Guid.NewGuid().ToString("D");
            now.Value = SqliteDatabase.Format(DateTimeOffset.UtcNow);
            await insert.ExecuteNonQueryAsync(ct);
            count++;
        }
        return new Rate(count, clock.Elapsed);
    }

    /// <summary>The floor for PostgreSQL: pgbench, a single-row insert into a table shaped like the job table's key.</summary>
    public static Task<(double Tps, string Command)> PgbenchInsertAsync(string connectionString, string workDirectory, int seconds, CancellationToken ct) =>
        PgbenchAsync(connectionString, workDirectory, "insert.sql", InsertTable, "insert into bench_insert (story_id) values (gen_random_uuid());", seconds, ct);

    /// <summary>
    /// The database's own cost of a start: pgbench running the guard's statements (as JobSql has them) in one
    /// transaction on distinct stories, with no .NET in the way. Each transaction first takes its story's id.
    /// </summary>
    public static async Task<(double Tps, string Command)> PgbenchGuardAsync(NpgsqlDataSource dataSource, string workDirectory, Guid user, int stories, int seconds, CancellationToken ct)
    {
        await using (var setup = dataSource.CreateCommand("""
            create table bench_start_stories as select n, gen_random_uuid() as id from generate_series(1, @count) as n;
            create unique index on bench_start_stories (n);
            insert into stories (id, user_id, title, style, created_at) select id, @user, 'bench', '', now() from bench_start_stories;
            create sequence bench_start_seq;
            """))
        {
            setup.Parameters.AddWithValue("count", (long)stories);
            setup.Parameters.AddWithValue("user", user);
            await setup.ExecuteNonQueryAsync(ct);
        }
        var columns = JobColumns;
        var script = $"""
            select id as story_id from bench_start_stories where n = (select nextval('bench_start_seq')) \gset
            select {columns} from image_generation_jobs where story_id = ':story_id' and user_id = '{user}' and status = 'processing' and heartbeat_at >= now() - interval '5 minutes';
            begin;
            select 1 from stories where id = ':story_id' and user_id = '{user}' for no key update;
            update image_generation_jobs set status = 'failed', error = 'stale', completed_at = now() where story_id = ':story_id' and status = 'processing' and heartbeat_at < now() - interval '5 minutes' returning {columns};
            insert into image_generation_jobs (id, story_id, user_id, status, progress, started_at, created_at, heartbeat_at, attempts, style, instructions) values (gen_random_uuid(), ':story_id', '{user}', 'processing', 0, now(), now(), now(), 0, null, null) on conflict (story_id) where status = 'processing' do nothing returning {columns};
            commit;
            """;
        return await PgbenchAsync(dataSource.ConnectionString, workDirectory, "start.sql", null, script, seconds, ct);
    }

    /// <summary>What one INSERT costs from .NET: Npgsql in this process, the same loops as the store, the pgbench table.</summary>
    public static async Task<Rate> NpgsqlInsertsAsync(NpgsqlDataSource dataSource, Guid[] keys, int workers, TimeSpan duration, CancellationToken ct)
    {
        await using (var create = dataSource.CreateCommand(InsertTable))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        return await LoopAsync(keys, workers, duration, async key =>
        {
            await using var insert = dataSource.CreateCommand("insert into bench_insert (story_id) values ($1)");
            insert.Parameters.AddWithValue(key);
            await insert.ExecuteNonQueryAsync(ct);
        });
    }

    /// <summary>EXPLAIN ANALYZE of the guard's insert on a fresh story, rolled back: where a start's time goes in the database.</summary>
    public static async Task<string> ExplainInsertAsync(NpgsqlDataSource dataSource, Guid user, Guid story, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var explain = new NpgsqlCommand($"""
            explain (analyze, buffers, costs off)
            insert into image_generation_jobs (id, story_id, user_id, status, progress, started_at, created_at, heartbeat_at, attempts)
            values (gen_random_uuid(), @story, @user, 'processing', 0, now(), now(), now(), 0)
            on conflict (story_id) where status = 'processing' do nothing
            returning {JobColumns}
            """, connection, transaction);
        explain.Parameters.AddWithValue("story", story);
        explain.Parameters.AddWithValue("user", user);
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                lines.Add(reader.GetString(0));
            }
        }
        await transaction.RollbackAsync(ct);
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The share of the insert's execution time spent in the foreign key's trigger, from EXPLAIN ANALYZE text.</summary>
    public static double ForeignKeyShare(string plan)
    {
        var trigger = ForeignKeyTime().Match(plan);
        var total = ExecutionTime().Match(plan);
        return trigger.Success && total.Success
            ? double.Parse(trigger.Groups[1].Value, CultureInfo.InvariantCulture) / double.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture)
            : double.NaN;
    }

    [GeneratedRegex(@"Trigger for constraint \S+_fkey: time=([0-9.]+)")]
    private static partial Regex ForeignKeyTime();

    [GeneratedRegex(@"Execution Time: ([0-9.]+) ms")]
    private static partial Regex ExecutionTime();

    private const string InsertTable =
        "create table if not exists bench_insert (id uuid primary key default gen_random_uuid(), story_id uuid not null, status varchar(20) not null default 'processing', created_at timestamptz not null default now())";

    private const string JobColumns =
        "id, story_id, user_id, status, progress, error, started_at, completed_at, created_at, heartbeat_at, attempts, worker_id, lease_expires_at, style, instructions";

    private static async Task<(double Tps, string Command)> PgbenchAsync(string connectionString, string workDirectory, string name, string? setup, string script, int seconds, CancellationToken ct)
    {
        if (setup is not null)
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var create = dataSource.CreateCommand(setup);
            await create.ExecuteNonQueryAsync(ct);
        }
        var file = Path.Combine(workDirectory, name);
        await File.WriteAllTextAsync(file, script + "\n", ct);
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        string[] arguments = ["-n", "-f", file, "-c", "8", "-j", "2", "-T", $"{seconds}",
            "-h", target.Host!, "-p", $"{target.Port}", "-U", target.Username!, target.Database!];
        var pgbench = Path.Combine(await Machine.PostgresBinDirectoryAsync(ct), "pgbench");
        var start = new ProcessStartInfo(pgbench, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["PGGSSENCMODE"] = "disable";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var tps = TpsLine().Match(output);
        if (process.ExitCode != 0 || !tps.Success)
        {
            throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {output}{errors}");
        }
        return (double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), $"pgbench -n -f {name} -c 8 -j 2 -T {seconds}");
    }

    private static async Task<Rate> LoopAsync(Guid[] stories, int workers, TimeSpan duration, Func<Guid, Task> start)
    {
        // The first starts open the pool's connections and compile the path; they are not timed.
        var warmUp = workers * 10;
        await Task.WhenAll(stories.Take(warmUp).Chunk(10).Select(async chunk =>
        {
            foreach (var story in chunk)
            {
                await start(story);
            }
        }));
        var next = warmUp - 1;
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            await Task.Yield();
            while (clock.Elapsed < duration)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= stories.Length)
                {
                    return;
                }
                await start(stories[index]);
                Interlocked.Increment(ref done);
            }
        }));
        return new Rate(done, clock.Elapsed);
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
