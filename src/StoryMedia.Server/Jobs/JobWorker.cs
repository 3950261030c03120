using Microsoft.Extensions.Options;

namespace StoryMedia.Jobs;

/// <summary>
/// Runs one claimed job to its end: heartbeats alongside the work, completes it (publishing its results
/// atomically) or fails it with a readable reason, and stops at once when the job is cleared or lost.
/// </summary>
public sealed class JobWorker(
    JobStore store,
    RunningJobs running,
    IEnumerable<IJobExecutor> executors,
    IOptions<JobOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger)
{
    private readonly Dictionary<JobKind, IJobExecutor> executorByKind = executors.ToDictionary(e => e.Kind);

    public IReadOnlyCollection<JobKind> Kinds => executorByKind.Keys;

    public async Task RunAsync(Job job, string workerId, CancellationToken stopping)
    {
        var lease = new JobLease(job.Kind, job.Id, job.StoryId, workerId, job.Attempts);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id, ["StoryId"] = job.StoryId, ["Kind"] = job.Kind });
        using var cancel = running.Register(job.Id, stopping);
        var context = new JobContext(job, lease, store, time, options.Value.LeaseDuration);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(context, cancel, heartbeatStop.Token);
        logger.LogInformation("Worker {WorkerId} runs {Kind} job {JobId}, attempt {Attempt}", workerId, job.Kind, job.Id, job.Attempts);
        try
        {
            await executorByKind[job.Kind].ExecuteAsync(context, cancel.Token);
            await heartbeatStop.CancelAsync();
            if (await store.CompleteAsync(lease, time.GetUtcNow(), CancellationToken.None))
            {
                logger.LogInformation("Completed {Kind} job {JobId}", job.Kind, job.Id);
            }
            else
            {
                logger.LogWarning("Discarded the result of {Kind} job {JobId}: it was cleared or taken over", job.Kind, job.Id);
            }
        }
        catch (Exception ex) when (ex is JobLostException || (ex is OperationCanceledException && cancel.IsCancellationRequested))
        {
            if (stopping.IsCancellationRequested)
            {
                // Shutting down: hand the job back so another instance resumes it now rather than when the lease
                // runs out. The release is fenced, so a job cleared meanwhile stays cleared.
                var released = await store.ReleaseAsync(lease, CancellationToken.None);
                logger.LogInformation("Handed {Kind} job {JobId} back on shutdown (released: {Released})", job.Kind, job.Id, released);
            }
            else
            {
                logger.LogInformation("Stopped {Kind} job {JobId}: it was cleared or taken over", job.Kind, job.Id);
            }
        }
        catch (Exception ex)
        {
            var reason = ex is JobFailedException ? ex.Message : $"Unexpected error in job {job.Id}; the server log has the details.";
            logger.LogError(ex, "{Kind} job {JobId} failed: {Reason}", job.Kind, job.Id, reason);
            await store.FailAsync(lease, reason, time.GetUtcNow(), CancellationToken.None);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            running.Unregister(job.Id);
        }
    }

    /// <summary>Keeps the lease alive while the work runs; a heartbeat that matches no row means the job is gone.</summary>
    private async Task HeartbeatAsync(JobContext context, CancellationTokenSource cancelJob, CancellationToken stop)
    {
        var interval = options.Value.HeartbeatInterval;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stop);
                var now = time.GetUtcNow();
                if (!await store.HeartbeatAsync(context.Lease, context.Progress, now, now + options.Value.LeaseDuration, stop))
                {
                    logger.LogWarning("Heartbeat of job {JobId} matched nothing: it was cleared or taken over; stopping", context.Lease.JobId);
                    await cancelJob.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be away for a moment; the lease covers a few missed beats and fencing covers the rest.
                logger.LogWarning(ex, "Heartbeat of job {JobId} failed; retrying", context.Lease.JobId);
            }
        }
    }
}
