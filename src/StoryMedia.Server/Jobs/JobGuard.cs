using System.Diagnostics;
using Microsoft.Extensions.Options;
using StoryMedia.Http;
using StoryMedia.Operations;

namespace StoryMedia.Jobs;

/// <summary>
/// Starts and clears jobs for users and operators, whatever the kind: at most one processing job of a kind per story, a
/// stale job cleared on the way, a cleared job's worker stopped, every decision logged and counted.
/// </summary>
public sealed class JobGuard(
    JobStore store,
    RunningJobs running,
    StoryMediaTelemetry telemetry,
    IOptions<JobOptions> options,
    IOptions<RateLimitOptions> rateLimits,
    TimeProvider time,
    ILogger<JobGuard> logger)
{
    public const string ClearedByUser = "Cleared by the user before it finished.";

    public const string ClearedByOperator = "Cleared by an operator before it finished.";

    public async Task<StartOutcome> StartAsync(string kind, NewJob job, CancellationToken cancellationToken)
    {
        var staleAfter = options.Value.StaleAfter;
        var now = time.GetUtcNow();
        var staleError = $"Cleared automatically: no heartbeat for more than {Durations.Describe(staleAfter)}, so the job was considered stuck.";
        using var activity = StoryMediaTelemetry.Source.StartActivity(StoryMediaTelemetry.SpanName("start", kind));
        activity?.SetTag("storymedia.story_id", job.StoryId);
        // The worker that claims the job, on any instance, continues this trace.
        var bounds = new UserBounds(options.Value.MaxWaitingPerUser, rateLimits.Value.StartsPerWindow, rateLimits.Value.Window);
        var outcome = await store.StartAsync(kind, job with { TraceParent = Activity.Current?.Id }, bounds, now, now - staleAfter, staleError, cancellationToken);
        switch (outcome)
        {
            case StartOutcome.Started started:
                foreach (var stale in started.ClearedStale)
                {
                    logger.LogWarning("Cleared stale {Kind} job {JobId} of story {StoryId}; last heartbeat {HeartbeatAt:o}", stale.Kind, stale.Id, stale.StoryId, stale.HeartbeatAt);
                    running.Cancel(stale.Id);
                    telemetry.ClearedStale(stale.Kind);
                }
                activity?.SetTag("storymedia.job_id", started.Job.Id);
                telemetry.Started(kind);
                logger.LogInformation("Started {Kind} job {JobId} for story {StoryId}", kind, started.Job.Id, job.StoryId);
                running.NotifyStarted();
                break;
            case StartOutcome.AlreadyRunning conflict:
                logger.LogInformation("Refused a second {Kind} job for story {StoryId}: job {JobId} is processing", kind, job.StoryId, conflict.Job.Id);
                activity?.SetTag("storymedia.job_id", conflict.Job.Id);
                telemetry.Conflict(kind);
                break;
            case StartOutcome.BlockedBy blocked:
                logger.LogInformation("Refused a {Kind} job for story {StoryId}: {OtherKind} job {JobId} is processing", kind, job.StoryId, blocked.Job.Kind, blocked.Job.Id);
                break;
            case StartOutcome.OverUserBound over:
                logger.LogInformation("Refused a {Kind} job for story {StoryId}: the user is at {Setting} = {Limit}", kind, job.StoryId, over.Setting, over.Limit);
                break;
            case StartOutcome.Contended:
                logger.LogWarning("Gave up starting a {Kind} job for story {StoryId}: every try lost its race to a job that ended at once", kind, job.StoryId);
                break;
        }
        return outcome;
    }

    /// <param name="reason">The error the cleared job keeps: <see cref="ClearedByUser"/> or <see cref="ClearedByOperator"/>.</param>
    public async Task<ClearOutcome> ClearAsync(string kind, Guid storyId, Guid userId, string reason, CancellationToken cancellationToken)
    {
        var outcome = await store.ClearAsync(kind, storyId, userId, reason, time.GetUtcNow(), cancellationToken);
        if (outcome is ClearOutcome.Cleared { Job: { } job })
        {
            logger.LogInformation("Cleared {Kind} job {JobId} of story {StoryId}: {Reason}", kind, job.Id, storyId, reason);
            running.Cancel(job.Id);
            telemetry.Cleared(kind);
        }
        return outcome;
    }
}

public static class Durations
{
    public static string Describe(TimeSpan span) => span switch
    {
        { TotalSeconds: < 1 } => $"{span.TotalMilliseconds:0} ms",
        { TotalMinutes: < 1 } => Plural(span.TotalSeconds, "second"),
        { TotalHours: < 1 } => Plural(span.TotalMinutes, "minute"),
        _ => Plural(span.TotalHours, "hour"),
    };

    private static string Plural(double value, string unit)
    {
        var rounded = Math.Round(value, 1);
        return FormattableString.Invariant($"{rounded:0.#} {unit}{(rounded == 1 ? "" : "s")}");
    }
}
