namespace StoryMedia.Bench;

/// <summary>How big each scenario is: the full run for docs/benchmarks.md, or a smoke run that only proves the code still works.</summary>
public sealed record BenchSizes(
    string Name,
    int ContentionRequests,
    int ContentionRounds,
    int ThroughputSeconds,
    int StoreWorkers,
    int HttpWorkers,
    int PostgresStories,
    int SqliteStories,
    int PgbenchGuardStories,
    int PipelineScenes,
    int PipelineRuns,
    TimeSpan LeaseDuration,
    TimeSpan HeartbeatInterval,
    TimeSpan StaleAfter,
    int RecoveryScenes,
    TimeSpan RecoveryDelayPerImage)
{
    public static readonly BenchSizes Full = new(
        "full", ContentionRequests: 500, ContentionRounds: 5, ThroughputSeconds: 8, StoreWorkers: 8, HttpWorkers: 16,
        PostgresStories: 60_000, SqliteStories: 60_000, PgbenchGuardStories: 300_000, PipelineScenes: 60, PipelineRuns: 5,
        LeaseDuration: TimeSpan.FromSeconds(3), HeartbeatInterval: TimeSpan.FromSeconds(0.5), StaleAfter: TimeSpan.FromSeconds(3),
        RecoveryScenes: 12, RecoveryDelayPerImage: TimeSpan.FromSeconds(0.3));

    public static readonly BenchSizes Smoke = new(
        "smoke", ContentionRequests: 20, ContentionRounds: 1, ThroughputSeconds: 1, StoreWorkers: 2, HttpWorkers: 2,
        PostgresStories: 3_000, SqliteStories: 3_000, PgbenchGuardStories: 50_000, PipelineScenes: 3, PipelineRuns: 1,
        LeaseDuration: TimeSpan.FromSeconds(1.5), HeartbeatInterval: TimeSpan.FromSeconds(0.25), StaleAfter: TimeSpan.FromSeconds(1),
        RecoveryScenes: 4, RecoveryDelayPerImage: TimeSpan.FromSeconds(0.2));
}
