namespace StoryMedia.Jobs;

/// <summary>
/// Lets one start of each user at a time into its transaction in this process. The database's lock on the user decides
/// between instances and queues a user's starts anyway; waiting here holds no connection and no lock instead, and a start
/// that waited reads the story's live job (again, on PostgreSQL) before its transaction, so a burst of double clicks
/// meets the winner's committed job rather than queueing on the lock behind each loser's round trips.
/// </summary>
internal sealed class UserStartGate
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, Line> lines = [];

    /// <summary>How many users have a start going on to its transaction or waiting to.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return lines.Count;
            }
        }
    }

    /// <summary>Waits until no other start of <paramref name="userId"/> is past the gate; disposing the answer lets the next one in.</summary>
    public async Task<StartSlot> EnterAsync(Guid userId, CancellationToken cancellationToken)
    {
        Line line;
        lock (gate)
        {
            if (!lines.TryGetValue(userId, out line!))
            {
                line = new Line();
                lines.Add(userId, line);
            }
            line.Starts++;
        }
        var waited = !line.Semaphore.Wait(0, CancellationToken.None);
        if (waited)
        {
            try
            {
                await line.Semaphore.WaitAsync(cancellationToken);
            }
            catch
            {
                Leave(userId, line, release: false);
                throw;
            }
        }
        return new StartSlot(() => Leave(userId, line, release: true), waited);
    }

    private void Leave(Guid userId, Line line, bool release)
    {
        lock (gate)
        {
            if (--line.Starts == 0)
            {
                lines.Remove(userId);
            }
            // Inside the lock, so that a start arriving now finds either this line with its slot free or a new line.
            // The semaphore is not disposed: it holds no handle unless AvailableWaitHandle is asked for, and a waiter
            // cancelled at this moment could otherwise dispose it under the release.
            if (release)
            {
                line.Semaphore.Release();
            }
        }
    }

    // The starts of one user past the gate or waiting at it.
    private sealed class Line
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        // Guarded by the gate's lock; the last start out removes the line.
        public int Starts { get; set; }
    }
}

/// <summary>A start's pass through the <see cref="UserStartGate"/>; <see cref="Waited"/>: another start of the user went first.</summary>
internal sealed class StartSlot(Action release, bool waited) : IDisposable
{
    private int released;

    public bool Waited => waited;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
        }
    }
}
