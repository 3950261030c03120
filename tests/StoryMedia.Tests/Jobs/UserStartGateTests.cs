using StoryMedia.Jobs;

namespace StoryMedia.Tests.Jobs;

/// <summary>One start of each user at a time past the gate in a process: the others of that user wait, other users' do not.</summary>
public sealed class UserStartGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly UserStartGate gate = new();
    private readonly Guid alice = Guid.NewGuid();

    [Fact]
    public async Task A_user_s_second_start_waits_for_the_first_to_leave_and_is_told_it_waited()
    {
        var first = await gate.EnterAsync(alice, CancellationToken.None);
        var second = gate.EnterAsync(alice, CancellationToken.None);
        var bob = await gate.EnterAsync(Guid.NewGuid(), CancellationToken.None).WaitAsync(Patience);

        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        Assert.False(first.Waited);
        Assert.False(bob.Waited);
        first.Dispose();
        using var next = await second.WaitAsync(Patience);
        Assert.True(next.Waited);
        bob.Dispose();
        Assert.Equal(1, gate.Count);
        next.Dispose();
        Assert.Equal(0, gate.Count);
    }

    [Fact]
    public async Task A_start_cancelled_while_it_waits_leaves_its_place_to_the_next_and_nothing_behind()
    {
        var first = await gate.EnterAsync(alice, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(alice, cancel.Token);
        var third = gate.EnterAsync(alice, CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        first.Dispose();
        // A second disposal lets no one more in: the third start passes once.
        first.Dispose();
        using (var next = await third.WaitAsync(Patience))
        {
            Assert.True(next.Waited);
            Assert.Equal(1, gate.Count);
        }
        Assert.Equal(0, gate.Count);
        using var again = await gate.EnterAsync(alice, CancellationToken.None).WaitAsync(Patience);
        Assert.False(again.Waited);
    }

    [Fact]
    public async Task A_waiter_cancelled_as_the_start_ahead_leaves_never_breaks_the_leaving_or_the_next_start()
    {
        for (var round = 0; round < 300; round++)
        {
            var ahead = await gate.EnterAsync(alice, CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            var waiter = gate.EnterAsync(alice, cancel.Token);
            await Task.WhenAll(Task.Run(ahead.Dispose), Task.Run(cancel.Cancel));
            try
            {
                (await waiter.WaitAsync(Patience)).Dispose();
            }
            catch (OperationCanceledException)
            {
                // Cancelled before the start ahead let it in: as good an ending as passing.
            }
            Assert.Equal(0, gate.Count);
        }
        using var last = await gate.EnterAsync(alice, CancellationToken.None).WaitAsync(Patience);
        Assert.False(last.Waited);
    }
}
