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
        "full", ContentionRequests: 500, ContentionRounds: 5, ThroughputSeconds: 5, StoreWorkers: 8, HttpWorkers: 16,
        PostgresStories: 60_000, SqliteStories: 60_000, PgbenchGuardStories: 30_000, PipelineScenes: 40, PipelineRuns: 15,
        LeaseDuration: TimeSpan.FromSeconds(3), HeartbeatInterval: TimeSpan.FromSeconds(0.5), StaleAfter: TimeSpan.FromSeconds(3),
        RecoveryScenes: 12, RecoveryDelayPerImage: TimeSpan.FromSeconds(0.3));

    public static readonly BenchSizes Smoke = new(
        "smoke", ContentionRequests: 20, ContentionRounds: 1, ThroughputSeconds: 1, StoreWorkers: 2, HttpWorkers: 2,
        PostgresStories: 3_000, SqliteStories: 3_000, PgbenchGuardStories: 5_000, PipelineScenes: 3, PipelineRuns: 2,
        LeaseDuration: TimeSpan.FromSeconds(1.5), HeartbeatInterval: TimeSpan.FromSeconds(0.25), StaleAfter: TimeSpan.FromSeconds(1),
        RecoveryScenes: 4, RecoveryDelayPerImage: TimeSpan.FromSeconds(0.2))
    {
        VideoScenes = 2,
        VideoLongScenes = 3,
        VideoRuns = 1,
        VideoSecondsPerScene = 1,
        FairScenes = 3,
        FairRounds = 1,
        ClaimUsers = 10,
        ClaimJobsPerUser = 5,
        Claims = 10,
        ClaimRounds = 1,
        WebhookJobs = 5,
        ThroughputRounds = 1,
    };

    /// <summary>
    /// Rounds of PostgreSQL's start throughput: each runs pgbench and the store, HTTP starts and GETs, in alternating order;
    /// the figures are the medians (one pgbench run swung from 577 to 1,714 tps between full runs on this machine).
    /// </summary>
    public int ThroughputRounds { get; init; } = 3;

    /// <summary>Scenes of the story whose video is measured against plain stills.</summary>
    public int VideoScenes { get; init; } = 12;

    /// <summary>Scenes of the long story whose cost per frame is set beside the short one's.</summary>
    public int VideoLongScenes { get; init; } = 60;

    /// <summary>Runs each of the plain encode, the short video and the long one, in turn: an odd count has a true median.</summary>
    public int VideoRuns { get; init; } = 3;

    /// <summary>How long each scene is shown: the service's default in the full run, shorter in the smoke.</summary>
    public double VideoSecondsPerScene { get; init; } = new Videos.VideoOptions().SecondsPerScene;

    /// <summary>Scenes of each of user A's four jobs in the fairness scenario, and how many times it is played.</summary>
    public int FairScenes { get; init; } = 30;

    public int FairRounds { get; init; } = 3;

    /// <summary>One-scene jobs whose webhooks are delivered and timed.</summary>
    public int WebhookJobs { get; init; } = 200;

    /// <summary>The claim's cost: a queue of users × jobs waiting, claims per batch, batches each side.</summary>
    public int ClaimUsers { get; init; } = 200;

    public int ClaimJobsPerUser { get; init; } = 10;

    public int Claims { get; init; } = 100;

    public int ClaimRounds { get; init; } = 3;
}
