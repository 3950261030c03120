using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace StoryMedia.Images;

/// <summary>
/// A self-hosted Stable Diffusion WebUI (AUTOMATIC1111, started with <c>--api</c>): <c>POST /sdapi/v1/txt2img</c>
/// with the job's seed for the scene, so a retried or resumed job draws the same picture and a new job a new one.
/// </summary>
public sealed class Automatic1111Provider(
    IHttpClientFactory clients,
    RemoteImageCalls calls,
    IOptions<Automatic1111Options> options,
    ILogger<Automatic1111Provider> logger) : IImageProvider
{
    public const string Client = "automatic1111";

    private static readonly TimeSpan InterruptTimeout = TimeSpan.FromSeconds(5);

    public int ScenesAtOnce => calls.MaxConcurrency;

    public Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken) =>
        calls.RunAsync(token => GenerateOnceAsync(request, token), InterruptAsync, cancellationToken);

    private async Task<GeneratedImage> GenerateOnceAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = new Dictionary<string, object>
        {
            ["prompt"] = request.Prompt,
            ["negative_prompt"] = settings.NegativePrompt,
            ["width"] = settings.Width,
            ["height"] = settings.Height,
            ["steps"] = settings.Steps,
            ["seed"] = request.Seed,
            ["sampler_name"] = settings.Sampler,
            ["batch_size"] = 1,
            ["n_iter"] = 1,
            ["send_images"] = true,
            ["save_images"] = false,
        };
        using var message = Post("sdapi/v1/txt2img", JsonSerializer.SerializeToUtf8Bytes(body));
        var attempts = ProviderAttempts.Count(message);
        using var response = await clients.CreateClient(Client).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ProviderAnswers.Refusal(response.StatusCode, ErrorOf(await RemoteImageCalls.ReadErrorAsync(response, cancellationToken)),
                "Images:Automatic1111:Username and Password (the WebUI's --api-auth)");
        }
        var answer = ProviderAnswers.ParseJson(await calls.ReadAnswerAsync(response, cancellationToken), response);
        var first = answer.ValueKind == JsonValueKind.Object
            && answer.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array && images.GetArrayLength() > 0
            && images[0].ValueKind == JsonValueKind.String
            ? images[0].GetString()
            : null;
        var (model, seed) = InfoOf(answer);
        return ProviderAnswers.DecodeImage(first) with
        {
            Facts = new(ImageOptions.Automatic1111, model, $"{settings.Width}x{settings.Height}", seed ?? request.Seed, RequestId: null, attempts.Value),
        };
    }

    /// <summary>The checkpoint and seed the WebUI reports in <c>info</c> (a JSON string), when it does.</summary>
    private static (string? Model, long? Seed) InfoOf(JsonElement answer)
    {
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.String)
        {
            return (null, null);
        }
        try
        {
            using var document = JsonDocument.Parse(info.GetString()!);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            var model = root.TryGetProperty("sd_model_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            var seed = root.TryGetProperty("seed", out var drawn) && drawn.TryGetInt64(out var value) ? value : (long?)null;
            return (model, seed);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>
    /// The WebUI keeps drawing after the client hangs up, so a cleared job also asks it to stop. Best effort: the
    /// WebUI may be down, and the job is cleared either way.
    /// </summary>
    private async Task InterruptAsync()
    {
        using var timeout = new CancellationTokenSource(InterruptTimeout);
        try
        {
            using var message = Post("sdapi/v1/interrupt", []);
            using var response = await clients.CreateClient(Client).SendAsync(message, timeout.Token);
            logger.LogInformation("Asked the WebUI to interrupt the cancelled image: HTTP {Status}", (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or Polly.ExecutionRejectedException)
        {
            logger.LogWarning("Could not ask the WebUI to interrupt the cancelled image: {Reason}", ex.Message);
        }
    }

    private HttpRequestMessage Post(string path, byte[] json)
    {
        var settings = options.Value;
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoints.Combine(settings.BaseUrl!, path))
        {
            Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (!string.IsNullOrEmpty(settings.Username))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}")));
        }
        return message;
    }

    /// <summary>The WebUI's error text: <c>errors</c> of a failed generation, or FastAPI's <c>detail</c> (a string, or a list of <c>msg</c>).</summary>
    private static string? ErrorOf(byte[]? body)
    {
        if (body is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            foreach (var name in (string[])["errors", "detail", "error"])
            {
                if (root.TryGetProperty(name, out var value))
                {
                    if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                    {
                        return text;
                    }
                    if (value.ValueKind == JsonValueKind.Array && Messages(value) is { Length: > 0 } messages)
                    {
                        return messages;
                    }
                }
            }
            return null;
        }
        catch (JsonException)
        {
            // Not the WebUI's JSON (a proxy's error page, a traceback): its raw text is not shown to the user.
            return null;
        }
    }

    /// <summary>The texts of a list of errors: strings, or objects' <c>msg</c>; any other element's raw JSON is left out.</summary>
    private static string Messages(JsonElement errors) => string.Join("; ", errors.EnumerateArray()
        .Select(e => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Object when e.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String => msg.GetString(),
            _ => null,
        })
        .Where(text => !string.IsNullOrEmpty(text)));
}
