namespace StoryMedia.Jobs;

/// <summary>
/// Does the work of one kind of job, registered under the kind's name; the runner around it owns the lease, heartbeats and
/// the final state.
/// </summary>
public interface IJobExecutor
{
    Task ExecuteAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>What an executor knows of the job it runs and how it reports progress.</summary>
public sealed class JobContext(Job job, JobLease lease, JobStore store, TimeProvider time, TimeSpan leaseDuration)
{
    private int progress = job.Progress;

    public Job Job => job;

    public JobLease Lease => lease;

    public int Progress => Volatile.Read(ref progress);

    /// <summary>Persists the share of work done at once (a fenced heartbeat); throws when the job is no longer ours.</summary>
    public async Task ReportAsync(int done, int total, CancellationToken cancellationToken)
    {
        var next = total == 0 ? 100 : Math.Clamp(done * 100 / total, 0, 100);
        var changed = Interlocked.Exchange(ref progress, next) != next;
        var now = time.GetUtcNow();
        var written = changed
            ? await store.ReportProgressAsync(job, next, now, now + leaseDuration, cancellationToken)
            : await store.HeartbeatAsync(job, next, now, now + leaseDuration, cancellationToken);
        if (!written)
        {
            throw new JobLostException(lease.JobId);
        }
    }

    /// <summary>Fails a fenced write: the job was cleared, completed or taken over by another worker.</summary>
    public void EnsureStillOurs(bool written)
    {
        if (!written)
        {
            throw new JobLostException(lease.JobId);
        }
    }
}

/// <summary>The worker lost the job (cleared, or taken over after its lease ran out): stop and write nothing more.</summary>
public sealed class JobLostException(Guid jobId) : Exception($"Job {jobId} is no longer held by this worker.");

/// <summary>A failure with a message meant for the person who started the job.</summary>
public sealed class JobFailedException(string message, Exception? inner = null) : Exception(message, inner);
