namespace StoryMedia.Testing;

/// <summary>The settings every server a test or the benchmark starts runs with, in one place.</summary>
public static class TestSettings
{
    /// <summary>Tests and the benchmark make bursts no user would; the rate limit tests set their own small limits.</summary>
    public static IReadOnlyDictionary<string, string> NoRateLimits { get; } = new Dictionary<string, string>
    {
        ["RateLimits:StartsPerWindow"] = "1000000",
        ["RateLimits:StartRequestsPerWindow"] = "1000000",
        ["Jobs:MaxRunningPerUser"] = "1000000",
        ["Jobs:MaxWaitingPerUser"] = "1000000",
        ["RateLimits:ClearsPerWindow"] = "1000000",
        ["RateLimits:StoryWritesPerWindow"] = "1000000",
        ["RateLimits:EventStreamsPerUser"] = "1000000",
    };

    /// <summary>The same settings as environment variables (<c>Section__Key</c>), for a server run as its own process.</summary>
    public static IEnumerable<KeyValuePair<string, string>> AsEnvironment(IReadOnlyDictionary<string, string> settings) =>
        settings.Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value));
}
