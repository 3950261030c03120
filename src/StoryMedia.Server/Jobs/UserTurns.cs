namespace StoryMedia.Jobs;

/// <summary>
/// Lets one start of each user at a time into its transaction in this process. The database's lock on the user decides
/// between instances and queues a user's starts anyway; waiting here holds no connection and no lock instead, and a start
/// that waited reads again before its transaction, so a burst of double clicks meets the winner's committed job rather
/// than queueing on the lock behind each loser's round trips.
/// </summary>
internal sealed class UserTurns
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, Turn> turns = [];

    /// <summary>How many users have a start in its turn or waiting for one.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return turns.Count;
            }
        }
    }

    /// <summary>Waits until no other start of <paramref name="userId"/> holds its turn; disposing the answer ends this one's.</summary>
    public async Task<Held> TakeAsync(Guid userId, CancellationToken cancellationToken)
    {
        Turn turn;
        lock (gate)
        {
            if (!turns.TryGetValue(userId, out turn!))
            {
                turn = new Turn();
                turns.Add(userId, turn);
            }
            turn.Starts++;
        }
        var waited = !turn.Semaphore.Wait(0, CancellationToken.None);
        if (waited)
        {
            try
            {
                await turn.Semaphore.WaitAsync(cancellationToken);
            }
            catch
            {
                Leave(userId, turn, release: false);
                throw;
            }
        }
        return new Held(() => Leave(userId, turn, release: true), waited);
    }

    private void Leave(Guid userId, Turn turn, bool release)
    {
        bool last;
        lock (gate)
        {
            last = --turn.Starts == 0;
            if (last)
            {
                turns.Remove(userId);
            }
        }
        if (release)
        {
            turn.Semaphore.Release();
        }
        if (last)
        {
            // No start holds or waits for it, and none can find it any more.
            turn.Semaphore.Dispose();
        }
    }

    private sealed class Turn
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        // Guarded by the gate: the starts holding or waiting for this turn; the last one out removes it.
        public int Starts { get; set; }
    }

    /// <summary>A start's turn; <see cref="Waited"/>: another start of the user held it first.</summary>
    internal sealed class Held(Action release, bool waited) : IDisposable
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
}
