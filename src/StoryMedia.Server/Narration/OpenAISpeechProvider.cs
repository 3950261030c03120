using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StoryMedia.Images;
using StoryMedia.Jobs;

namespace StoryMedia.Narration;

/// <summary>
/// Any OpenAI-compatible speech API: <c>POST {BaseUrl}/v1/audio/speech {model, input, voice, response_format}</c>, whose
/// answer is the audio itself. Calls are bounded per instance (<c>Narration:MaxConcurrency</c>); the named client's handler
/// adds timeouts, retries with backoff that honour Retry-After, and a circuit breaker; the answer is read with a size cap.
/// </summary>
public sealed class OpenAISpeechProvider(IHttpClientFactory clients, IOptions<NarrationOptions> narration, IOptions<OpenAISpeechOptions> options, ILogger<OpenAISpeechProvider> logger)
    : ISpeechProvider, IDisposable
{
    public const string Client = "openai-speech";

    private readonly SemaphoreSlim slots = new(narration.Value.MaxConcurrency);

    public int ScenesAtOnce => narration.Value.MaxConcurrency;

    public async Task<SpokenAudio> SpeakAsync(SpeechRequest request, string directory, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await SpeakOnceAsync(request, directory, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Describe(ex) is { } reason)
        {
            logger.LogWarning(ex, "Speech provider call failed: {Reason}", reason);
            throw new SpeechProviderException(reason, ex);
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose() => slots.Dispose();

    private async Task<SpokenAudio> SpeakOnceAsync(SpeechRequest request, string directory, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = new Dictionary<string, string>
        {
            ["model"] = settings.Model,
            ["input"] = request.Text,
            ["voice"] = request.Voice ?? settings.Voice,
            ["response_format"] = settings.Format,
        };
        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoints.Combine(settings.BaseUrl!, "v1/audio/speech"))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        using var response = await clients.CreateClient(Client).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await RefusalAsync(response, cancellationToken);
        }
        var limit = narration.Value.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        var path = Path.Combine(directory, $"scene-{request.Position}.{settings.Format}");
        try
        {
            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = File.Create(path);
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (file.Length + read > limit)
                {
                    throw TooLarge(limit);
                }
                await file.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new SpeechProviderException("the connection to the speech provider broke while it was sending the audio.", ex);
        }
        return new SpokenAudio(path, settings.ContentType);
    }

    private static async Task<SpeechProviderException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var said = ProviderAnswers.Quote(await ErrorMessageAsync(response, cancellationToken));
        var suffix = said.Length > 0 ? $": {said}" : ".";
        var code = (int)response.StatusCode;
        return new SpeechProviderException(response.StatusCode switch
        {
            // The provider's text is left out on purpose: OpenAI echoes part of the rejected key.
            HttpStatusCode.Unauthorized => "the speech provider rejected the key (HTTP 401); check Narration:OpenAI:ApiKey.",
            HttpStatusCode.Forbidden => $"the speech provider refused access (HTTP 403){suffix}",
            HttpStatusCode.NotFound => $"the speech provider has no such endpoint or model (HTTP 404); check Narration:OpenAI:BaseUrl and Model{suffix}",
            HttpStatusCode.TooManyRequests => $"the speech provider kept refusing for too many requests (HTTP 429), retries included{suffix}",
            >= HttpStatusCode.InternalServerError => $"the speech provider failed (HTTP {code}), retries included{suffix}",
            _ => $"the speech provider refused the request (HTTP {code}){suffix}",
        });
    }

    /// <summary>The <c>error.message</c> of an OpenAI error answer, if it is small and has one.</summary>
    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (await RemoteImageCalls.ReadErrorAsync(response, cancellationToken) is not { } body)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String
                ? text.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SpeechProviderException TooLarge(long limit) =>
        new($"the speech provider's answer was larger than {limit / (1024.0 * 1024):0.#} MB, more than a scene's speech should be (Narration:MaxResponseBytes).");

    /// <summary>Transport failures that survived the retries, in words; anything else is unexpected and stays as it is.</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        SpeechProviderException => null,
        TimeoutRejectedException timeout => $"the speech provider did not answer within {Durations.Describe(timeout.Timeout)}, even after retrying.",
        BrokenCircuitException => "the speech provider failed repeatedly, so calls to it are paused for a short while; try again in a minute.",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "the speech provider could not be reached: its host name does not resolve.",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "the speech provider could not be reached: the connection was refused or timed out.",
        HttpRequestException => "the connection to the speech provider failed before it answered.",
        OperationCanceledException => "the speech provider did not answer in time.",
        _ => null,
    };
}
