using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>How big and how rough a soak run is. The test suite runs a smoke-sized one; the benchmark a full one.</summary>
public sealed record SoakOptions
{
    public int InProcessInstances { get; init; } = 1;

    /// <summary>Instances run as real processes: the ones that get SIGTERM and kill -9.</summary>
    public int ProcessInstances { get; init; } = 2;

    public int Stories { get; init; } = 24;

    public int ScenesPerStory { get; init; } = 4;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Clients sending starts and clears at once.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>Share of client actions that are clears; the rest are starts.</summary>
    public double ClearShare { get; init; } = 0.15;

    /// <summary>How often a process instance is stopped (SIGTERM and kill -9 in turn) and replaced.</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan DelayPerImage { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long the end of the run may take to settle: orphaned jobs wait for their lease to run out.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; } = 9;

    public IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Jobs:HeartbeatInterval"] = "00:00:00.300",
        ["Jobs:LeaseDuration"] = "00:00:02",
        ["Jobs:StaleAfter"] = "00:00:04",
        ["Jobs:ShutdownGrace"] = "00:00:00.500",
        ["Jobs:MaxAttempts"] = "3",
        ["Images:Builtin:DelayPerImage"] = DelayPerImage.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>What a soak run did and what held.</summary>
public sealed record SoakResult
{
    public required TimeSpan Elapsed { get; init; }
    public required IReadOnlyDictionary<string, long> Answers { get; init; }
    public required long ConnectionErrors { get; init; }
    public required long Sigterms { get; init; }
    public required long CleanExits { get; init; }
    public required long Kills { get; init; }
    public required long Jobs { get; init; }
    public required long Completed { get; init; }
    public required long Failed { get; init; }
    public required long FailedWithoutReason { get; init; }
    public required long StillProcessing { get; init; }
    public required long TakenOver { get; init; }
    public required IReadOnlyDictionary<string, long> FailureReasons { get; init; }
    public required long ScenesShowingUnpublishedImages { get; init; }
    public required long ProbeChecks { get; init; }
    public required long ProbeViolations { get; init; }

    /// <summary>Answers other than 202, 200, 409 and 503: must be none (a 500 would count here).</summary>
    public long UnexpectedAnswers => Answers.Where(a => a.Key is not ("202" or "200" or "409" or "503")).Sum(a => a.Value);

    public override string ToString() =>
        $"{Elapsed.TotalSeconds:0} s; answers {string.Join(", ", Answers.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"))}; " +
        $"connection errors {ConnectionErrors}; SIGTERM {Sigterms} (clean exits {CleanExits}); kill -9 {Kills}; " +
        $"jobs {Jobs}: completed {Completed}, failed {Failed} ({string.Join("; ", FailureReasons.Select(r => $"{r.Key}: {r.Value}"))}), " +
        $"failed without reason {FailedWithoutReason}, still processing {StillProcessing}, taken over {TakenOver}; " +
        $"scenes showing an unpublished image {ScenesShowingUnpublishedImages}; probe {ProbeChecks} checks, {ProbeViolations} violations";
}

/// <summary>
/// Several instances on one PostgreSQL database, random starts and clears from several clients, process
/// instances stopped with SIGTERM and kill -9 and replaced, a probe checking throughout that no story has two
/// processing jobs; then the end state is checked. Reusable with bigger numbers by the benchmark.
/// </summary>
public sealed class SoakDriver(SoakOptions options)
{
    private readonly ConcurrentDictionary<string, long> answers = new();
    private readonly List<Node> nodes = [];
    private readonly Lock gate = new();
    private readonly Guid user = Guid.NewGuid();
    private long connectionErrors;
    private long sigterms;
    private long cleanExits;
    private long kills;

    /// <summary>Runs on <paramref name="backend"/>, or on a PostgreSQL cluster of its own so its connections do not crowd other tests.</summary>
    public async Task<SoakResult> RunAsync(Backend? backend = null)
    {
        await using var cluster = backend is null ? await PostgresCluster.StartAsync() : null;
        backend ??= new Backend(Backend.Postgres, await cluster!.CreateDatabaseAsync());
        var settings = options.Settings();
        var started = Stopwatch.StartNew();
        try
        {
            var inProcess = await Task.WhenAll(Enumerable.Range(0, options.InProcessInstances).Select(_ => ServiceInstance.StartAsync(backend, settings)));
            var processes = await Task.WhenAll(Enumerable.Range(0, options.ProcessInstances).Select(_ => ServerProcess.StartAsync(backend, settings)));
            nodes.AddRange(inProcess.Select(i => new Node(i.BaseAddress, i, null)));
            nodes.AddRange(processes.Select(p => new Node(p.BaseAddress, null, p)));

            var stories = new List<Guid>();
            using (var client = ClientFor(nodes[0]))
            {
                for (var i = 0; i < options.Stories; i++)
                {
                    stories.Add((await client.CreateStoryAsync(options.ScenesPerStory, title: $"Soak {i}")).Id);
                }
            }

            await using var probe = DoubleProcessingProbe.Start(backend.ConnectionString);
            using var stop = new CancellationTokenSource(options.Duration);
            var random = new Random(options.Seed);
            var clients = Enumerable.Range(0, options.Clients).Select(i => ClientLoopAsync(stories, new Random(random.Next()), stop.Token)).ToList();
            var table = new JobTable(backend.ConnectionString);
            var faults = FaultLoopAsync(backend, settings, table, stop.Token);
            await Task.WhenAll([.. clients, faults]);

            await DrainAsync(table);
            return await ResultAsync(table, probe, started.Elapsed);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private async Task ClientLoopAsync(List<Guid> stories, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var story = stories[random.Next(stories.Count)];
            var clear = random.NextDouble() < options.ClearShare;
            using var client = ClientFor(PickNode(random));
            try
            {
                using var response = clear
                    ? await client.PostAsJsonAsync("/api/clear_image_job", new { story_id = story }, Api.Json, CancellationToken.None)
                    : await client.GenerateAsync(story);
                answers.AddOrUpdate(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
            catch (HttpRequestException)
            {
                // The node was stopped under this request: a client would try another instance.
                Interlocked.Increment(ref connectionErrors);
            }
            try
            {
                await Task.Delay(random.Next(20, 120), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops a process instance every interval, preferring one that runs a job, and starts its replacement.</summary>
    private async Task FaultLoopAsync(Backend backend, IDictionary<string, string?> settings, JobTable table, CancellationToken stop)
    {
        var replacements = new List<Task>();
        var kill = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.FaultInterval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var busy = (await table.AllAsync()).Where(r => r.Status == "processing" && r.WorkerId is not null).Select(r => r.WorkerId!).ToList();
            Node? victim;
            lock (gate)
            {
                var processes = nodes.Where(n => n.Process is not null).ToList();
                victim = processes.FirstOrDefault(n => busy.Exists(w => w.Contains($":{n.Process!.Id}:", StringComparison.Ordinal)))
                    ?? processes.FirstOrDefault();
                if (victim is not null)
                {
                    nodes.Remove(victim);
                }
            }
            if (victim is not null)
            {
                replacements.Add(ReplaceAsync(victim, kill, backend, settings));
                kill = !kill;
            }
        }
        await Task.WhenAll(replacements);
    }

    private async Task ReplaceAsync(Node victim, bool kill, Backend backend, IDictionary<string, string?> settings)
    {
        if (kill)
        {
            victim.Process!.Kill();
            Interlocked.Increment(ref kills);
        }
        else
        {
            victim.Process!.Terminate();
            Interlocked.Increment(ref sigterms);
            if (await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0)
            {
                Interlocked.Increment(ref cleanExits);
            }
        }
        await victim.DisposeAsync();
        var replacement = await ServerProcess.StartAsync(backend, settings);
        lock (gate)
        {
            nodes.Add(new Node(replacement.BaseAddress, null, replacement));
        }
    }

    /// <summary>Waits until no job is processing: orphans are reclaimed when their lease runs out, then finish or give up.</summary>
    private async Task DrainAsync(JobTable table)
    {
        var deadline = DateTime.UtcNow + options.DrainTimeout;
        while (DateTime.UtcNow < deadline && await table.ScalarAsync("select count(*) from image_generation_jobs where status = 'processing'") > 0)
        {
            await Task.Delay(200);
        }
    }

    private async Task<SoakResult> ResultAsync(JobTable table, DoubleProcessingProbe probe, TimeSpan elapsed)
    {
        var rows = await table.AllAsync();
        var failed = rows.Where(r => r.Status == "failed").ToList();
        return new SoakResult
        {
            Elapsed = elapsed,
            Answers = new Dictionary<string, long>(answers),
            ConnectionErrors = Interlocked.Read(ref connectionErrors),
            Sigterms = sigterms,
            CleanExits = cleanExits,
            Kills = kills,
            Jobs = rows.Count,
            Completed = rows.Count(r => r.Status == "completed"),
            Failed = failed.Count,
            FailedWithoutReason = failed.Count(r => string.IsNullOrWhiteSpace(r.Error)),
            StillProcessing = rows.Count(r => r.Status == "processing"),
            TakenOver = rows.Count(r => r.Attempts > 1),
            FailureReasons = failed.GroupBy(r => Reason(r.Error)).ToDictionary(g => g.Key, g => (long)g.Count()),
            ScenesShowingUnpublishedImages = await table.ScalarAsync("""
                select count(*) from scenes s
                 where s.image_key is not null
                   and not exists (select 1 from image_generation_job_scenes js
                                     join image_generation_jobs j on j.id = js.job_id
                                    where js.scene_id = s.id and js.image_key = s.image_key and j.status = 'completed')
                """),
            ProbeChecks = probe.Checks,
            ProbeViolations = probe.Violations,
        };
    }

    private static string Reason(string? error) => error switch
    {
        null or "" => "no reason",
        _ when error.StartsWith("Cleared by the user", StringComparison.Ordinal) => "cleared by a user",
        _ when error.StartsWith("Cleared automatically", StringComparison.Ordinal) => "cleared as stale",
        _ when error.StartsWith("Gave up after", StringComparison.Ordinal) => "gave up after max attempts",
        _ => error,
    };

    private Node PickNode(Random random)
    {
        lock (gate)
        {
            return nodes[random.Next(nodes.Count)];
        }
    }

    private HttpClient ClientFor(Node node)
    {
        var client = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(user));
        return client;
    }

    private sealed record Node(Uri Address, ServiceInstance? Instance, ServerProcess? Process) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (Instance is not null)
            {
                await Instance.DisposeAsync();
            }
            if (Process is not null)
            {
                await Process.DisposeAsync();
            }
        }
    }
}
