using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Videos;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 6, fair share (docs/fairness.md): with one worker, user B's small job while user A's backlog holds the
/// worker, beside B's job on an idle service and A's single job; and the fair claim's cost beside a plain FIFO claim
/// over the same queue.
/// </summary>
public static class Fairness
{
    private const int Backlog = 4;
    private const int SmallScenes = 2;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(Report report, ScenarioHost host, CancellationToken ct)
    {
        await WaitAsync(report, host, ct);
        await ClaimAsync(report, host, ct);
    }

    /// <param name="A">User A's jobs of the round, and <paramref name="B"/> user B's.</param>
    private sealed record Round(double Idle, double Single, double Waited, int AheadOfB, IReadOnlyList<JobView> A, JobView B);

    private static async Task WaitAsync(Report report, ScenarioHost host, CancellationToken ct)
    {
        var sizes = host.Sizes;
        var defaults = new JobOptions();
        var server = await host.OneWorkerAsync(ct);
        using var a = new BenchClient(server.Address, Guid.NewGuid(), 4);
        using var b = new BenchClient(server.Address, Guid.NewGuid(), 4);
        var backlog = new List<Guid>();
        for (var i = 0; i < Backlog; i++)
        {
            backlog.Add((await a.CreateStoryAsync(sizes.FairScenes, ct)).Id);
        }
        var small = (await b.CreateStoryAsync(SmallScenes, ct)).Id;
        host.Say($"fairness: {sizes.FairRounds} rounds of {Backlog} jobs of {sizes.FairScenes} scenes by A, then {SmallScenes} scenes by B, one worker");
        await TimeAsync(a, (await a.CreateStoryAsync(SmallScenes, ct)).Id, ct);
        var rounds = new List<Round>();
        for (var round = 0; round < sizes.FairRounds; round++)
        {
            var idle = await TimeAsync(b, small, ct);
            var single = await TimeAsync(a, backlog[0], ct);
            var started = new List<JobView>();
            foreach (var story in backlog)
            {
                started.Add(await a.StartAsync(ImageJobKind.Paths, story, ct));
            }
            // B starts once A's first job runs, as a second user arrives while the worker is busy.
            while ((await a.GetJobAsync(ImageJobKind.Paths, started[0].Id, ct)).QueuePosition is not null)
            {
                await Task.Delay(10, ct);
            }
            var sent = DateTimeOffset.UtcNow;
            var mine = await b.StartAsync(ImageJobKind.Paths, small, ct);
            var done = await b.CompletedAsync(ImageJobKind.Paths, mine.Id, Poll, Timeout, ct);
            var finished = new List<JobView>();
            foreach (var job in started)
            {
                finished.Add(await a.CompletedAsync(ImageJobKind.Paths, job.Id, Poll, Timeout, ct));
            }
            rounds.Add(new Round(idle, single, (done.CompletedAt!.Value - sent).TotalSeconds, finished.Count(j => j.CompletedAt < done.CompletedAt), started, mine));
        }
        await ChartAsync(report, host, rounds[^1], rounds.Count, ct);

        var waited = Spread.Of(rounds.Select(r => r.Waited));
        var idleMedian = Latencies.Median(rounds.Select(r => r.Idle));
        var singleMedian = Latencies.Median(rounds.Select(r => r.Single));
        var limit = idleMedian + singleMedian;
        var ahead = rounds.Select(r => r.AheadOfB).ToList();
        var met = waited.Median <= limit;
        report.Figures.Add(new("PostgreSQL", "6 fairness (1 worker)", $"user B's {SmallScenes}-scene job, start → completed, started while user A's {Backlog} jobs of {sizes.FairScenes} scenes hold the worker (s)",
            waited.Describe("0.00"), $"B's job on the idle service {Report.Number(idleMedian, "0.00")} s + A's single job {Report.Number(singleMedian, "0.00")} s = {Report.Number(limit, "0.00")} s (medians)",
            Report.Ratio(waited.Median / limit), "≤ 1×", met));
        report.Reading.Add(
            $"**Fairness.** With one worker, user A started {Backlog} image jobs of {sizes.FairScenes} scenes and, once the first ran, user B started one of {SmallScenes} scenes. " +
            $"B's job completed a median {Report.Number(waited.Median, "0.00")} s after its start, against {Report.Number(limit, "0.00")} s for one of A's jobs plus B's own on an idle service " +
            $"(target ≤ 1×: {(met ? "met" : "missed")}). B's job finished after {(ahead.Distinct().Count() == 1 ? $"{ahead[0]} of A's {Backlog} jobs in every round" : $"{string.Join(", ", ahead)} of A's {Backlog} jobs in the {rounds.Count} rounds")}; " +
            "fair claims promise 1, the one already running when B started. " +
            "When A's running job ends, both users have none running, and the claim's tie-break goes to the user whose last job was claimed longest ago: B. " +
            $"Under first-in-first-out claims B would have waited for all {Backlog} of A's jobs, about {Report.Number((Backlog * singleMedian) + idleMedian, "0.0")} s. " +
            $"The server ran with the shipped per-user bounds (Jobs:MaxRunningPerUser {defaults.MaxRunningPerUser}, Jobs:MaxWaitingPerUser {defaults.MaxWaitingPerUser}) and the rate limits raised as for every bench server.");
    }

    /// <summary>The last round's jobs from the change log: when each was started, claimed and completed.</summary>
    private static async Task ChartAsync(Report report, ScenarioHost host, Round last, int rounds, CancellationToken ct)
    {
        await using var data = NpgsqlDataSource.Create(host.OneWorkerDatabase);
        var history = await JobHistory.ReadAsync(data, [.. last.A.Select(j => j.Id), last.B.Id], ct);
        report.Charts.Add(new("6 fairness", "bench-fairness.png", "Fairness timeline: which user's job ran when",
            $"Fairness (the last of {rounds} rounds; the server has one worker, so every bar ran on it): look where B's job, started at 0 s, runs: fair claims run it right after the A job that was running, while A's backlog waits (thin bars); first-in-first-out claims would run it last.",
            path => Charts.FairnessTimeline(path, [.. last.A.Select(j => history[j.Id])], history[last.B.Id])));
    }

    /// <summary>Seconds from sending the start to the job's completion on the server's clock.</summary>
    private static async Task<double> TimeAsync(BenchClient client, Guid storyId, CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var job = await client.StartAsync(ImageJobKind.Paths, storyId, ct);
        var done = await client.CompletedAsync(ImageJobKind.Paths, job.Id, Poll, Timeout, ct);
        return (done.CompletedAt!.Value - sent).TotalSeconds;
    }

    /// <summary>A FIFO claim as the seed's design would make it: the oldest waiting job, whoever started it, in one statement.</summary>
    private const string FifoClaim = """
        update image_generation_jobs
           set worker_id = @worker_id, lease_expires_at = @lease_until, attempts = attempts + 1, heartbeat_at = @now
         where id = (select id from image_generation_jobs
                      where status = 'processing' and (lease_expires_at is null or lease_expires_at < @now) and attempts < @max_attempts
                      order by created_at
                      limit 1
                      for update skip locked)
        returning *
        """;

    /// <summary>Every user's jobs wait again, as before the first claim.</summary>
    private const string Reset = """
        update image_generation_jobs set worker_id = null, lease_expires_at = null, attempts = 0 where status = 'processing';
        delete from job_turns;
        """;

    private static async Task ClaimAsync(Report report, ScenarioHost host, CancellationToken ct)
    {
        var sizes = host.Sizes;
        var connectionString = BenchRun.ServerConnectionString(await host.Cluster.CreateDatabaseAsync("bench_claim", ct));
        await using var data = NpgsqlDataSource.Create(connectionString);
        var database = new PostgresDatabase(data, new PostgresRoles());
        await new Migrator(database, [new(typeof(Migrator).Assembly)], TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync(ct);
        var waiting = sizes.ClaimUsers * sizes.ClaimJobsPerUser;
        host.Say($"fairness: claims over {waiting} waiting jobs of {sizes.ClaimUsers} users");
        // Each job its own story (one processing job per story); the users' jobs interleave in time.
        await using (var fill = data.CreateCommand("""
            with users as (select gen_random_uuid() as user_id from generate_series(1, @users)),
            made as (
              insert into stories (user_id, title, style)
              select user_id, 'bench', '' from users cross join generate_series(1, @per_user)
              returning id, user_id)
            insert into image_generation_jobs (story_id, user_id, created_at, started_at, heartbeat_at)
            select id, user_id, t, t, now() from (select id, user_id, now() - random() * interval '1 hour' as t from made) as m
            """))
        {
            fill.Parameters.AddWithValue("users", sizes.ClaimUsers);
            fill.Parameters.AddWithValue("per_user", sizes.ClaimJobsPerUser);
            await fill.ExecuteNonQueryAsync(ct);
        }
        await using (var analyze = data.CreateCommand("analyze"))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        var defaults = new JobOptions();
        var store = new JobStore(database, new JobKinds([new ImageJobKind(), new VideoJobKind(), new NarrationJobKind()]), new StoryEventLog(database));
        async Task<bool> Fair() =>
            (await store.ClaimAsync("bench-fair", DateTimeOffset.UtcNow, defaults.LeaseDuration, defaults.MaxAttempts, defaults.MaxRunningPerUser, ct)).Claimed is not null;
        async Task<bool> Fifo()
        {
            var now = DateTimeOffset.UtcNow;
            await using var scope = await database.BeginWriteAsync(ct);
            await using var claim = database.Command(scope, FifoClaim,
                ("worker_id", "bench-fifo"), ("now", now), ("lease_until", now + defaults.LeaseDuration), ("max_attempts", defaults.MaxAttempts));
            bool claimed;
            await using (var reader = await claim.ExecuteReaderAsync(ct))
            {
                claimed = await reader.ReadAsync(ct);
            }
            await scope.CommitAsync(ct);
            return claimed;
        }

        await BatchAsync(data, Fair, 2, ct);
        await BatchAsync(data, Fifo, 2, ct);
        var fair = new List<double>();
        var fifo = new List<double>();
        for (var round = 0; round < sizes.ClaimRounds; round++)
        {
            // Alternate which goes first, so that neither always follows the other's leftovers.
            if (round % 2 == 0)
            {
                fair.Add(await BatchAsync(data, Fair, sizes.Claims, ct));
            }
            fifo.Add(await BatchAsync(data, Fifo, sizes.Claims, ct));
            if (round % 2 == 1)
            {
                fair.Add(await BatchAsync(data, Fair, sizes.Claims, ct));
            }
        }
        var fairMs = Spread.Of(fair);
        var fifoMs = Latencies.Median(fifo);
        report.Figures.Add(new("PostgreSQL", "6 fairness (claims)", $"JobStore.ClaimAsync (the fair claim over every kind) on a queue of {waiting:N0} waiting jobs of {sizes.ClaimUsers} users, in-process, one claimer (ms per claim; {sizes.Claims} claims a batch)",
            fairMs.Describe("0.00", "batches"),
            $"a plain FIFO claim (`update … where id = (select id … order by created_at limit 1 for update skip locked) returning *`) on the same table and queue: {Report.Number(fifoMs, "0.00")} ms per claim (median)",
            Report.Ratio(fairMs.Median / fifoMs), "", null));
        report.Reading.Add(
            $"**The fair claim's cost.** Claiming from a queue of {waiting:N0} waiting jobs of {sizes.ClaimUsers} users took {Report.Number(fairMs.Median, "0.00")} ms per claim with JobStore.ClaimAsync " +
            $"against {Report.Number(fifoMs, "0.00")} ms for the plain FIFO claim on the same table, {Report.Ratio(fairMs.Median / fifoMs)}. " +
            "The fair claim does more for its order: a transaction that fails jobs out of attempts, then one that ranks the users by their running jobs and last turn over every kind's processing jobs, " +
            "locks the chosen user, counts the user's running jobs again, claims the user's oldest waiting job, records the turn and appends the story's event. " +
            "Both run through the service's Database (the worker role's switch included), one claim after another; every batch starts from the same queue. " +
            "A claim happens once per job, and a job takes seconds to minutes, so the figure matters only as the claims' share of the database's time with many workers; no target is set.");
    }

    /// <summary>Milliseconds per claim over <paramref name="claims"/> claims in a row, from a queue in which every job waits.</summary>
    private static async Task<double> BatchAsync(NpgsqlDataSource data, Func<Task<bool>> claim, int claims, CancellationToken ct)
    {
        await using (var reset = data.CreateCommand(Reset))
        {
            await reset.ExecuteNonQueryAsync(ct);
        }
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < claims; i++)
        {
            if (!await claim())
            {
                throw new BenchFailedException("A claim found no waiting job in a queue that had them.");
            }
        }
        return clock.Elapsed.TotalMilliseconds / claims;
    }
}
