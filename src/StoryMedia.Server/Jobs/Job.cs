namespace StoryMedia.Jobs;

public static class JobStatus
{
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>One row of a job table; <see cref="Kind"/> is the name of the registered kind whose table it is in.</summary>
public sealed record Job(
    Guid Id,
    string Kind,
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
public sealed record JobLease(string Kind, Guid JobId, Guid StoryId, string WorkerId, int Attempt)
{
    public static JobLease Of(Job job) => new(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts);
}

/// <summary>A user's bounds, checked by every start in the database: they hold across instances.</summary>
public sealed record UserBounds(int MaxWaiting, int StartsPerWindow, TimeSpan Window);

/// <param name="TraceParent">The W3C trace context of the request that started the job, so the worker's span joins its trace.</param>
/// <param name="SceneIds">The scenes the writer chose, each once, or null for the whole story (see <see cref="IJobKind.ChoosesScenes"/>).</param>
/// <param name="SameSeed">Draw each scene with its current media's seed, where it has one.</param>
/// <param name="Options">What the kind read from its own members of the start's body (<see cref="IJobKind.ReadStart"/>).</param>
/// <param name="Webhook">Where to send the job's events, written in the start's transaction.</param>
public sealed record NewJob(
    Guid StoryId, Guid UserId, string? Style, string? Instructions, string? TraceParent = null,
    IReadOnlyList<Guid>? SceneIds = null, bool SameSeed = false, object? Options = null, Webhooks.WebhookSubscription? Webhook = null);

public abstract record StartOutcome
{
    /// <summary>The new job, and the stale jobs its start cleared (its own kind's, and those of the kinds that block it).</summary>
    /// <param name="Queue">The user's place in the queue as the start committed it, for the answer's queue position.</param>
    public sealed record Started(Job Job, IReadOnlyList<Job> ClearedStale, UserInQueue? Queue) : StartOutcome;

    public sealed record AlreadyRunning(Job Job) : StartOutcome;

    /// <summary>A job of another kind is processing for the story, and that kind blocks this one's start.</summary>
    public sealed record BlockedBy(Job Job) : StartOutcome;

    /// <summary>The kind's own start check refused: the story is not ready for it (e.g. a video with scenes that have no image).</summary>
    /// <param name="Facts">Extra members of the problem details, in the API's snake_case.</param>
    /// <param name="Status">422, or 400 when the request itself names what is not there (a chosen scene of another story).</param>
    public sealed record NotReady(string Title, string Detail, IReadOnlyDictionary<string, object?> Facts, int Status = 422) : StartOutcome;

    public sealed record StoryNotFound : StartOutcome;

    /// <summary>The user is at one of their bounds (<c>Jobs:MaxWaitingPerUser</c>, <c>RateLimits:StartsPerWindow</c>): nothing was written.</summary>
    /// <param name="Setting">The setting that bounds it, named in the answer.</param>
    public sealed record OverUserBound(string Setting, int Limit, string Detail, TimeSpan RetryAfter) : StartOutcome;

    /// <summary>Every try lost its race to a job that ended before it could be read: the story's jobs change too fast to answer now.</summary>
    public sealed record Contended : StartOutcome;
}

public abstract record ClearOutcome
{
    public sealed record Cleared(Job? Job) : ClearOutcome;

    public sealed record StoryNotFound : ClearOutcome;
}
