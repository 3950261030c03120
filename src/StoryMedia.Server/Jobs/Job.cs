namespace StoryMedia.Jobs;

/// <summary>The kinds of generation job; each has its own table and the same guard.</summary>
public enum JobKind
{
    Image,
    Video,
}

public static class JobStatus
{
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>One row of a job table.</summary>
public sealed record Job(
    Guid Id,
    JobKind Kind,
    Guid StoryId,
    Guid UserId,
    string Status,
    int Progress,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset HeartbeatAt,
    int Attempts,
    string? WorkerId,
    DateTimeOffset? LeaseExpiresAt,
    string? Style,
    string? Instructions)
{
    public bool IsProcessing => Status == JobStatus.Processing;
}

/// <summary>What a worker holds while it runs a job: every write it makes is fenced on all of it.</summary>
public sealed record JobLease(JobKind Kind, Guid JobId, Guid StoryId, string WorkerId, int Attempt);

/// <param name="TraceParent">The W3C trace context of the request that started the job, so the worker's span joins its trace.</param>
public sealed record NewJob(Guid StoryId, Guid UserId, string? Style, string? Instructions, string? TraceParent = null);

public abstract record StartOutcome
{
    /// <summary>The new job, and the stale jobs its start cleared (a video start also clears a stale image job).</summary>
    public sealed record Started(Job Job, IReadOnlyList<Job> ClearedStale) : StartOutcome;

    public sealed record AlreadyRunning(Job Job) : StartOutcome;

    /// <summary>A job of another kind is processing for the story and this one must wait for it (a video for an image job).</summary>
    public sealed record BlockedBy(Job Job) : StartOutcome;

    /// <summary>A video needs an image for every scene; these scene positions have none.</summary>
    public sealed record ImagesMissing(IReadOnlyList<int> ScenePositions) : StartOutcome;

    public sealed record StoryNotFound : StartOutcome;
}

public abstract record ClearOutcome
{
    public sealed record Cleared(Job? Job) : ClearOutcome;

    public sealed record StoryNotFound : ClearOutcome;
}
