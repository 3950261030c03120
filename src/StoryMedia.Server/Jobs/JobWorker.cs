using System.Diagnostics;
using Microsoft.Extensions.Options;
using StoryMedia.Data;
using StoryMedia.Operations;

namespace StoryMedia.Jobs;

/// <summary>
/// Runs one claimed job to its end: heartbeats alongside the work, completes it (publishing its results
/// atomically) or fails it with a readable reason, and stops at once when the job is cleared or lost.
/// A database that is away for a moment pauses the job instead of failing it.
/// </summary>
public sealed class JobWorker(
    JobStore store,
    RunningJobs running,
    IServiceProvider services,
    StoryMediaTelemetry telemetry,
    IOptions<JobOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the job; when <paramref name="handBack"/> fires (shutdown after its grace) the job is released to other instances.</summary>
    public async Task RunAsync(Job job, string workerId, CancellationToken handBack)
    {
        var lease = new JobLease(job.Kind, job.Id, job.StoryId, workerId, job.Attempts);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id, ["StoryId"] = job.StoryId, ["Kind"] = job.Kind });
        using var activity = await StartActivityAsync(job, handBack);
        using var cancel = running.Register(job.Id, handBack);
        var context = new JobContext(job, lease, store, time, options.Value.LeaseDuration);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(context, cancel, heartbeatStop.Token);
        var outcome = "lost";
        telemetry.JobRunning(job.Kind, +1);
        logger.LogInformation("Worker {WorkerId} runs {Kind} job {JobId}, attempt {Attempt}", workerId, job.Kind, job.Id, job.Attempts);
        try
        {
            await ExecuteAsync(context, cancel.Token);
            await heartbeatStop.CancelAsync();
            if (await WhileDatabaseAwayAsync(ct => store.CompleteAsync(lease, time.GetUtcNow(), ct)))
            {
                outcome = "completed";
                logger.LogInformation("Completed {Kind} job {JobId}", job.Kind, job.Id);
            }
            else
            {
                telemetry.FencedWriteRejected(job.Kind);
                logger.LogWarning("Discarded the result of {Kind} job {JobId}: it was cleared or taken over", job.Kind, job.Id);
            }
        }
        // Once the job is cancelled (cleared, lost, or handed back on shutdown) whatever the work threw is moot.
        catch (Exception ex) when (ex is JobLostException || cancel.IsCancellationRequested)
        {
            if (ex is JobLostException)
            {
                telemetry.FencedWriteRejected(job.Kind);
            }
            if (handBack.IsCancellationRequested)
            {
                outcome = "released";
                await ReleaseAsync(lease);
            }
            else
            {
                logger.LogInformation("Stopped {Kind} job {JobId}: it was cleared or taken over", job.Kind, job.Id);
            }
        }
        catch (Exception ex)
        {
            outcome = "failed";
            var reason = ex is JobFailedException ? ex.Message : $"Unexpected error in job {job.Id}; the server log has the details.";
            logger.LogError(ex, "{Kind} job {JobId} failed: {Reason}", job.Kind, job.Id, reason);
            await WhileDatabaseAwayAsync(ct => store.FailAsync(lease, reason, time.GetUtcNow(), ct));
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            running.Unregister(job.Id);
            telemetry.JobRunning(job.Kind, -1);
            telemetry.JobEnded(job.Kind, outcome, time.GetUtcNow() - job.StartedAt);
            activity?.SetTag("storymedia.outcome", outcome);
        }
    }

    /// <summary>
    /// Runs the executor, and runs it again when the database went away under it: executors resume where the
    /// job's recorded work ends, and every write is fenced, so a lease lost meanwhile stops the job cleanly.
    /// </summary>
    private async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        // The work unit comes from the job's kind, through the registry: the worker knows no kind.
        var executor = services.GetRequiredKeyedService<IJobExecutor>(context.Job.Kind);
        for (var failures = 0; ; failures++)
        {
            try
            {
                await executor.ExecuteAsync(context, cancellationToken);
                return;
            }
            catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Job {JobId} paused: the database is unavailable ({Reason}); resuming when it is back", context.Job.Id, ex.Message);
                await Task.Delay(Backoff(failures), time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A final write (complete or fail) retried while the database is away, for at most one lease: after that
    /// the job belongs to whoever claims it next, and the fenced write would be refused anyway.
    /// </summary>
    private async Task<bool> WhileDatabaseAwayAsync(Func<CancellationToken, Task<bool>> write)
    {
        var giveUpAt = time.GetUtcNow() + options.Value.LeaseDuration;
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await write(CancellationToken.None);
            }
            catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && time.GetUtcNow() < giveUpAt)
            {
                logger.LogWarning("Could not record the end of the job, the database is unavailable ({Reason}); retrying", ex.Message);
                await Task.Delay(Backoff(failures), time);
            }
        }
    }

    private async Task ReleaseAsync(JobLease lease)
    {
        try
        {
            // Shutting down: hand the job back so another instance resumes it now rather than when the lease
            // runs out. The release is fenced, so a job cleared meanwhile stays cleared.
            var released = await store.ReleaseAsync(lease, CancellationToken.None);
            logger.LogInformation("Handed {Kind} job {JobId} back on shutdown (released: {Released})", lease.Kind, lease.JobId, released);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex))
        {
            logger.LogWarning("Could not hand {Kind} job {JobId} back, the database is unavailable; another instance takes it when its lease runs out", lease.Kind, lease.JobId);
        }
    }

    /// <summary>The worker's span continues the trace of the request that started the job, whichever instance took it.</summary>
    private async Task<Activity?> StartActivityAsync(Job job, CancellationToken cancellationToken)
    {
        if (!StoryMediaTelemetry.Source.HasListeners())
        {
            return null;
        }
        string? traceParent = null;
        try
        {
            traceParent = await store.TraceParentAsync(job.Id, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            // Telemetry is best effort; the job runs without its parent span.
        }
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = StoryMediaTelemetry.Source.StartActivity(StoryMediaTelemetry.SpanName("run", job.Kind), ActivityKind.Consumer, parent);
        activity?.SetTag("storymedia.job_id", job.Id);
        activity?.SetTag("storymedia.story_id", job.StoryId);
        activity?.SetTag("storymedia.attempt", job.Attempts);
        return activity;
    }

    /// <summary>Keeps the lease alive while the work runs; a heartbeat that matches no row means the job is gone.</summary>
    private async Task HeartbeatAsync(JobContext context, CancellationTokenSource cancelJob, CancellationToken stop)
    {
        var interval = options.Value.HeartbeatInterval;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // After a failed beat, try again sooner: the lease only covers a few missed beats.
                await Task.Delay(failures == 0 ? interval : Backoff(failures - 1), time, stop);
                var now = time.GetUtcNow();
                if (!await store.HeartbeatAsync(context.Job, context.Progress, now, now + options.Value.LeaseDuration, stop))
                {
                    telemetry.FencedWriteRejected(context.Job.Kind);
                    logger.LogWarning("Heartbeat of job {JobId} matched nothing: it was cleared or taken over; stopping", context.Lease.JobId);
                    await cancelJob.CancelAsync();
                    return;
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be away for a moment; the lease covers a few missed beats and fencing covers the rest.
                failures++;
                logger.LogWarning("Heartbeat of job {JobId} failed ({Reason}); retrying", context.Lease.JobId, ex.Message);
            }
        }
    }

    /// <summary>200 ms, doubling, never longer than a heartbeat interval.</summary>
    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(failures, 10), options.Value.HeartbeatInterval.Ticks));
}
