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
    public Task ReportAsync(int done, int total, CancellationToken cancellationToken) => ReportAsync(done, total, [], cancellationToken);

    /// <summary>
    /// Persists the share of work done together with the kind's records of what the work just made (<paramref name="made"/>):
    /// one worker transaction, one round trip on PostgreSQL. Throws when the job is no longer ours, and then none of it was written.
    /// </summary>
    public async Task ReportAsync(int done, int total, IReadOnlyList<FencedWrite> made, CancellationToken cancellationToken)
    {
        var next = total == 0 ? 100 : Math.Clamp(done * 100 / total, 0, 100);
        var changed = Interlocked.Exchange(ref progress, next) != next;
        var now = time.GetUtcNow();
        var written = changed || made.Count > 0
            ? await store.ReportProgressAsync(job, next, changed, made, now, now + leaseDuration, cancellationToken)
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

/// <summary>
/// A kind's fenced write of what the work made (a scene's image), sent in the batch of the progress report it makes
/// (<see cref="JobContext.ReportAsync(int, int, IReadOnlyList{FencedWrite}, CancellationToken)"/>). Its statement guards
/// itself with <see cref="JobSql.Held"/> and returns a result set (<c>returning</c>); the store adds the lease's parameters.
/// </summary>
public sealed record FencedWrite(string Sql, params (string Name, object? Value)[] Parameters);

/// <summary>The worker lost the job (cleared, or taken over after its lease ran out): stop and write nothing more.</summary>
public sealed class JobLostException(Guid jobId) : Exception($"Job {jobId} is no longer held by this worker.");

/// <summary>A failure with a message meant for the person who started the job.</summary>
public sealed class JobFailedException(string message, Exception? inner = null) : Exception(message, inner);
