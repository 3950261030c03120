using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>
/// What every call to a remote provider shares: a bounded number in flight from this instance, the answer read
/// with a size cap, and transport failures told in words. The HTTP resilience (timeouts, retries, circuit
/// breaker) sits in the named clients' handlers, inside this.
/// </summary>
public sealed class RemoteImageCalls(IOptions<ImageOptions> options, ILogger<RemoteImageCalls> logger) : IDisposable
{
    private const long ErrorBodyLimit = 64 * 1024;
    private readonly SemaphoreSlim slots = new(options.Value.EffectiveMaxConcurrency);

    public int MaxConcurrency => options.Value.EffectiveMaxConcurrency;

    /// <summary>
    /// Runs <paramref name="call"/> in a slot. When the job's token cancels it, <paramref name="onCancelled"/> runs
    /// before the slot is given back, so the next call cannot start ahead of it.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, Func<Task>? onCancelled, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await call(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && onCancelled is not null)
        {
            await onCancelled();
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Describe(ex) is { } reason)
        {
            logger.LogWarning(ex, "Image provider call failed: {Reason}", reason);
            throw new ImageProviderException(reason, ex);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Reads a success answer, refusing one larger than <c>Images:MaxResponseBytes</c> instead of buffering it.</summary>
    public Task<byte[]> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ReadLimitedAsync(response, options.Value.MaxResponseBytes, cancellationToken);

    /// <summary>
    /// Reads an error answer's body into a buffer, so it can be read again (the retry predicate looks first), or
    /// null when it is too large or unreadable: the status alone must then do.
    /// </summary>
    public static async Task<byte[]?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > ErrorBodyLimit)
        {
            return null;
        }
        try
        {
            await response.Content.LoadIntoBufferAsync(ErrorBodyLimit, cancellationToken);
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null;
        }
    }

    public void Dispose() => slots.Dispose();

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, long limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            // Sized from Content-Length when there is one, so a large image is not copied while the buffer grows.
            using var buffer = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? 0, limit));
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new ImageProviderException("the connection to the image provider broke while it was sending its answer.", ex);
        }
    }

    private static ImageProviderException TooLarge(long limit) =>
        new($"the image provider's answer was larger than {limit / (1024.0 * 1024):0.#} MB, more than an image should be (Images:MaxResponseBytes).");

    /// <summary>Transport failures that survived the retries, in words; anything else is unexpected and stays as it is.</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        ImageProviderException => null,
        TimeoutRejectedException timeout => $"the image provider did not answer within {Durations.Describe(timeout.Timeout)}.",
        BrokenCircuitException => "the image provider failed repeatedly, so calls to it are paused for a short while; try again in a minute.",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "the image provider could not be reached: its host name does not resolve.",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "the image provider could not be reached: the connection was refused or timed out.",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "the image provider could not be reached: the TLS connection failed.",
        HttpRequestException => "the connection to the image provider failed before it answered.",
        // HttpClient's own timeout, should one be configured: the job's token was not the one cancelled.
        OperationCanceledException => "the image provider did not answer in time.",
        _ => null,
    };
}
