using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using StoryMedia.Operations;

namespace StoryMedia.Images;

/// <summary>Chooses the image provider named by <c>Images:Provider</c> and gives remote ones resilient HTTP clients.</summary>
public static class ImageProviders
{
    public static IServiceCollection AddImageProviders(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Images");
        services.AddExplainedOptions<ImageOptions>(section);
        var provider = section["Provider"] ?? ImageOptions.Builtin;
        switch (provider.ToLowerInvariant())
        {
            case ImageOptions.Builtin:
                services.AddOptions<BuiltinRendererOptions>().Bind(section.GetSection("Builtin"));
                services.AddSingleton<IImageProvider, BuiltinRenderer>();
                break;
            case ImageOptions.OpenAI:
                services.AddExplainedOptions<OpenAIOptions>(section.GetSection("OpenAI"));
                services.AddRemoteProvider<OpenAIImageProvider>();
                services.AddProviderClient(OpenAIImageProvider.Client, quotaAware: true);
                services.AddProviderClient(OpenAIImageProvider.DownloadClient, quotaAware: false);
                break;
            case ImageOptions.Automatic1111:
                services.AddExplainedOptions<Automatic1111Options>(section.GetSection("Automatic1111"));
                services.AddRemoteProvider<Automatic1111Provider>();
                services.AddProviderClient(Automatic1111Provider.Client, quotaAware: false);
                break;
            default:
                throw new InvalidOperationException($"Images:Provider must be builtin, openai or automatic1111, not '{provider}'.");
        }
        return services;
    }

    private static void AddRemoteProvider<T>(this IServiceCollection services)
        where T : class, IImageProvider
    {
        services.AddSingleton<RemoteImageCalls>();
        services.AddSingleton<IImageProvider, T>();
    }

    /// <summary>
    /// A named client behind the standard resilience handler (concurrency limiter, total timeout, retry with
    /// jittered exponential backoff that honours Retry-After, circuit breaker, attempt timeout), tuned by <c>Images</c>.
    /// </summary>
    private static void AddProviderClient(this IServiceCollection services, string name, bool quotaAware)
    {
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider provider) =>
            {
                var images = provider.GetRequiredService<IOptions<ImageOptions>>().Value;
                resilience.AttemptTimeout.Timeout = images.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = images.TotalTimeout;
                resilience.Retry.MaxRetryAttempts = images.MaxRetries;
                resilience.Retry.Delay = images.RetryDelay;
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.UseJitter = true;
                resilience.Retry.ShouldRetryAfterHeader = true;
                if (quotaAware)
                {
                    // A paid call is retried only when its outcome proves no image was made: the Images API takes no
                    // idempotency key, so a call whose request went out and whose answer was lost may have been billed.
                    resilience.Retry.ShouldHandle = async args =>
                        HttpClientResiliencePredicates.IsTransient(args.Outcome)
                        && !MayHaveBeenBilled(args.Outcome.Exception)
                        && !(args.Outcome.Result is { } response && await OpenAIImageProvider.IsQuotaExhaustedAsync(response));
                }
                // Image calls are few and slow: judge the provider on a handful of them, over a window the
                // standard handler requires to be at least twice an attempt.
                resilience.CircuitBreaker.MinimumThroughput = 8;
                resilience.CircuitBreaker.FailureRatio = 0.5;
                resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 2 * images.AttemptTimeout.Ticks));
            });
    }

    /// <summary>An attempt that timed out or lost its connection after the request was sent; a refused connection never reached the provider.</summary>
    private static bool MayHaveBeenBilled(Exception? failure) => failure switch
    {
        null => false,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError } => false,
        _ => true,
    };
}
