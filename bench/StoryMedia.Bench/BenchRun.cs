using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Testing;
using StoryMedia.Videos;

namespace StoryMedia.Bench;

/// <summary>Starts the cluster and the server processes, runs every scenario on both backends and fills the report.</summary>
public sealed class BenchRun(string repositoryRoot, BenchSizes sizes, TextWriter log)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Guid user = Guid.NewGuid();

    /// <summary>Every pipeline's runs, drawn together on one chart.</summary>
    private readonly List<(string Label, Pipeline.Result Result)> pipelines = [];

    public async Task<Report> RunAsync(string command, CancellationToken ct)
    {
        var serverDll = ServerDll();
        var work = Directory.CreateTempSubdirectory("storymedia-bench-").FullName;
        var report = new Report(command, sizes);
        try
        {
            Say("starting a throwaway PostgreSQL cluster");
            await using var cluster = await PostgresCluster.StartAsync(ct);
            var api = ServerConnectionString(await cluster.CreateDatabaseAsync("bench_api", ct));
            var pipeline = ServerConnectionString(await cluster.CreateDatabaseAsync("bench_pipeline", ct));
            var recovery = ServerConnectionString(await cluster.CreateDatabaseAsync("bench_recovery", ct));
            var stale = ServerConnectionString(await cluster.CreateDatabaseAsync("bench_stale", ct));
            var sqliteApi = $"Data Source={Path.Combine(work, "api.db")}";
            var sqlitePipeline = $"Data Source={Path.Combine(work, "pipeline.db")}";

            var lease = new Dictionary<string, string>
            {
                ["Jobs__LeaseDuration"] = Span(sizes.LeaseDuration),
                ["Jobs__HeartbeatInterval"] = Span(sizes.HeartbeatInterval),
                ["Jobs__StaleAfter"] = Span(sizes.StaleAfter * 10),
                ["Images__Builtin__DelayPerImage"] = Span(sizes.RecoveryDelayPerImage),
            };
            var silent = new Dictionary<string, string>
            {
                ["Jobs__HeartbeatInterval"] = Span(sizes.HeartbeatInterval),
                ["Jobs__StaleAfter"] = Span(sizes.StaleAfter),
            };
            Say($"starting 8 server processes ({serverDll})");
            await using var servers = await ChildServers.StartAsync(serverDll, work,
            [
                ("pg-api-1", Settings("postgres", api, workers: 0)),
                ("pg-api-2", Settings("postgres", api, workers: 0)),
                ("pg-pipeline", Settings("postgres", pipeline, workers: 1)),
                ("pg-recovery-1", Settings("postgres", recovery, workers: 1, lease)),
                ("pg-recovery-2", Settings("postgres", recovery, workers: 1, lease)),
                ("pg-stale", Settings("postgres", stale, workers: 0, silent)),
                ("sqlite-api", Settings("sqlite", sqliteApi, workers: 0)),
                ("sqlite-pipeline", Settings("sqlite", sqlitePipeline, workers: 1)),
            ], ct);
            Say("servers are up");

            var perInstance = sizes.ContentionRequests;
            using var apiClients = new Clients([.. new[] { servers["pg-api-1"], servers["pg-api-2"] }.Select(s => new BenchClient(s.Address, user, perInstance))]);
            using var pipelineClient = new BenchClient(servers["pg-pipeline"].Address, user, 4);
            using var recoveryClient = new BenchClient(servers["pg-recovery-1"].Address, user, 4);
            using var staleClient = new BenchClient(servers["pg-stale"].Address, user, 4);
            using var sqliteClients = new Clients([new BenchClient(servers["sqlite-api"].Address, user, perInstance)]);
            using var sqlitePipelineClient = new BenchClient(servers["sqlite-pipeline"].Address, user, 4);

            await using var apiData = NpgsqlDataSource.Create(api);
            var postgres = new PostgresDatabase(apiData);
            await ContentionAsync(report, "PostgreSQL", apiClients.All, "2 instances", ct);
            Say("naive check-then-insert on PostgreSQL");
            var naiveData = new NpgsqlConnectionStringBuilder(api) { MaxPoolSize = 150 }.ConnectionString;
            await using (var naive = NpgsqlDataSource.Create(naiveData))
            {
                var rows = await NaiveGuard.RunPostgresAsync(naive, sizes.ContentionRequests, sizes.ContentionRounds, ct);
                NaiveFigure(report, "PostgreSQL", rows, "150 pooled connections, as many as the two instances' pools allow");
            }

            await PostgresThroughputAsync(report, postgres, apiClients.All, work, ct);
            // The throughput runs leave bench_api dead rows for autovacuum and the cluster pages to write back, beside the
            // pipeline's own database: not the pipeline's to pay.
            await Throughput.SettleAsync(apiData, ct);
            await PipelineAsync(report, "PostgreSQL", pipelineClient, ct);
            await using var host = new ScenarioHost(cluster, serverDll, work, sizes, Say);
            pipelines.Add(("PostgreSQL, S3 store", await S3Pipeline.RunAsync(report, host, user, ct)));
            await VideoRender.RunAsync(report, host, ct);
            await Fairness.RunAsync(report, host, ct);
            await WebhookDeliveries.RunAsync(report, host, ct);

            Say("recovery: kill -9 of the instance running a job");
            double resumedSeconds;
            await using (var recoveryData = NpgsqlDataSource.Create(recovery))
            {
                var takeover = await Recovery.KillAsync([servers["pg-recovery-1"], servers["pg-recovery-2"]], recoveryClient, recoveryData, sizes.RecoveryScenes, ct);
                resumedSeconds = takeover.Seconds;
                report.Charts.Add(new("4 recovery", "bench-recovery.png", "Recovery timeline: kill -9, lease, takeover",
                    "Recovery: the job's instance is killed at 0 s; the other instance claims the job once the lease (shaded, from the killed worker's last heartbeat) runs out, and finishes it; the gap between the shading's end and the green bar is the takeover's own delay.",
                    path => Charts.RecoveryTimeline(path, takeover, sizes.LeaseDuration)));
                var limit = (sizes.LeaseDuration + TimeSpan.FromSeconds(1)).TotalSeconds;
                report.Figures.Add(new("PostgreSQL", "4 recovery", "kill -9 of the worker's instance → another instance claims the job (s)",
                    Report.Number(resumedSeconds, "0.00"), $"LeaseDuration + 1 s = {Report.Number(limit, "0.0")}", Report.Ratio(resumedSeconds / limit),
                    "≤ 1×", resumedSeconds <= limit));
            }
            Say("recovery: silent job");
            var cleared = await Recovery.StaleAsync(staleClient, ct);
            var staleLimit = (sizes.StaleAfter + sizes.HeartbeatInterval).TotalSeconds;
            report.Figures.Add(new("PostgreSQL", "4 recovery", "silent job's last heartbeat → a start clears it and wins (s)",
                Report.Number(cleared, "0.00"), $"StaleAfter + HeartbeatInterval = {Report.Number(staleLimit, "0.0")}", Report.Ratio(cleared / staleLimit),
                "≤ 1×", cleared <= staleLimit));
            report.Reading.Add(
                $"**Recovery.** After kill -9 of the instance running a job, the other instance claimed it {Report.Number(resumedSeconds, "0.00")} s later (LeaseDuration {Report.Number(sizes.LeaseDuration.TotalSeconds, "0.0")} s) and finished it. " +
                "The lease ends at most LeaseDuration after the dead worker's last heartbeat (which came at most HeartbeatInterval before the kill), " +
                "and an idle runner wakes when the soonest lease runs out (not only every PollInterval), so the takeover follows the lease's end by the time a claim takes. " +
                $"A silent job (no worker anywhere) was cleared by the first start {Report.Number(cleared, "0.00")} s after its last heartbeat (StaleAfter {Report.Number(sizes.StaleAfter.TotalSeconds, "0.0")} s): " +
                "a start clears a stale job itself, so beyond StaleAfter there is only the client's retry interval (20 ms here) and the request.");

            using var sqlite = new SqliteDatabase(sqliteApi);
            await ContentionAsync(report, "SQLite", sqliteClients.All, "1 instance", ct);
            Say("naive check-then-insert on SQLite");
            var sqliteRows = await NaiveGuard.RunSqliteAsync($"Data Source={Path.Combine(work, "naive.db")}", sizes.ContentionRequests, sizes.ContentionRounds, ct);
            NaiveFigure(report, "SQLite", sqliteRows, "one connection per request");
            await SqliteThroughputAsync(report, sqlite, sqliteClients.All, ct);
            await PipelineAsync(report, "SQLite", sqlitePipelineClient, ct);
            report.Charts.Add(new("3 pipeline", "bench-pipeline.png", "Pipeline overhead per scene across interleaved runs",
                "Pipeline: per interleaved pair, the image job's time per scene minus the plain render loop's (with the S3 store, minus the loop's PutObject too), dashed at each median; the spread between pairs is the machine's noise, the medians against the dotted target are the figures.",
                path => Charts.PipelineOverheads(path, pipelines, targetMs: 2)));

            report.Settings = string.Create(CultureInfo.InvariantCulture,
                $"PostgreSQL runs as a throwaway cluster with fsync=off, synchronous_commit=off, full_page_writes=off (test settings; the same for every figure and baseline). " +
                $"SQLite runs in WAL mode with synchronous=normal. Servers are separate `dotnet StoryMedia.Server.dll` processes in the Production environment with the shipped logging; " +
                $"recovery instances use LeaseDuration {sizes.LeaseDuration.TotalSeconds:0.##} s, HeartbeatInterval {sizes.HeartbeatInterval.TotalSeconds:0.##} s, StaleAfter {sizes.StaleAfter.TotalSeconds:0.##} s, PollInterval 1 s (the default).");
            report.Machine = await Machine.DescribeAsync(api, ct);
            Say("done");
            return report;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task ContentionAsync(Report report, string backend, IReadOnlyList<BenchClient> clients, string instances, CancellationToken ct)
    {
        Say($"contention on {backend}: {sizes.ContentionRounds} rounds of {sizes.ContentionRequests} starts over {instances}");
        var result = await Contention.RunAsync(clients, sizes.ContentionRequests, sizes.ContentionRounds, ct);
        if (result.WinnersPerRound.Any(w => w != 1))
        {
            throw new BenchFailedException($"{backend}: winners per round were {string.Join(", ", result.WinnersPerRound)}; the guard must let exactly one start win.");
        }
        var scenario = $"1 contention ({instances})";
        report.Figures.Add(new(backend, scenario, $"winners per round of {result.Requests} simultaneous starts on one story",
            string.Join(", ", result.WinnersPerRound), "", "", "exactly 1", true));
        var p50 = result.Conflicts.Percentile(50);
        var p99 = result.Conflicts.Percentile(99);
        var get50 = result.Reads.Percentile(50);
        var get99 = result.Reads.Percentile(99);
        report.Figures.Add(new(backend, scenario, $"409 latency p50 ({result.Conflicts.Count} answers)", Latencies.Ms(p50),
            $"GET /api/stories/{{id}} p50 {Latencies.Ms(get50)}", Report.Ratio(p50 / get50), "", null));
        report.Figures.Add(new(backend, scenario, "409 latency p99", Latencies.Ms(p99),
            $"GET /api/stories/{{id}} p99 {Latencies.Ms(get99)}", Report.Ratio(p99 / get99), "≤ 2×", p99 <= 2 * get99));
        report.Charts.Add(new($"1 contention, {backend}", $"bench-contention-{backend.ToLowerInvariant()}.png", $"409 and GET latency distributions, {backend}",
            $"Contention ({backend}, {instances}): the share of requests answered within each latency; where the 409 curve runs right of the GET curve near the top is the tail of starts that waited at their user's gate or for the user's lock.",
            path => Charts.ContentionLatencies(path, backend, instances, result)));
        var why = backend == "SQLite"
            ? "SQLite has one writer, and a start reads no live job before its transaction (each commit empties every reader connection's page cache): the burst's first start goes on to the write transaction and wins; the others wait at their user's gate in the instance, one at a time, and each reads the live job beside the writer (WAL) once the start ahead has left and answers 409 from the winner's committed job; those make the tail. A duplicate that finds the gate empty is answered 409 by its own transaction, after its turn at the writer: this burst does not time that case."
            : "A start first reads the user's live job on the story and answers 409 from that read; the starts that read before the winner committed wait at their user's gate in their instance (one start of a user at a time goes on to the write transaction), and each that waited reads again and answers 409 from the winner's committed job; the winner is one of the starts that went on, and each other that went on finds it under the user's lock. They make the tail. A GET is two plain reads that wait for nothing.";
        report.Reading.Add(
            $"**Contention ({backend}, {instances}).** Every round of {result.Requests} simultaneous starts had exactly one winner. " +
            $"The 409 answers took {Report.Ratio(p50 / get50)} (p50) and {Report.Ratio(p99 / get99)} (p99) the time of a plain authenticated GET in the same burst " +
            $"(target p99 ≤ 2×: {(p99 <= 2 * get99 ? "met" : "missed")}). {why} " +
            "Both kinds of request queue for the pooled connections and the 2 cores, so most of the absolute time is queueing; the ratio moves with the machine's load from run to run.");
    }

    private static void NaiveFigure(Report report, string backend, IReadOnlyList<int> rows, string how)
    {
        report.Figures.Add(new(backend, "1 contention, seed's design", $"processing jobs per round after the same burst of check-then-insert, no unique index ({how})",
            string.Join(", ", rows), "", "", "exactly 1", rows.All(r => r == 1)));
        report.Reading.Add(
            $"**The seed's design ({backend}).** Counting the story's processing jobs and inserting when there are none, with no unique index, left " +
            $"{string.Join(", ", rows)} processing jobs per round ({rows.Sum(r => Math.Max(0, r - 1))} duplicates in {rows.Count} rounds) under the same burst: " +
            "every request that reads before the first insert commits goes on to insert. The guard's partial unique index makes that impossible rather than unlikely.");
    }

    private async Task PostgresThroughputAsync(Report report, PostgresDatabase database, IReadOnlyList<BenchClient> clients, string work, CancellationToken ct)
    {
        const string backend = "PostgreSQL";
        const string scenario = "2 start throughput";
        var duration = TimeSpan.FromSeconds(sizes.ThroughputSeconds);
        await using var defaults = NpgsqlDataSource.Create(PreparedStatements.Apply(database.DataSource.ConnectionString, null));
        await using var unprepared = NpgsqlDataSource.Create(PreparedStatements.Apply(database.DataSource.ConnectionString, PreparedStatements.Off));
        var (pgbenchPrepared, pgbenchSimple) = ("", "");
        var (preparedRuns, simpleRuns, storeRuns, unpreparedRuns, httpRuns, getRuns) =
            (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        Task SettleAsync() => Throughput.SettleAsync(database.DataSource, ct);
        async Task PgbenchAsync(string protocol, List<double> runs)
        {
            var stories = await Throughput.CreateStoriesAsync(database, sizes.PgbenchGuardStories, ct);
            await SettleAsync();
            var (tps, command) = await Throughput.PgbenchGuardAsync(database.DataSource, work, stories, protocol, sizes.ThroughputSeconds, ct);
            runs.Add(tps);
            (pgbenchPrepared, pgbenchSimple) = protocol == "prepared" ? (command, pgbenchSimple) : (pgbenchPrepared, command);
        }
        async Task StoreRunAsync(NpgsqlDataSource source, List<double> runs) =>
            runs.Add((await StoreAsync(new PostgresDatabase(source), duration, ct, SettleAsync)).PerSecond);
        for (var round = 0; round < sizes.ThroughputRounds; round++)
        {
            Say($"throughput on PostgreSQL, round {round + 1} of {sizes.ThroughputRounds}: pgbench running a start's statements, the store, HTTP starts and GETs");
            foreach (var (protocol, pgbenchRuns, source, runs) in new[] { ("prepared", preparedRuns, defaults, storeRuns), ("simple", simpleRuns, unprepared, unpreparedRuns) })
            {
                await InTurnAsync(round, () => PgbenchAsync(protocol, pgbenchRuns), () => StoreRunAsync(source, runs));
            }
            await InTurnAsync(round,
                async () => httpRuns.Add((await HttpStartsAsync(database, clients, duration, ct, SettleAsync)).PerSecond),
                async () => getRuns.Add((await HttpGetsAsync(database, clients, duration, ct, SettleAsync)).PerSecond));
        }
        var (preparedTps, simpleTps, get) = (Median(preparedRuns), Median(simpleRuns), Median(getRuns));
        var (store, storeUnprepared, http) = (Median(storeRuns), Median(unpreparedRuns), Median(httpRuns));

        var rounds = $"median of {sizes.ThroughputRounds} interleaved runs of {sizes.ThroughputSeconds} s";
        var prepared = $"pgbench running the same statements one per round trip, prepared: {Report.Number(preparedTps)} tps ({Runs(preparedRuns)})";
        var simple = $"pgbench running the same statements one per round trip, simple protocol: {Report.Number(simpleTps)} tps ({Runs(simpleRuns)})";
        var loops = $"{sizes.StoreWorkers} concurrent loops";
        report.Figures.Add(new(backend, scenario, $"JobStore.StartAsync on distinct stories of distinct users, in-process, {loops}, default settings (starts/s, {rounds})",
            $"{Report.Number(store)} ({Runs(storeRuns)})", prepared, Report.Ratio(store / preparedTps), "≥ 1.0×", store >= preparedTps));
        report.Figures.Add(new(backend, scenario, "the same with `Database:PrepareStatements=off` (as behind a transaction-mode pooler)",
            $"{Report.Number(storeUnprepared)} ({Runs(unpreparedRuns)})", simple, Report.Ratio(storeUnprepared / simpleTps), "", null));
        var getBaseline = $"GET /api/stories/{{id}} of the same users' stories, same loops and instances: {Report.Number(get)} requests/s ({Runs(getRuns)})";
        report.Figures.Add(new(backend, scenario, $"POST /api/generate_images on distinct stories of distinct users, {sizes.HttpWorkers} concurrent loops over {clients.Count} instances (starts/s, {rounds})",
            $"{Report.Number(http)} ({Runs(httpRuns)})", getBaseline, Report.Ratio(http / get), "≥ 0.5×", http >= 0.5 * get));
        var plan = await Throughput.ExplainInsertAsync(database.DataSource, user, (await Throughput.CreateStoriesAsync(database, 1, ct))[0].Story, ct);
        var foreignKey = Throughput.ForeignKeyShare(plan);
        report.Reading.Add(
            $"**Start throughput (PostgreSQL).** Over {sizes.ThroughputRounds} rounds in which each side went first in turn (the database vacuumed, analysed and checkpointed before every timed run, so that none pays for the one before it), with the default settings the store's median reached {Report.Ratio(store / preparedTps)} of pgbench's running the same statements with prepared statements, one statement per round trip " +
            $"(target ≥ 1.0×: {(store >= preparedTps ? "met" : "missed")}; single pgbench runs ranged from {Report.Number(preparedRuns.Min())} to {Report.Number(preparedRuns.Max())} tps). Every start comes from a user of its own on a story of its own, with the default per-user bounds, as on a service with many users. " +
            "A start is the live-job read (the role switch and the read in one round trip), then one transaction: the role switch, the story's lock, the user's lock, the stale clear, the story's processing job, the user's bounds, the image kind's read of the scenes and the insert in one batch, " +
            "then its plan rows (none: these bench stories have no scenes), the change log's lock and event, the user's place in the queue (for the answer's queue position) and the commit in one batch: three round trips where pgbench sends one statement per round trip. " +
            "Prepared statements (`Database:PrepareStatements`, `auto` = on except behind Supabase's transaction-mode pooler on port 6543) let PostgreSQL parse and plan each statement once per connection; " +
            $"with them off the store reached {Report.Ratio(storeUnprepared / simpleTps)} of pgbench's simple protocol ({Report.Number(storeUnprepared)} against {Report.Number(store)} starts/s with them on). " +
            $"The insert itself lands in a table with six indexes and a foreign key to the story, whose check took {Report.Share(foreignKey)} of the insert's execution time in the EXPLAIN ANALYZE below. " +
            $"Through HTTP, two instances that share the 2 cores with the database and the load generator reached {Report.Number(http)} starts/s, {Report.Ratio(http / get)} of the same instances answering an authenticated GET of a story at the same concurrency " +
            $"(target ≥ 0.5×: {(http >= 0.5 * get ? "met" : "missed")}); a start is a write: the three round trips above, its trace context in the last batch, and no read after the commit (the queue position's other users come from a snapshot each instance reads at most once per `Jobs:QueuePositionMaxAge`), where a GET makes two reads that lock nothing; every job this scenario starts waits (these instances run no workers; the jobs earlier scenarios left waiting are ended first).");
        report.Evidence.Add(("pgbench commands (8 clients, 2 threads)", $"{pgbenchPrepared}{Environment.NewLine}{pgbenchSimple}   # start-*.sql: the story and its owner; begin; role switch; the live-job read; commit; begin; role switch; the story's lock; the user's lock; the stale clear; the story's processing job; the user's bounds; the scenes' read; the insert; the change log's lock; the event; the user's place in the queue; commit (the service's own SQL)"));
        report.Evidence.Add(("EXPLAIN (ANALYZE, BUFFERS) of the guard's insert on a fresh story (rolled back)", plan));
    }

    private async Task SqliteThroughputAsync(Report report, SqliteDatabase database, IReadOnlyList<BenchClient> clients, CancellationToken ct)
    {
        const string backend = "SQLite";
        const string scenario = "2 start throughput";
        var duration = TimeSpan.FromSeconds(sizes.ThroughputSeconds);
        var (loopRuns, storeRuns) = (new List<double>(), new List<double>());
        Task SettleAsync() => Throughput.SettleAsync(database, ct);
        async Task LoopRunAsync()
        {
            var stories = await Throughput.CreateStoriesAsync(database, StoriesFor(database), ct);
            await SettleAsync();
            loopRuns.Add((await Throughput.SqliteGuardLoopAsync(database.ConnectionString, stories, duration, ct)).PerSecond);
        }
        for (var round = 0; round < sizes.ThroughputRounds; round++)
        {
            Say($"throughput on SQLite, round {round + 1} of {sizes.ThroughputRounds}: a start's statements in a plain loop and the store");
            await InTurnAsync(round, LoopRunAsync, async () => storeRuns.Add((await StoreAsync(database, duration, ct, SettleAsync)).PerSecond));
        }
        var (raw, store) = (Median(loopRuns), Median(storeRuns));
        var (http, get) = (await HttpStartsAsync(database, clients, duration, ct, SettleAsync), await HttpGetsAsync(database, clients, duration, ct, SettleAsync));
        var rounds = $"median of {sizes.ThroughputRounds} interleaved runs of {sizes.ThroughputSeconds} s";
        var baseline = $"a start's statements in a plain loop on one open connection, same file and pragmas: {Report.Number(raw)} starts/s ({Runs(loopRuns)})";
        report.Figures.Add(new(backend, scenario, $"JobStore.StartAsync on distinct stories of distinct users, in-process, {sizes.StoreWorkers} concurrent loops (starts/s, {rounds})",
            $"{Report.Number(store)} ({Runs(storeRuns)})", baseline, Report.Ratio(store / raw), "≥ 0.7×", store >= 0.7 * raw));
        var getBaseline = $"GET /api/stories/{{id}} of the same users' stories, same loops and instance: {Report.Number(get.PerSecond)} requests/s";
        // The issue's 0.5× of GETs is PostgreSQL's target (two instances); here half the GETs is beyond the plain loop above.
        report.Figures.Add(new(backend, scenario, $"POST /api/generate_images on distinct stories of distinct users, {sizes.HttpWorkers} concurrent loops over {clients.Count} instance (starts/s)",
            Report.Number(http.PerSecond), getBaseline, Report.Ratio(http.PerSecond / get.PerSecond), "", null));
        report.Reading.Add(
            $"**Start throughput (SQLite).** Over {sizes.ThroughputRounds} rounds in which each side went first in turn (the WAL checkpointed before every timed run), the store's median reached {Report.Ratio(store / raw)} of the same statements in a plain loop on one open connection (target ≥ 0.7×: {(store >= 0.7 * raw ? "met" : "missed")}). " +
            "The loop runs BEGIN IMMEDIATE, the story read, the stale clear, the story's processing job, the user's bounds, the scenes' read, the insert, the event, the user's place in the queue and COMMIT with commands it keeps (the store sends the same statements, the queue before the event); " +
            "the store keeps its statements prepared too (one per SQL text on each open connection: the writer and the idle readers) and adds the process's write gate, the hand-over of the writer between its loops, " +
            "the user's gate (SQLite's store reads no live job before the transaction: every commit empties each reader connection's page cache, and the transaction reads the story's processing job anyway), " +
            "and the .NET objects of each step (the user's and the change log's locks need no statement: the write transaction holds SQLite's one write lock). " +
            "Both run in the bench process with the server's runtime settings: server GC, and idle thread-pool threads that do not spin (with .NET's default spinning, each hand-over left a thread spinning on the CPU the writer needed; docs/operations.md). " +
            "SQLite writes one transaction at a time whatever the client, " +
            $"so {Report.Number(store)} starts/s means a start holds the single writer for about {Report.Number(1000 / store, "0.0")} ms. " +
            $"Through HTTP one instance reached {Report.Number(http.PerSecond)} starts/s, {Report.Ratio(http.PerSecond / store)} of the store's own starts and {Report.Ratio(http.PerSecond / get.PerSecond)} of its authenticated GETs at the same concurrency. " +
            $"The 0.5× of GETs asked of PostgreSQL's two instances has no meaning here: GETs read beside each other in WAL mode, while every start queues for the one writer, so half the GETs ({Report.Number(get.PerSecond / 2)}/s) is {(get.PerSecond / 2 > raw ? "more than" : "less than")} what the plain loop of a start's statements makes on one connection ({Report.Number(raw)}/s).");
    }

    private async Task<Throughput.Rate> StoreAsync(Database database, TimeSpan duration, CancellationToken ct, Func<Task>? settle = null)
    {
        var stories = await Throughput.CreateStoriesAsync(database, StoriesFor(database), ct);
        await (settle?.Invoke() ?? Task.CompletedTask);
        Say($"throughput on {database.Provider}: JobStore.StartAsync");
        return await Throughput.StoreAsync(new JobStore(database, new JobKinds([new ImageJobKind(), new NarrationJobKind(), new VideoJobKind()]), new StoryEventLog(database)), stories, sizes.StoreWorkers, duration, ct);
    }

    /// <param name="settle">What lets the database settle before the timed run (<see cref="Throughput.SettleAsync"/>), if anything.</param>
    private async Task<Throughput.Rate> HttpStartsAsync(Database database, IReadOnlyList<BenchClient> clients, TimeSpan duration, CancellationToken ct, Func<Task>? settle = null)
    {
        var stories = await Throughput.CreateStoriesAsync(database, StoriesFor(database) / 2, ct);
        await Throughput.EndBacklogAsync(database, ct);
        await (settle?.Invoke() ?? Task.CompletedTask);
        Say($"throughput on {database.Provider}: HTTP starts");
        return await Throughput.HttpAsync(clients, stories, sizes.HttpWorkers, duration, startJobs: true, ct);
    }

    private async Task<Throughput.Rate> HttpGetsAsync(Database database, IReadOnlyList<BenchClient> clients, TimeSpan duration, CancellationToken ct, Func<Task>? settle = null)
    {
        var stories = await Throughput.CreateStoriesAsync(database, StoriesFor(database) / 2, ct);
        await (settle?.Invoke() ?? Task.CompletedTask);
        Say($"throughput on {database.Provider}: HTTP GETs");
        return await Throughput.HttpAsync(clients, stories, sizes.HttpWorkers, duration, startJobs: false, ct);
    }

    /// <summary>
    /// The two sides of a comparison, <paramref name="one"/> first in even rounds and <paramref name="other"/> first in odd
    /// ones, so that neither always follows the other's leftovers (dead rows, a longer WAL, a checkpoint).
    /// </summary>
    private static async Task InTurnAsync(int round, Func<Task> one, Func<Task> other)
    {
        var (first, second) = round % 2 == 0 ? (one, other) : (other, one);
        await first();
        await second();
    }

    private static double Median(IEnumerable<double> runs) => Spread.Of(runs).Median;

    /// <summary>Each run's figure, in the order they ran: "runs: 577, 1,714, 649".</summary>
    private static string Runs(IEnumerable<double> runs) => $"runs: {string.Join(", ", runs.Select(r => Report.Number(r)))}";

    private int StoriesFor(Database database) => database.Provider == DatabaseProvider.Postgres ? sizes.PostgresStories : sizes.SqliteStories;

    private async Task PipelineAsync(Report report, string backend, BenchClient client, CancellationToken ct)
    {
        Say($"pipeline on {backend}: {sizes.PipelineRuns} interleaved runs of {sizes.PipelineScenes} scenes each side");
        var result = await Pipeline.RunAsync(client, sizes.PipelineScenes, sizes.PipelineRuns, write: null, ct);
        pipelines.Add((backend, result));
        var overhead = result.OverheadMs;
        var share = result.OverheadShare;
        var met = overhead.Median <= 2 && share.Median <= 0.10;
        var render = result.RenderMsPerScene.Median;
        report.Figures.Add(new(backend, "3 pipeline", $"{result.Scenes}-scene image job (HTTP start sent → completed, filesystem store, 1 worker) minus the plain loop, per scene (ms; median of {result.Runs.Count} interleaved pairs, spread of the per-pair differences)",
            overhead.Describe("0.0", "pairs"), $"BuiltinRenderer in a plain loop in the bench process: {Report.Number(render, "0.0")} ms per scene (median)",
            $"{Report.Percent(share.Median)} (IQR {Report.Percent(share.LowerQuartile)} to {Report.Percent(share.UpperQuartile)})", "≤ 2 ms per scene and ≤ +10 %", met));
        report.Reading.Add(
            $"**Pipeline ({backend}).** Over {result.Runs.Count} interleaved pairs of runs ({result.Scenes} scenes each; the job and the plain render loop take turns going first), " +
            $"the job added a median {Report.Number(overhead.Median, "0.0")} ms per scene to the loop's {Report.Number(render, "0.0")} ms of rendering, {Report.Percent(share.Median)} " +
            $"(targets ≤ 2 ms and ≤ +10 %: {(met ? "met" : "missed")}). Half the pairs lay between {Report.Number(overhead.LowerQuartile, "0.0")} and {Report.Number(overhead.UpperQuartile, "0.0")} ms per scene, " +
            $"and single pairs between {Report.Number(overhead.Min, "0.0")} and {Report.Number(overhead.Max, "0.0")} ms: on this shared machine one pair proves little, the median of many does. " +
            "Per scene the pipeline adds a PNG file write and one write transaction (the scene's image, its progress and the progress event in the story's change log, one round trip on PostgreSQL); per job, the start request, the claim and the completion " +
            $"(the start request alone: a median {Report.Number(result.StartRequestMs.Median)} ms between sending it and the job's created_at). " +
            $"To keep the full bench within about ten minutes, a run has {result.Scenes} scenes (the earlier figure used 60) rather than fewer runs: the spread needs the runs, and the per-job costs stay small beside {result.Scenes} scenes. " +
            $"Before the pairs, {Pipeline.WarmUpRuns} jobs and loops of the same story warm both processes up: a new .NET process recompiles its hot code in the background during its first jobs (tiered JIT), " +
            "which the first pairs would otherwise count as the pipeline's. The bench polls the job only from 90 % of the last loop's time on, " +
            "so that its own requests take little CPU from the job (the completion instant is the server's either way). " +
            "The loop renders in the bench process and the job in the server process: both .NET Release builds with server GC.");
    }

    internal static Dictionary<string, string> Settings(string provider, string connectionString, int workers, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = provider,
            ["ConnectionStrings__StoryMedia"] = connectionString,
            ["Auth__JwtSecret"] = BenchClient.Secret,
            ["Jobs__WorkerConcurrency"] = workers.ToString(CultureInfo.InvariantCulture),
            ["Images__Provider"] = "builtin",
        };
        // The bench is one user hammering the guard on purpose; per-user rate limits would measure themselves.
        foreach (var (key, value) in TestSettings.AsEnvironment(TestSettings.NoRateLimits).Concat(extra ?? new Dictionary<string, string>()))
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>What a deployment would configure: the database, and Npgsql's default pool (100) rather than the test fixture's.</summary>
    internal static string ServerConnectionString(string fixture)
    {
        var built = new NpgsqlConnectionStringBuilder(fixture);
        return new NpgsqlConnectionStringBuilder
        {
            Host = built.Host,
            Port = built.Port,
            Username = built.Username,
            Database = built.Database,
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;
    }

    private string ServerDll()
    {
        var configuration = typeof(BenchRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(repositoryRoot, "src", "StoryMedia.Server", "bin", configuration, "net10.0", "StoryMedia.Server.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} does not exist; build the solution in {configuration} first.");
    }

    private static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    private void Say(string message) => log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0} s] {message}"));

    /// <summary>Clients that are disposed together.</summary>
    private sealed class Clients(IReadOnlyList<BenchClient> all) : IDisposable
    {
        public IReadOnlyList<BenchClient> All { get; } = all;

        public void Dispose()
        {
            foreach (var client in All)
            {
                client.Dispose();
            }
        }
    }
}
