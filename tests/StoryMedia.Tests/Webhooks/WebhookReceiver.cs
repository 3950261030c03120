using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Webhooks;

/// <summary>
/// A host app's webhook endpoint on a loopback port: it verifies every request with the Standard Webhooks library and
/// the shared secret, and keeps every arrival. It can fail requests, go down (its port closed) and come back on the same
/// port, and hold a request unanswered.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public static readonly string Secret = $"whsec_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    private readonly ConcurrentQueue<Arrival> arrivals = new();
    private WebApplication? app;
    private int failures;
    private int status = StatusCodes.Status204NoContent;
    private string answer = "";
    private TaskCompletionSource? holdNext;
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port { get; private set; }

    public Uri Url(string host = "127.0.0.1") => new($"http://{host}:{Port}/hooks/storymedia");

    public IReadOnlyCollection<Arrival> Arrivals => arrivals;

    /// <summary>Requests that failed verification: none, if the service signs as the specification says.</summary>
    public int Unverified { get; private set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.UpAsync();
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> verified requests are answered 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref failures, count);

    /// <summary>Every request from now on is answered so.</summary>
    public void AnswerAlways(int statusCode, string body) => (status, answer) = (statusCode, body);

    /// <summary>The next request is held unanswered until <see cref="Release"/>; the task completes when it arrives.</summary>
    public Task HoldNextAsync()
    {
        holdNext = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return holdNext.Task;
    }

    public void Release() => release.TrySetResult();

    public async Task DownAsync()
    {
        Release();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async Task UpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        var started = builder.Build();
        var verifier = new StandardWebhook(Secret);
        started.MapPost("/hooks/storymedia", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            try
            {
                verifier.Verify(body, request.Headers);
            }
            catch (WebhookVerificationException)
            {
                Unverified++;
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }
            using var payload = JsonDocument.Parse(body);
            var data = payload.RootElement.GetProperty("data");
            var arrival = new Arrival(
                request.Headers["webhook-id"].ToString(),
                payload.RootElement.GetProperty("type").GetString()!,
                data.GetProperty("id").GetGuid(),
                data.GetProperty("status").GetString()!,
                data.GetProperty("progress").GetInt32(),
                DateTimeOffset.UtcNow);
            if (Interlocked.Exchange(ref holdNext, null) is { } held)
            {
                held.TrySetResult();
                await release.Task;
                arrivals.Enqueue(arrival with { Answered = StatusCodes.Status504GatewayTimeout });
                return Results.StatusCode(StatusCodes.Status504GatewayTimeout);
            }
            var answered = Interlocked.Decrement(ref failures) >= 0 ? StatusCodes.Status500InternalServerError : status;
            arrivals.Enqueue(arrival with { Answered = answered });
            return Results.Text(answered == status ? answer : "failing on purpose", statusCode: answered);
        });
        await started.StartAsync();
        Port = started.Address().Port;
        app = started;
    }

    public async ValueTask DisposeAsync() => await DownAsync();

    /// <summary>One request as the receiver saw it: its webhook-id, the payload's type and job, and what it answered.</summary>
    public sealed record Arrival(string Id, string Type, Guid JobId, string JobStatus, int Progress, DateTimeOffset At, int Answered = 0)
    {
        public bool Accepted => Answered is >= 200 and < 300;
    }
}
