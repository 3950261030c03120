using StoryMedia.Operations;

namespace StoryMedia.Jobs;

/// <summary>The <c>Jobs</c> configuration section.</summary>
public sealed class JobOptions : IExplainedOptions
{
    /// <summary>A processing job with no heartbeat for this long is stuck; the next start clears it (the seed's five minutes).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a worker proves it is alive and extends its lease, even in the middle of a slow provider call.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim lasts without a heartbeat before another worker may take the job over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Claims of one job before it fails for good.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Jobs this instance runs at once; 0 makes it an API-only node.</summary>
    public int WorkerConcurrency { get; set; } = 2;

    /// <summary>
    /// Jobs of one user being worked on at once, over every kind and every instance: the claim passes over a user at
    /// the bound, so one user's backlog never holds every worker. Two lets a lone user keep one instance's two workers busy.
    /// </summary>
    public int MaxRunningPerUser { get; set; } = 2;

    /// <summary>Jobs of one user waiting for a worker, over every kind and instance; a start beyond it answers 429.</summary>
    public int MaxWaitingPerUser { get; set; } = 10;

    /// <summary>
    /// On shutdown (SIGTERM), how long a running job may go on to finish; after that its lease is handed back
    /// so another instance resumes it at once. The host's shutdown timeout is kept longer than this.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often an idle worker looks for jobs started on other instances or orphaned by dead workers.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an event stream reads the job, which may run on any instance.</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a story's change log keeps an event (docs/events.md): a stream reconnecting later is told to refetch.</summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How old the snapshot of other users' jobs behind a waiting job's <c>queue_position</c> may be: each instance reads
    /// the whole queue at most this often, however many starts and 409s it answers. The job's own user is read each time.
    /// </summary>
    public TimeSpan QueuePositionMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { HeartbeatInterval.Ticks: <= 0 } => "Jobs:HeartbeatInterval must be positive.",
            _ when LeaseDuration <= HeartbeatInterval => "Jobs:LeaseDuration must be longer than Jobs:HeartbeatInterval.",
            _ when StaleAfter <= HeartbeatInterval => "Jobs:StaleAfter must be longer than Jobs:HeartbeatInterval.",
            { MaxAttempts: < 1 } => "Jobs:MaxAttempts must be at least 1.",
            { WorkerConcurrency: < 0 } => "Jobs:WorkerConcurrency must be 0 or more.",
            { MaxRunningPerUser: < 1 } or { MaxWaitingPerUser: < 1 } => "Jobs:MaxRunningPerUser and Jobs:MaxWaitingPerUser must be at least 1.",
            { ShutdownGrace.Ticks: < 0 } => "Jobs:ShutdownGrace must be 0 or more.",
            { PollInterval.Ticks: <= 0 } or { EventPollInterval.Ticks: <= 0 } => "Jobs:PollInterval and Jobs:EventPollInterval must be positive.",
            { EventRetention.Ticks: <= 0 } => "Jobs:EventRetention must be positive.",
            { QueuePositionMaxAge.Ticks: < 0 } => "Jobs:QueuePositionMaxAge must be 0 or more.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
