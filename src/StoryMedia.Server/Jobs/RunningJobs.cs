using System.Collections.Concurrent;

namespace StoryMedia.Jobs;

/// <summary>
/// The jobs this process is running, so that clearing one stops its worker at once instead of at the
/// next heartbeat, and a start wakes idle workers instead of waiting for their next poll.
/// </summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> running = new();
    private TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenSource Register(Guid jobId, CancellationToken stopping)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        running[jobId] = source;
        return source;
    }

    public void Unregister(Guid jobId) => running.TryRemove(jobId, out _);

    public bool IsRunning(Guid jobId) => running.ContainsKey(jobId);

    public void Cancel(Guid jobId)
    {
        if (running.TryGetValue(jobId, out var source))
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job finished while we were clearing it.
            }
        }
    }

    /// <summary>Completes when a job is next started in this process.</summary>
    public Task NextStart => Volatile.Read(ref started).Task;

    public void NotifyStarted() =>
        Interlocked.Exchange(ref started, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
