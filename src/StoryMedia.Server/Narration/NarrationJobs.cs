using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using StoryMedia.Jobs;
using StoryMedia.Operations;

namespace StoryMedia.Narration;

public static class NarrationJobs
{
    /// <summary>Narration jobs, spoken by the provider the <c>Narration</c> section names (the built-in voice unless told).</summary>
    public static IServiceCollection AddNarrationJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Narration");
        services.AddExplainedOptions<NarrationOptions>(section);
        services.AddSingleton<AudioTools>();
        services.AddSingleton<NarrationJobOutputs>();
        IReadOnlyList<string>? voices = null;
        if (string.Equals(section["Provider"], NarrationOptions.OpenAI, StringComparison.OrdinalIgnoreCase))
        {
            services.AddExplainedOptions<OpenAISpeechOptions>(section.GetSection("OpenAI"));
            services.AddSingleton<ISpeechProvider, OpenAISpeechProvider>();
            services.AddSpeechClient();
        }
        else
        {
            services.AddSingleton<ISpeechProvider, BuiltinVoice>();
            voices = BuiltinVoice.Voices;
        }
        return services.AddJobKind<NarrationJobExecutor>(new NarrationJobKind(voices));
    }

    /// <summary>The speech client behind the standard resilience handler, tuned by <c>Narration</c> as the image providers' are by <c>Images</c>.</summary>
    private static void AddSpeechClient(this IServiceCollection services) =>
        services.AddHttpClient(OpenAISpeechProvider.Client, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider provider) =>
            {
                var narration = provider.GetRequiredService<IOptions<NarrationOptions>>().Value;
                resilience.AttemptTimeout.Timeout = narration.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = narration.TotalTimeout;
                resilience.Retry.MaxRetryAttempts = narration.MaxRetries;
                resilience.Retry.Delay = narration.RetryDelay;
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.UseJitter = true;
                resilience.Retry.ShouldRetryAfterHeader = true;
                resilience.CircuitBreaker.MinimumThroughput = 8;
                resilience.CircuitBreaker.FailureRatio = 0.5;
                resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 2 * narration.AttemptTimeout.Ticks));
            });
}
