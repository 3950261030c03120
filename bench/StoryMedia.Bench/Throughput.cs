using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Http;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Videos;

namespace StoryMedia.Bench;

/// <summary>Scenario 2: job starts per second on distinct stories, through the store and through HTTP, beside raw inserts.</summary>
public static partial class Throughput
{
    public sealed record Rate(long Count, TimeSpan Elapsed)
    {
        public double PerSecond => Count / Elapsed.TotalSeconds;
    }

    /// <summary>A story and the user who owns it.</summary>
    public sealed record Owned(Guid Story, Guid User);

    /// <summary>
    /// The bounds a service has by default (<c>Jobs:MaxWaitingPerUser</c>, <c>RateLimits:StartsPerWindow</c>): the bench's
    /// starts come from many users, one story each, as a service's do, so no bound is raised out of the way.
    /// </summary>
    public static readonly UserBounds DefaultBounds = new(new JobOptions().MaxWaitingPerUser, new RateLimitOptions().StartsPerWindow, new RateLimitOptions().Window);

    /// <summary>Stories with no scenes, each owned by a user of its own, made in bulk straight in the database.</summary>
    public static async Task<Owned[]> CreateStoriesAsync(Database database, int count, CancellationToken ct)
    {
        var owned = Enumerable.Range(0, count).Select(_ => new Owned(Guid.NewGuid(), Guid.NewGuid())).ToArray();
        if (database is PostgresDatabase postgres)
        {
            await using var insert = postgres.DataSource.CreateCommand(
                "insert into stories (id, user_id, title, style, created_at) select id, owner, 'bench', '', now() from unnest(@ids, @owners) as s(id, owner)");
            insert.Parameters.AddWithValue("ids", owned.Select(o => o.Story).ToArray());
            insert.Parameters.AddWithValue("owners", owned.Select(o => o.User).ToArray());
            await insert.ExecuteNonQueryAsync(ct);
            return owned;
        }
        await using var scope = await database.BeginWriteAsync(ct);
        await using var command = database.Command(scope.Connection,
            "insert into stories (id, user_id, title, style, created_at) values (@id, @user, 'bench', '', @now)", scope.Transaction,
            ("id", Guid.Empty), ("user", Guid.Empty), ("now", DateTimeOffset.UtcNow));
        foreach (var (story, user) in owned)
        {
            command.Parameters[0].Value = story.ToString("D");
            command.Parameters[1].Value = user.ToString("D");
            await command.ExecuteNonQueryAsync(ct);
        }
        await scope.CommitAsync(ct);
        return owned;
    }

    /// <summary>
    /// Ends the jobs earlier scenarios left waiting (the store's and pgbench's starts; no instance here runs workers), so
    /// each scenario meets the queue it makes itself: a start's answer reads its queue position, which counts every waiting job.
    /// </summary>
    public static async Task EndBacklogAsync(Database database, CancellationToken ct)
    {
        await using var scope = await database.BeginWriteAsync(ct);
        foreach (var table in new[] { "image_generation_jobs", "video_generation_jobs", "narration_generation_jobs" })
        {
            await using var end = database.Command(scope.Connection,
                $"update {table} set status = 'failed', error = 'Ended by the bench between scenarios.', completed_at = @now where status = 'processing'",
                scope.Transaction, ("now", DateTimeOffset.UtcNow));
            await end.ExecuteNonQueryAsync(ct);
        }
        await scope.CommitAsync(ct);
    }

    /// <summary>
    /// Lets PostgreSQL settle before a timed run: the database vacuumed and analysed (the dead rows of the backlog's end,
    /// the rows the last run wrote) and a checkpoint written, so that no run pays for the one before it in autovacuum or
    /// checkpoint writes. Runs as the bench's login, the cluster's superuser.
    /// </summary>
    public static async Task SettleAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        foreach (var sql in new[] { "vacuum (analyze)", "checkpoint" })
        {
            await using var command = dataSource.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>SQLite's counterpart: the WAL written back into the file and truncated, so that no run pays for the one before it.</summary>
    public static async Task SettleAsync(SqliteDatabase database, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = "pragma busy_timeout = 5000";
            await timeout.ExecuteNonQueryAsync(ct);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = "pragma wal_checkpoint(truncate)";
        // A checkpoint that a reader held back answers busy = 1 in its row rather than failing: try again, a while.
        for (var attempt = 1; ; attempt++)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct) && reader.GetInt32(0) == 0)
            {
                return;
            }
            if (attempt == 50)
            {
                throw new BenchFailedException("SQLite's WAL could not be checkpointed before a timed run: a reader held it for 5 s.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }

    /// <summary><see cref="JobStore.StartAsync"/> in this process, from <paramref name="workers"/> concurrent loops, each start by the story's owner.</summary>
    public static Task<Rate> StoreAsync(JobStore store, Owned[] stories, int workers, TimeSpan duration, CancellationToken ct) =>
        LoopAsync(stories, workers, duration, async story =>
        {
            var now = DateTimeOffset.UtcNow;
            var outcome = await store.StartAsync(ImageJobKind.Kind, new NewJob(story.Story, story.User, null, null), DefaultBounds, now, now - TimeSpan.FromMinutes(5), "stale", ct);
            if (outcome is not StartOutcome.Started)
            {
                throw new BenchFailedException($"A start on a fresh story gave {outcome}.");
            }
        });

    /// <summary>
    /// <c>POST /api/generate_images</c> from <paramref name="workers"/> concurrent loops spread over the clients, each with
    /// the story owner's token; or, for the baseline, <c>GET /api/stories/{id}</c> of the same stories the same way.
    /// </summary>
    public static Task<Rate> HttpAsync(IReadOnlyList<BenchClient> clients, Owned[] stories, int workers, TimeSpan duration, bool startJobs, CancellationToken ct)
    {
        var tokens = stories.ToDictionary(s => s.Story, s => BenchClient.TokenFor(s.User));
        var next = 0;
        return LoopAsync(stories, workers, duration, async story =>
        {
            var client = clients[Interlocked.Increment(ref next) % clients.Count];
            var token = tokens[story.Story];
            var (status, expected) = startJobs
                ? (await client.GenerateAsync(story.Story, token, ct), HttpStatusCode.Accepted)
                : (await client.GetStoryStatusAsync(story.Story, token, ct), HttpStatusCode.OK);
            if (status != expected)
            {
                throw new BenchFailedException($"{(startJobs ? "A start on a fresh story" : "A GET of a story")} answered {(int)status}.");
            }
        });
    }

    /// <summary>
    /// The floor for SQLite: the statements of a start (as the store sends them) in a plain loop on one open connection,
    /// same file and pragmas, no pool, no gate, no .NET objects beyond the commands. Each story is its own user's.
    /// </summary>
    public static async Task<Rate> SqliteGuardLoopAsync(string connectionString, Owned[] stories, TimeSpan duration, CancellationToken ct)
    {
        var q = new JobSql(new ImageJobKind(), "", "");
        var fair = new FairShareSql([new ImageJobKind(), new VideoJobKind(), new NarrationJobKind()]);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "pragma busy_timeout = 5000; pragma foreign_keys = on; pragma synchronous = normal; pragma journal_mode = wal;";
            await setup.ExecuteNonQueryAsync(ct);
        }
        // No live-job read before the transaction: the store makes none on SQLite (SqliteDatabase.ReadsLiveJobBeforeStart).
        string[] statements = ["begin immediate", q.LockStory, q.ClearStale, q.Running, fair.UserBounds, ImageJobSql.ScenesWithSeeds, q.Insert, StoryEventLog.Append, fair.QueueOfUser, "commit"];
        var commands = statements.Select(sql =>
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }).ToList();
        var index = 0;
        // Untimed first, as the store's loops (LoopAsync): the JIT's optimised code comes only after many calls.
        await RunAsync(duration / 2);
        var rate = await RunAsync(duration);
        foreach (var command in commands)
        {
            await command.DisposeAsync();
        }
        return rate;

        async Task<Rate> RunAsync(TimeSpan length)
        {
            var clock = Stopwatch.StartNew();
            long count = 0;
            while (clock.Elapsed < length && index < stories.Length)
            {
                var (story, user) = stories[index++];
                var now = DateTimeOffset.UtcNow;
                var job = Guid.CreateVersion7(now).ToString("D");
                var values = new Dictionary<string, object?>
                {
                    ["story_id"] = story.ToString("D"),
                    ["user_id"] = user.ToString("D"),
                    ["id"] = job,
                    ["now"] = SqliteDatabase.Format(now),
                    ["stale_before"] = SqliteDatabase.Format(now.AddMinutes(-5)),
                    ["error"] = "stale",
                    ["window_start"] = SqliteDatabase.Format(now - DefaultBounds.Window),
                    ["max_waiting"] = DefaultBounds.MaxWaiting,
                    ["max_started"] = DefaultBounds.StartsPerWindow,
                    ["style"] = null,
                    ["instructions"] = null,
                    ["type"] = "started",
                    ["job_kind"] = "image",
                    ["job_id"] = job,
                    ["data"] = EventData,
                    ["created_at"] = SqliteDatabase.Format(now),
                };
                foreach (var command in commands)
                {
                    command.Parameters.Clear();
                    foreach (var name in Parameter().Matches(command.CommandText).Select(m => m.Groups[1].Value).Distinct())
                    {
                        command.Parameters.AddWithValue("@" + name, values[name] ?? DBNull.Value);
                    }
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                    }
                }
                count++;
            }
            return new Rate(count, clock.Elapsed);
        }
    }

    // An event's data is the job's JSON, about this long.
    private const string EventData = """{"id":"0193a0f0-0000-7000-8000-000000000000","kind":"image","story_id":"0193a0f0-0000-7000-8000-000000000000","status":"processing","progress":0,"error":null,"started_at":"2026-12-02T08:00:00.000000+00:00","completed_at":null,"created_at":"2026-12-02T08:00:00.000000+00:00","heartbeat_at":"2026-12-02T08:00:00.000000+00:00","attempts":0,"style":null,"instructions":null,"queue_position":null}""";

    [GeneratedRegex(@"@([a-z_]+)")]
    private static partial Regex Parameter();

    /// <summary>
    /// The database's own cost of a start: pgbench running the statements a start sends (the very SQL of JobSql,
    /// FairShareSql, the image kind and the change log, as the request and worker roles), one statement per round trip,
    /// on distinct stories of distinct users, with no .NET in the way. <paramref name="protocol"/>: simple or prepared.
    /// </summary>
    public static async Task<(double Tps, string Command)> PgbenchGuardAsync(NpgsqlDataSource dataSource, string workDirectory, Owned[] stories, string protocol, int seconds, CancellationToken ct)
    {
        await using (var setup = dataSource.CreateCommand("""
            drop table if exists bench_start_stories; drop sequence if exists bench_start_seq;
            create table bench_start_stories as select row_number() over () as n, id, owner from unnest(@ids, @owners) as s(id, owner);
            create unique index on bench_start_stories (n);
            create sequence bench_start_seq;
            """))
        {
            setup.Parameters.AddWithValue("ids", stories.Select(o => o.Story).ToArray());
            setup.Parameters.AddWithValue("owners", stories.Select(o => o.User).ToArray());
            await setup.ExecuteNonQueryAsync(ct);
        }
        var q = new JobSql(new ImageJobKind(), "for no key update", "for share");
        var fair = new FairShareSql([new ImageJobKind(), new NarrationJobKind(), new VideoJobKind()]);
        // pgbench writes a variable's text in place in the simple protocol (so it is quoted here) and binds it as a
        // parameter in the prepared one (where a quoted one would be a literal).
        string Var(string name) => protocol == "simple" ? $"':{name}'" : $":{name}";
        var values = new Dictionary<string, string>
        {
            ["story_id"] = Var("story_id"),
            ["user_id"] = Var("owner"),
            ["id"] = "gen_random_uuid()",
            ["now"] = "now()",
            ["stale_before"] = "now() - interval '5 minutes'",
            ["error"] = "'stale'",
            ["style"] = "null",
            ["instructions"] = "null",
            ["window_start"] = "now() - interval '1 minute'",
            ["max_waiting"] = $"{DefaultBounds.MaxWaiting}",
            ["max_started"] = $"{DefaultBounds.StartsPerWindow}",
            ["space"] = "1",
            ["key"] = $"hashtext({Var("story_id")})",
            ["claims"] = $"'{{\"sub\": \"' || {Var("owner")} || '\", \"role\": \"authenticated\"}}'",
            ["role"] = "'storymedia_api'",
            ["type"] = "'started'",
            ["job_kind"] = "'image'",
            ["job_id"] = "gen_random_uuid()",
            // The same length as a job's JSON, without the colons pgbench would read as variables.
            ["data"] = $"'{EventData.Replace(':', '=')}'",
            ["created_at"] = "now()",
        };
        string Line(string sql) => Parameter().Replace(sql, m => values[m.Groups[1].Value]).ReplaceLineEndings(" ") + ";";
        var lockUser = "select true as locked from (select pg_advisory_xact_lock(@space, @key)) as held";
        var script = string.Join("\n", new[]
        {
            "select id as story_id, owner from bench_start_stories where n = (select nextval('bench_start_seq')) \\gset",
            "begin;", Line(PostgresDatabase.SwitchRole), Line(q.RunningLive), "commit;",
            "begin;", Line(PostgresDatabase.SwitchRole), Line(q.LockStory), Line(lockUser), Line(q.ClearStale), Line(q.Running), Line(fair.UserBounds), Line(ImageJobSql.ScenesWithSeeds),
            Line(q.Insert), Line(lockUser), Line(StoryEventLog.Append), Line(fair.QueueOfUser), "commit;",
        });
        return await PgbenchAsync(dataSource.ConnectionString, workDirectory, $"start-{protocol}.sql", script, protocol, seconds, ct);
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

    private const string JobColumns =
        "id, story_id, user_id, status, progress, error, started_at, completed_at, created_at, heartbeat_at, attempts, worker_id, lease_expires_at, style, instructions";

    private static async Task<(double Tps, string Command)> PgbenchAsync(string connectionString, string workDirectory, string name, string script, string protocol, int seconds, CancellationToken ct)
    {
        var file = Path.Combine(workDirectory, name);
        await File.WriteAllTextAsync(file, script + "\n", ct);
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        string[] arguments = ["-n", "-M", protocol, "-f", file, "-c", "8", "-j", "2", "-T", $"{seconds}",
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
        return (double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), $"pgbench -n -M {protocol} -f {name} -c 8 -j 2 -T {seconds}");
    }

    private static async Task<Rate> LoopAsync<T>(T[] stories, int workers, TimeSpan duration, Func<T, Task> start)
    {
        var next = -1;
        // The first starts open the pools' connections and compile the path, and the JIT's optimised code for a path comes
        // only after many calls (later still on a loaded machine): the same loops run half the duration untimed first.
        await RunAsync(duration / 2);
        return await RunAsync(duration);

        async Task<Rate> RunAsync(TimeSpan length)
        {
            long done = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
            {
                await Task.Yield();
                while (clock.Elapsed < length)
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
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
