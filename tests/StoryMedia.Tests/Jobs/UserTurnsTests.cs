using StoryMedia.Jobs;

namespace StoryMedia.Tests.Jobs;

/// <summary>One start of each user at a time in a process: the others of that user wait, other users' do not.</summary>
public sealed class UserTurnsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly UserTurns turns = new();
    private readonly Guid alice = Guid.NewGuid();

    [Fact]
    public async Task A_user_s_second_start_waits_for_the_first_s_turn_and_is_told_it_waited()
    {
        var first = await turns.TakeAsync(alice, CancellationToken.None);
        var second = turns.TakeAsync(alice, CancellationToken.None);
        var bob = await turns.TakeAsync(Guid.NewGuid(), CancellationToken.None).WaitAsync(Patience);

        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        Assert.False(first.Waited);
        Assert.False(bob.Waited);
        first.Dispose();
        using var next = await second.WaitAsync(Patience);
        Assert.True(next.Waited);
        bob.Dispose();
        Assert.Equal(1, turns.Count);
        next.Dispose();
        Assert.Equal(0, turns.Count);
    }

    [Fact]
    public async Task A_start_cancelled_while_it_waits_leaves_the_turn_to_the_next_and_nothing_behind()
    {
        var first = await turns.TakeAsync(alice, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = turns.TakeAsync(alice, cancel.Token);
        var third = turns.TakeAsync(alice, CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        first.Dispose();
        // A second disposal gives back nothing more: the turn passes to the third start once.
        first.Dispose();
        using (var next = await third.WaitAsync(Patience))
        {
            Assert.True(next.Waited);
            Assert.Equal(1, turns.Count);
        }
        Assert.Equal(0, turns.Count);
        using var again = await turns.TakeAsync(alice, CancellationToken.None).WaitAsync(Patience);
        Assert.False(again.Waited);
    }
}
