using System.Net;
using System.Net.Http.Json;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Webhooks;
using Xunit.Abstractions;

namespace StoryMedia.Tests.Webhooks;

/// <summary>
/// A host app's receiver gets every event a start asked for, signed, in order per job, at least once: through failed
/// answers, an outage and a kill -9 of the instance delivering, which another instance takes over.
/// </summary>
public sealed class WebhookDeliveryTests(ITestOutputHelper output)
{
    private static readonly string[] Ends = ["started", "completed", "failed", "cleared"];

    public static Dictionary<string, string?> Settings(string retryFor = "00:01:00") => new()
    {
        ["Webhooks:Secret"] = WebhookReceiver.Secret,
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:RetryFor"] = retryFor,
        ["Webhooks:FirstRetryAfter"] = "00:00:00.100",
        ["Webhooks:MaxRetryInterval"] = "00:00:00.400",
        ["Webhooks:Timeout"] = "00:00:01",
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Images:Builtin:DelayPerImage"] = "00:00:00.150",
    };

    [Fact]
    public async Task Every_promised_event_arrives_signed_and_in_order_per_job_through_failures_an_outage_and_a_kill_9_of_the_delivering_instance()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(3);
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        var url = receiver.Url().ToString();
        var first = await ServerProcess.StartAsync(backend, Settings());
        Guid[] ended;
        Guid cleared;
        using (var client = first.Client(alice))
        {
            var stories = new[] { await client.CreateStoryAsync(scenes: 2), await client.CreateStoryAsync(scenes: 2), await client.CreateStoryAsync(scenes: 30) };
            cleared = await StartAsync(client, stories[2].Id, url, [.. Ends, "progress"]);
            // The first three answers are 500; then the receiver is down while the other jobs run and the rest wait.
            await Eventually.TrueAsync(() => receiver.Arrivals.Count >= 3, TimeSpan.FromSeconds(20), "The first deliveries never arrived.");
            await receiver.DownAsync();
            ended = [await StartAsync(client, stories[0].Id, url, Ends), await StartAsync(client, stories[1].Id, url, null)];
            await client.WaitForJobAsync(cleared, j => j.Progress >= 20);
            await client.ClearAsync(stories[2].Id);
            foreach (var job in ended)
            {
                await client.WaitUntilFinishedAsync(job);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        // Back up, it holds the next request unanswered: the instance sending it is killed mid-delivery.
        var held = receiver.HoldNextAsync();
        await receiver.UpAsync();
        await held.WaitAsync(TimeSpan.FromSeconds(20));
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        receiver.Release();
        await first.DisposeAsync();

        await using var second = await ServiceInstance.StartAsync(backend, Settings());
        var promised = new Dictionary<Guid, string[]> { [ended[0]] = ["started", "completed"], [ended[1]] = ["completed"] };
        await Eventually.TrueAsync(
            () => promised.All(p => Delivered(receiver, p.Key).SequenceEqual(p.Value)) && Delivered(receiver, cleared).LastOrDefault() == "cleared",
            TimeSpan.FromSeconds(40), "Not every promised event was delivered.");

        Assert.Equal(0, receiver.Unverified);
        foreach (var (job, types) in promised)
        {
            Assert.Equal(types, Delivered(receiver, job));
        }
        var clearedTypes = Delivered(receiver, cleared);
        Assert.Equal("started", clearedTypes[0]);
        Assert.Equal("cleared", clearedTypes[^1]);
        Assert.All(clearedTypes[1..^1], t => Assert.Equal("progress", t));
        using var owner = second.Client(alice);
        // The receiver has a request before the deliverer has its answer and records it.
        var deliveries = await Eventually.ReadAsync(
            async () => (await Task.WhenAll(ended.Append(cleared).Select(job => DeliveriesAsync(owner, job)))).SelectMany(d => d).ToList(),
            all => all.All(d => d.Status != "pending"), TimeSpan.FromSeconds(15),
            all => string.Join(", ", all.Where(d => d.Status == "pending").Select(d => $"{d.Id} is pending")));
        Assert.All(deliveries, d => Assert.True(d.Status is "delivered" or "skipped", $"{d.Id} is {d.Status}"));
        Assert.Contains(deliveries, d => d.Attempts > 1);
        var arrivals = receiver.Arrivals.ToList();
        var accepted = arrivals.Where(a => a.Accepted).ToList();
        output.WriteLine(
            $"deliveries {deliveries.Count} (skipped as superseded progress {deliveries.Count(d => d.Status == "skipped")}), " +
            $"requests received {arrivals.Count}, retried attempts {deliveries.Sum(d => Math.Max(0, d.Attempts - 1))}, " +
            $"delivered {deliveries.Count(d => d.Status == "delivered")}, accepted {accepted.Count}, duplicates accepted {accepted.Count - accepted.Select(a => a.Id).Distinct().Count()}, " +
            $"requests repeating a webhook-id {arrivals.Count - arrivals.Select(a => a.Id).Distinct().Count()}");
        using (var other = second.Client(bob))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(new Uri($"/api/image_jobs/{ended[0]}/deliveries", UriKind.Relative))).StatusCode);
        }

        // An operator redelivers a job's webhooks: the same ids arrive again, in order.
        var before = accepted.Where(a => a.JobId == ended[0]).Select(a => a.Id).Distinct().ToList();
        var redeliver = await ServerProcess.RunCommandAsync(backend, ["jobs", "redeliver", ended[0].ToString()]);
        Assert.True(redeliver.ExitCode == 0, redeliver.StdErr);
        Assert.Contains("Queued 2 deliveries", redeliver.StdOut, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => receiver.Arrivals.Count(a => a.Accepted && a.JobId == ended[0]) >= accepted.Count(a => a.JobId == ended[0]) + 2,
            TimeSpan.FromSeconds(20), "The redelivery never arrived.");
        Assert.Equal(before, receiver.Arrivals.Where(a => a.Accepted && a.JobId == ended[0]).Select(a => a.Id).TakeLast(2));
    }

    [Fact]
    public async Task The_deployments_destination_gets_the_events_it_names_of_every_job_and_its_url_stays_the_operators()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = Settings();
        settings["Webhooks:Url"] = receiver.Url().ToString();
        settings["Webhooks:Events:0"] = "started";
        settings["Webhooks:Events:1"] = "completed";
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 1);

        var job = await client.StartAsync(story.Id);
        await client.WaitUntilFinishedAsync(job.Id);

        await Eventually.TrueAsync(() => Delivered(receiver, job.Id).Count == 2, TimeSpan.FromSeconds(15), "The deployment's destination did not get both events.");
        Assert.Equal(["started", "completed"], Delivered(receiver, job.Id));
        // The receiver has a request before the deliverer has its answer and records it.
        var deliveries = await Eventually.ReadAsync(() => DeliveriesAsync(client, job.Id), all => all.Count == 2 && all.All(d => d.Status != "pending"),
            TimeSpan.FromSeconds(15), all => string.Join(", ", all.Select(d => d.Status)));
        Assert.All(deliveries, d => Assert.Equal(("deployment", null, "delivered"), (d.Destination, d.Url, d.Status)));
    }

    [Fact]
    public async Task On_PostgreSQL_a_queued_delivery_wakes_the_deliverer_without_waiting_for_its_poll()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = Settings();
        settings["Webhooks:Url"] = receiver.Url().ToString();
        settings["Webhooks:Events:0"] = "completed";
        // Polling alone would send the delivery ten minutes after the instance's first look.
        settings["Webhooks:PollInterval"] = "00:10:00";
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Postgres), settings);
        using var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 1);

        var job = await client.StartAsync(story.Id);
        await client.WaitUntilFinishedAsync(job.Id);

        await Eventually.TrueAsync(() => Delivered(receiver, job.Id).Count == 1, TimeSpan.FromSeconds(30), "The completion was not delivered before the next poll.");
        Assert.Equal(["completed"], Delivered(receiver, job.Id));
    }

    /// <summary>The job's types the receiver accepted, each webhook-id counted once, in the order they first arrived.</summary>
    private static List<string> Delivered(WebhookReceiver receiver, Guid job) =>
        [.. receiver.Arrivals.Where(a => a.Accepted && a.JobId == job).DistinctBy(a => a.Id).Select(a => a.Type[(a.Type.IndexOf('.', StringComparison.Ordinal) + 1)..])];

    public static async Task<Guid> StartAsync(HttpClient client, Guid storyId, string url, string[]? events)
    {
        using var response = await client.PostAsJsonAsync("/api/generate_images", new { story_id = storyId, webhook_url = url, webhook_events = events }, Api.Json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<StoryMedia.Jobs.JobView>(Api.Json))!.Id;
    }

    public static async Task<List<WebhookDeliveryView>> DeliveriesAsync(HttpClient client, Guid job) =>
        (await client.GetFromJsonAsync<List<WebhookDeliveryView>>($"/api/image_jobs/{job}/deliveries", Api.Json))!;
}
