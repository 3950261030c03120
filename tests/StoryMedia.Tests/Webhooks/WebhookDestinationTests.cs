using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Webhooks;

namespace StoryMedia.Tests.Webhooks;

/// <summary>Where a webhook may go, what a start must name, and what is kept of a delivery that never succeeds.</summary>
public sealed class WebhookDestinationTests
{
    private static readonly string[] UnknownEvents = ["completed", "done", "finished"];

    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task A_start_naming_a_private_address_or_an_unknown_event_is_refused_and_a_name_resolving_to_loopback_is_refused_when_delivering()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = WebhookDeliveryTests.Settings(retryFor: "00:00:01");
        settings["Webhooks:AllowPrivateNetworks"] = "false";
        // Development allows plain http, so only the address decides.
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings, environment: "Development");
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);

        foreach (var url in new[] { "http://10.1.2.3/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fd00::1]/hook", "http://localhost:9/hook", "ftp://example.com/hook", "/relative" })
        {
            var refused = await ProblemAsync(client, new { story_id = story.Id, webhook_url = url });
            Assert.True(refused.TryGetProperty("errors", out var errors) && errors.TryGetProperty("webhook_url", out _), $"{url}: {refused}");
        }
        var unknown = await ProblemAsync(client, new { story_id = story.Id, webhook_url = "https://example.com/hook", webhook_events = UnknownEvents });
        Assert.Equal(["done", "finished"], unknown.GetProperty("unknown_events").EnumerateArray().Select(e => e.GetString()));

        // This machine's own name resolves to loopback: accepted by name, refused at connect time.
        var host = Dns.GetHostName();
        Assert.All(await Dns.GetHostAddressesAsync(host), a => Assert.NotNull(NetworkAddresses.Describe(a)));
        var job = await WebhookDeliveryTests.StartAsync(client, story.Id, receiver.Url(host).ToString(), null);
        await client.WaitUntilFinishedAsync(job);
        var dead = await Eventually.ReadAsync(() => WebhookDeliveryTests.DeliveriesAsync(client, job), d => d.Count == 1 && d[0].Status == "dead",
            TimeSpan.FromSeconds(15), d => $"deliveries: {JsonSerializer.Serialize(d)}");

        Assert.Contains("not a public address", dead[0].LastError, StringComparison.Ordinal);
        Assert.Null(dead[0].LastStatusCode);
        Assert.Empty(receiver.Arrivals);
    }

    [Fact]
    public async Task A_delivery_the_receiver_keeps_refusing_is_dead_after_RetryFor_with_its_last_answer_kept_and_only_its_owner_sees_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerAlways((int)HttpStatusCode.UnprocessableEntity, "no such order");
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), WebhookDeliveryTests.Settings(retryFor: "00:00:01.500"));
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        var job = await WebhookDeliveryTests.StartAsync(client, story.Id, receiver.Url().ToString(), null);
        await client.WaitUntilFinishedAsync(job);

        var dead = await Eventually.ReadAsync(() => WebhookDeliveryTests.DeliveriesAsync(client, job), d => d.Count == 1 && d[0].Status == "dead",
            TimeSpan.FromSeconds(15), d => $"deliveries: {JsonSerializer.Serialize(d)}");

        var delivery = dead[0];
        Assert.Equal(("image_job.completed", "start", receiver.Url().ToString()), (delivery.Type, delivery.Destination, delivery.Url));
        Assert.Equal((422, "no such order", "The receiver answered 422."), (delivery.LastStatusCode, delivery.LastResponse, delivery.LastError));
        Assert.True(delivery.Attempts >= 2, $"{delivery.Attempts} attempts");
        Assert.Equal(delivery.Attempts, receiver.Arrivals.Count);
        Assert.Single(receiver.Arrivals.Select(a => a.Id).Distinct());
        using var other = instance.Client(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(new Uri($"/api/image_jobs/{job}/deliveries", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_malformed_secret_stops_the_service_and_without_a_secret_a_start_naming_a_webhook_is_refused()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        var malformed = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Webhooks:Secret"] = "whsec_not base64!" }));
        Assert.Contains("Webhooks:Secret", malformed.Message, StringComparison.Ordinal);

        await using var instance = await ServiceInstance.StartAsync(backend);
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        var refused = await ProblemAsync(client, new { story_id = story.Id, webhook_url = "https://example.com/hook" });
        Assert.Contains("Webhooks:Secret", refused.GetProperty("errors").GetProperty("webhook_url")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8", null)]
    [InlineData("2606:4700:4700::1111", null)]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("10.0.0.1", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("192.168.1.1", "a private address")]
    [InlineData("169.254.169.254", "a link-local address")]
    [InlineData("100.64.0.1", "a shared (carrier-grade NAT) address")]
    [InlineData("0.0.0.0", "an unspecified address")]
    [InlineData("224.0.0.1", "a multicast address")]
    [InlineData("::", "an unspecified address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("fd12:3456::1", "a unique-local address")]
    [InlineData("ff02::1", "a multicast address")]
    [InlineData("::ffff:127.0.0.1", "a loopback address")]
    [InlineData("::ffff:169.254.169.254", "a link-local address")]
    [InlineData("::ffff:8.8.8.8", null)]
    [InlineData("64:ff9b::10.0.0.1", "a private address")]
    [InlineData("2002:c0a8:0101::1", "a private address")]
    public void An_address_is_public_or_named_for_what_it_is(string address, string? what) =>
        Assert.Equal(what, NetworkAddresses.Describe(IPAddress.Parse(address)));

    private static async Task<JsonElement> ProblemAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/generate_images", body, Api.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return await response.ProblemAsync();
    }
}
