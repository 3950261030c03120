using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Images;

/// <summary>One request as the fake provider received it, and whether the caller hung up before the answer was sent.</summary>
public sealed class ReceivedCall(string path, string? authorization, JsonElement body, DateTimeOffset receivedAt)
{
    public string Path => path;

    public string? Authorization => authorization;

    public JsonElement Body => body;

    public DateTimeOffset ReceivedAt => receivedAt;

    /// <summary>Completes when the client aborted the request while it was being answered.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Prompt => body.ValueKind == JsonValueKind.Object && body.TryGetProperty("prompt", out var prompt) ? prompt.GetString() ?? "" : "";
}

/// <summary>
/// A provider's HTTP API on a loopback port, answering as <see cref="Respond"/> says and recording every request
/// with the time it arrived. The test speaks the provider's wire format through <see cref="OpenAIWire"/> and
/// <see cref="Automatic1111Wire"/>.
/// </summary>
public sealed class FakeImageApi : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedCall> calls = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeImageApi(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public required Func<ReceivedCall, HttpContext, Task> Respond { get; set; }

    public IReadOnlyList<ReceivedCall> Calls => [.. calls];

    public IReadOnlyList<ReceivedCall> CallsTo(string path) => [.. calls.Where(c => c.Path == path)];

    public static async Task<FakeImageApi> StartAsync(Func<ReceivedCall, HttpContext, Task> respond)
    {
        var app = Loopback.BuildApp();
        var fake = new FakeImageApi(app) { Respond = respond };
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = app.Address();
        return fake;
    }

    /// <summary>Waits until the fake has received a request matching <paramref name="match"/>.</summary>
    public async Task<ReceivedCall> WaitForCallAsync(Func<ReceivedCall, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var next = Volatile.Read(ref changed).Task;
            if (calls.FirstOrDefault(match) is { } call)
            {
                return call;
            }
            await next.WaitAsync(deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = default(JsonElement);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            body = document.RootElement.Clone();
        }
        var call = new ReceivedCall(context.Request.Path, context.Request.Headers.Authorization, body, DateTimeOffset.UtcNow);
        calls.Enqueue(call);
        Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        using var aborted = context.RequestAborted.Register(() => call.Aborted.TrySetResult());
        try
        {
            await Respond(call, context);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client hung up mid-answer; Aborted has been signalled.
        }
    }
}

/// <summary>A valid 1×1 PNG, the image every fake draws.</summary>
public static class TinyPng
{
    public const string Base64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

    public static readonly byte[] Bytes = Convert.FromBase64String(Base64);
}

/// <summary>OpenAI Images API answers, byte for byte in the shape the real API sends.</summary>
public static class OpenAIWire
{
    public const string Generations = "/v1/images/generations";

    public static Task Image(HttpContext context, string b64Json = TinyPng.Base64) =>
        context.Response.WriteAsJsonAsync(new { created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), data = new[] { new { b64_json = b64Json, revised_prompt = (string?)null } } });

    public static Task Error(HttpContext context, int status, string message, string type, string? code, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code } });
    }
}

/// <summary>AUTOMATIC1111 WebUI API answers (<c>/sdapi/v1/txt2img</c>, <c>/sdapi/v1/interrupt</c>).</summary>
public static class Automatic1111Wire
{
    public const string Txt2Img = "/sdapi/v1/txt2img";
    public const string Interrupt = "/sdapi/v1/interrupt";

    /// <summary>The checkpoint the fake WebUI says it drew with.</summary>
    public const string Model = "v1-5-pruned-emaonly";

    /// <summary>The WebUI echoes the request as <c>parameters</c> and describes the generation in <c>info</c>, a JSON string.</summary>
    public static Task Images(HttpContext context, JsonElement request, string image = TinyPng.Base64) =>
        context.Response.WriteAsJsonAsync(new
        {
            images = new[] { image },
            parameters = request,
            info = JsonSerializer.Serialize(new
            {
                prompt = request.GetProperty("prompt").GetString(),
                seed = request.GetProperty("seed").GetInt64(),
                sampler_name = request.GetProperty("sampler_name").GetString(),
                sd_model_name = Model,
            }),
        });

    public static Task Interrupted(HttpContext context) => context.Response.WriteAsJsonAsync(new { });
}
