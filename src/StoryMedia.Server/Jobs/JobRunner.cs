using Microsoft.Extensions.Options;
using StoryMedia.Operations;

namespace StoryMedia.Jobs;

/// <summary>
/// This instance's workers: each claims a waiting or orphaned job from the database by lease, runs it,
/// and looks again. Any instance may run any job; the database decides who holds it.
/// </summary>
public sealed class JobRunner(
    JobStore store,
    JobKinds kinds,
    JobWorker worker,
    RunningJobs running,
    StoryMediaTelemetry telemetry,
    IOptions<JobOptions> options,
    TimeProvider time,
    ILogger<JobRunner> logger) : BackgroundService
{
    // Leases end strictly after their expiry instant; waking a little later finds the job claimable.
    private static readonly TimeSpan LeaseExpiryMargin = TimeSpan.FromMilliseconds(20);

    /// <summary>Unique per process and per runner, so two instances in one test process never share a lease.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.WorkerConcurrency;
        logger.LogInformation("Job runner {InstanceId} starts {Concurrency} workers", InstanceId, concurrency);
        // Shutdown stops claiming at once, but running jobs get ShutdownGrace to finish before they are handed back.
        using var handBack = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        await using var grace = stoppingToken.Register(() =>
        {
            logger.LogInformation("Job runner {InstanceId} stops claiming; running jobs have {Grace} to finish", InstanceId, options.Value.ShutdownGrace);
            handBack.CancelAfter(options.Value.ShutdownGrace);
        });
        var loops = Enumerable.Range(0, concurrency).Select(i => WorkAsync($"{InstanceId}/{i}", handBack.Token, stoppingToken)).ToList();
        if (concurrency > 0)
        {
            loops.Add(VouchForWaitingAsync(stoppingToken));
        }
        await Task.WhenAll(loops);
    }

    /// <summary>
    /// While this instance can run jobs, jobs waiting for a worker are not stuck: it heartbeats them on their behalf
    /// so a start does not clear a job that only waits its turn.
    /// </summary>
    private async Task VouchForWaitingAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.HeartbeatInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                foreach (var kind in kinds.All.Select(k => k.Name))
                {
                    await store.VouchForWaitingAsync(kind, now, now - interval, stoppingToken);
                }
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job runner {InstanceId} could not heartbeat the waiting jobs; trying again", InstanceId);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task WorkAsync(string workerId, CancellationToken handBack, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var nextStart = running.NextStart;
            var ranJob = false;
            var wait = options.Value.PollInterval;
            try
            {
                var (ran, nextLeaseExpiry) = await ClaimAndRunAsync(workerId, handBack, stoppingToken);
                ranJob = ran;
                if (nextLeaseExpiry is { } expiry)
                {
                    // Just past the expiry, when the claim can take the job.
                    var untilClaimable = expiry - time.GetUtcNow() + LeaseExpiryMargin;
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks, Math.Max(untilClaimable.Ticks, LeaseExpiryMargin.Ticks)));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Worker {WorkerId} could not claim a job; trying again", workerId);
            }
            if (!ranJob)
            {
                await Task.WhenAny(nextStart, Task.Delay(wait, time, stoppingToken));
            }
        }
    }

    /// <summary>
    /// One fair claim over every kind (<see cref="JobStore.ClaimAsync"/>): whether a job ran; if none could be claimed,
    /// when the soonest lease runs out.
    /// </summary>
    private async Task<(bool Ran, DateTimeOffset? NextLeaseExpiry)> ClaimAndRunAsync(string workerId, CancellationToken handBack, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var claim = await store.ClaimAsync(workerId, time.GetUtcNow(), o.LeaseDuration, o.MaxAttempts, o.MaxRunningPerUser, stoppingToken);
        foreach (var exhausted in claim.Exhausted)
        {
            logger.LogWarning("{Kind} job {JobId} failed after {Attempts} attempts", exhausted.Kind, exhausted.Id, exhausted.Attempts);
        }
        if (claim.Claimed is not { } job)
        {
            return (false, claim.NextLeaseExpiry);
        }
        if (job.Attempts > 1)
        {
            logger.LogInformation("Worker {WorkerId} took over {Kind} job {JobId} (attempt {Attempt})", workerId, job.Kind, job.Id, job.Attempts);
            telemetry.TakenOver(job.Kind);
        }
        await worker.RunAsync(job, workerId, handBack);
        return (true, null);
    }
}
