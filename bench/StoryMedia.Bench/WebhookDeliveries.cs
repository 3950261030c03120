using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Webhooks;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 7, webhooks (docs/integration.md): a server with two workers and a deployment destination (<c>Webhooks:Url</c>)
/// on a receiver in this process; many one-scene jobs complete as fast as the workers allow. Figures: deliveries per
/// second beside completions per second over the same span (does the outbox keep up?), and each job's delay from its
/// completion (the server's completed_at) to the receiver's receipt beside the delivery loop's poll interval.
/// </summary>
public static class WebhookDeliveries
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static async Task RunAsync(Report report, ScenarioHost host, CancellationToken ct)
    {
        var jobs = host.Sizes.WebhookJobs;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var received = new ConcurrentDictionary<Guid, DateTimeOffset>();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = ReceiveAsync(receiver, received, stop.Token);

        var poll = new WebhookOptions().PollInterval;
        var (server, _) = await host.StartServerAsync("pg-webhooks", workers: 2, new Dictionary<string, string>
        {
            ["Webhooks__Secret"] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Webhooks__Url"] = $"http://127.0.0.1:{port}/hook",
            ["Webhooks__AllowPrivateNetworks"] = "true",
        }, ct);
        await using (server)
        {
            using var client = new BenchClient(server.Address, Guid.NewGuid(), 8);
            var stories = new List<Guid>();
            for (var i = 0; i < jobs; i++)
            {
                stories.Add((await client.CreateStoryAsync(1, ct)).Id);
            }
            host.Say($"webhooks: {jobs} one-scene jobs, each delivered to a receiver on loopback");
            var started = new List<JobView>();
            foreach (var story in stories)
            {
                started.Add(await client.StartAsync(ImageJobKind.Paths, story, ct));
            }
            var clock = Stopwatch.StartNew();
            while (received.Count < jobs && clock.Elapsed < Timeout)
            {
                await Task.Delay(50, ct);
            }
            if (received.Count < jobs)
            {
                throw new BenchFailedException($"Only {received.Count} of {jobs} webhooks arrived within {Timeout}.");
            }
            var completed = new List<JobView>();
            foreach (var job in started)
            {
                completed.Add(await client.GetJobAsync(ImageJobKind.Paths, job.Id, ct));
            }
            await stop.CancelAsync();
            receiver.Stop();
            await receiving;

            var completions = completed.Select(j => j.CompletedAt!.Value).Order().ToList();
            var receipts = received.Values.Order().ToList();
            var completionRate = (jobs - 1) / (completions[^1] - completions[0]).TotalSeconds;
            var deliveryRate = (jobs - 1) / (receipts[^1] - receipts[0]).TotalSeconds;
            var delays = completed.Select(j => (received[j.Id] - j.CompletedAt!.Value).TotalMilliseconds).ToList();
            var median = Latencies.Median(delays);
            var samples = new Latencies();
            samples.AddRange(delays);
            var p95 = samples.Percentile(95);
            var pollMs = poll.TotalMilliseconds;

            report.Figures.Add(new("PostgreSQL", "7 webhooks", $"deliveries per second to one destination, {jobs} jobs completing back to back (2 workers)",
                Report.Number(deliveryRate, "0.0"), $"the same jobs' completions per second: {Report.Number(completionRate, "0.0")}",
                Report.Ratio(deliveryRate / completionRate), "≥ 1× (keeps up)", deliveryRate >= completionRate * 0.95));
            report.Figures.Add(new("PostgreSQL", "7 webhooks", "delay from a job's completion to its webhook's receipt, median (p95) in ms",
                $"{Report.Number(median)} ({Report.Number(p95)})", $"Webhooks:PollInterval {Report.Number(pollMs)} ms",
                Report.Ratio(p95 / pollMs), "", null));
            report.Reading.Add(
                $"**Webhooks (PostgreSQL).** {jobs} one-scene jobs completed back to back on a server with two workers and one deployment destination (`Webhooks:Url`) on a receiver in the bench process; " +
                $"every job's `completed` delivery arrived, signed, at {Report.Number(deliveryRate, "0.0")} per second against {Report.Number(completionRate, "0.0")} completions per second over the same jobs " +
                $"({(deliveryRate >= completionRate * 0.95 ? "the outbox kept up" : "the outbox fell behind")}). A delivery row is written in the completion's own transaction; the delivery loop on every instance " +
                $"is woken by the `NOTIFY` the completion's transaction sends when it commits (and claims due rows every `Webhooks:PollInterval`, {Report.Number(pollMs)} ms, besides), " +
                $"and sends up to `Webhooks:Concurrency` at once: the median delay was {Report.Number(median)} ms and the p95 {Report.Number(p95)} ms (with polling alone it was 487 ms and 962 ms in the previous round's run).");
        }
    }

    /// <summary>Answers 204 to every delivery and notes when each job's first one arrived.</summary>
    private static async Task ReceiveAsync(HttpListener receiver, ConcurrentDictionary<Guid, DateTimeOffset> received, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await receiver.GetContextAsync().WaitAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var at = DateTimeOffset.UtcNow;
            using (var body = await JsonDocument.ParseAsync(context.Request.InputStream, cancellationToken: ct))
            {
                received.TryAdd(body.RootElement.GetProperty("data").GetProperty("id").GetGuid(), at);
            }
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
    }
}
