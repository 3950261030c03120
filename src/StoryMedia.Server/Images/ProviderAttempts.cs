using System.Runtime.CompilerServices;

namespace StoryMedia.Images;

/// <summary>
/// Counts the HTTP attempts of one provider call, retries included, for the image's provenance. It sits inside the
/// resilience handler, which sends the same request message on every attempt.
/// </summary>
public sealed class ProviderAttempts : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<StrongBox<int>> Key = new("storymedia.provider_attempts");

    /// <summary>The counter of <paramref name="request"/>'s attempts, read once the call has answered.</summary>
    public static StrongBox<int> Count(HttpRequestMessage request)
    {
        var counter = new StrongBox<int>();
        request.Options.Set(Key, counter);
        return counter;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Key, out var counter))
        {
            Interlocked.Increment(ref counter.Value);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
