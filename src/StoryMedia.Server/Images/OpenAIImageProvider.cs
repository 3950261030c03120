using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace StoryMedia.Images;

/// <summary>Any OpenAI-compatible Images API: <c>POST {BaseUrl}/v1/images/generations</c>, one image per scene.</summary>
public sealed class OpenAIImageProvider(
    IHttpClientFactory clients,
    RemoteImageCalls calls,
    IOptions<OpenAIOptions> options) : IImageProvider
{
    public const string Client = "openai";

    /// <summary>Downloads of <c>url</c> answers go through their own client: another host, and never with the key.</summary>
    public const string DownloadClient = "openai-download";

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int ScenesAtOnce => calls.MaxConcurrency;

    // OpenAI bills each image and its Images API documents no idempotency key.
    public bool BillsPerCall => true;

    public Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken) =>
        calls.RunAsync(token => GenerateOnceAsync(request, token), onCancelled: null, cancellationToken);

    /// <summary>True for the 429 that means "out of money", which waiting does not fix; a rate-limit 429 is retried.</summary>
    public static async ValueTask<bool> IsQuotaExhaustedAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return false;
        }
        // Buffered so that the error can be read again once the retries give up.
        var body = await RemoteImageCalls.ReadErrorAsync(response, CancellationToken.None);
        return body is not null && ErrorOf(body).Code is "insufficient_quota" or "billing_hard_limit_reached";
    }

    private async Task<GeneratedImage> GenerateOnceAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = new GenerationRequest(settings.Model, request.Prompt, settings.Size, 1, settings.ResponseFormat);
        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoints.Combine(settings.BaseUrl!, "v1/images/generations"))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, Wire)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var attempts = ProviderAttempts.Count(message);
        using var response = await clients.CreateClient(Client).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Refusal(response.StatusCode, await RemoteImageCalls.ReadErrorAsync(response, cancellationToken));
        }
        var answer = ProviderAnswers.ParseJson(await calls.ReadAnswerAsync(response, cancellationToken), response);
        var image = answer.ValueKind == JsonValueKind.Object
            && answer.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
            && data[0].ValueKind == JsonValueKind.Object
            ? data[0]
            : throw new ImageProviderException("the image provider's answer contained no image.");
        var made = StringOf(image, "b64_json") is { } base64
            ? ProviderAnswers.DecodeImage(base64)
            : StringOf(image, "url") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var location) && location.Scheme is "https" or "http"
                ? await DownloadAsync(location, cancellationToken)
                : throw new ImageProviderException("the image provider's answer contained no image.");
        // The Images API takes no seed.
        var requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
        return made with { Facts = new(ImageOptions.OpenAI, settings.Model, settings.Size, Seed: null, requestId, attempts.Value) };
    }

    private async Task<GeneratedImage> DownloadAsync(Uri location, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient(DownloadClient).GetAsync(location, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ImageProviderException($"the image provider's image could not be downloaded from its URL (HTTP {(int)response.StatusCode}).");
        }
        return ProviderAnswers.Recognise(await calls.ReadAnswerAsync(response, cancellationToken));
    }

    private static ImageProviderException Refusal(HttpStatusCode status, byte[]? body)
    {
        var error = body is null ? default : ErrorOf(body);
        if (error.Code is "content_policy_violation" or "moderation_blocked")
        {
            return new ImageProviderException($"the image provider refused the prompt under its content policy: {ProviderAnswers.Quote(error.Message)}");
        }
        if (error.Code is "insufficient_quota" or "billing_hard_limit_reached")
        {
            return new ImageProviderException($"the image provider's quota is exhausted; check the account's plan and billing: {ProviderAnswers.Quote(error.Message)}");
        }
        return ProviderAnswers.Refusal(status, error.Message, "Images:OpenAI:ApiKey");
    }

    /// <summary>The <c>{"error": {"message", "type", "code"}}</c> of an error answer, whatever of it is there.</summary>
    private static (string? Message, string? Code) ErrorOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                ? (StringOf(error, "message"), StringOf(error, "code"))
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record GenerationRequest(string Model, string Prompt, string Size, int N, string? ResponseFormat);
}
