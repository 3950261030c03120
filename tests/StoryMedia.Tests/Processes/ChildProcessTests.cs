using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using StoryMedia.Processes;

namespace StoryMedia.Tests.Processes;

/// <summary>The one way the server runs a program: what it answers, a program that is not there, and no process left behind.</summary>
public sealed class ChildProcessTests
{
    [Fact]
    public async Task A_program_s_exit_code_and_output_come_back_and_one_that_cannot_start_is_told_by_its_own_type()
    {
        var result = await ChildProcess.RunAsync(NullLogger.Instance, "sh", ["-c", "echo one; echo two; echo oops >&2; exit 3"], null, CancellationToken.None);

        Assert.Equal(new ChildProcessResult(3, "one\ntwo\n", "oops\n"), result);
        await Assert.ThrowsAsync<ChildProcessNotStartedException>(() =>
            ChildProcess.RunAsync(NullLogger.Instance, "/nonexistent/ffmpeg", [], null, CancellationToken.None));
    }

    [Fact]
    public async Task A_line_callback_that_throws_kills_the_whole_process_tree()
    {
        // The shell starts a child that would sleep for ten minutes and names it; the callback throws on that line.
        var child = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ChildProcess.RunAsync(NullLogger.Instance, "sh", ["-c", "sleep 600 & echo $!; wait"], (line, _) =>
        {
            child = int.Parse(line, CultureInfo.InvariantCulture);
            throw new InvalidOperationException("Enough.");
        }, CancellationToken.None));

        await Eventually.TrueAsync(() => !Running(child), TimeSpan.FromSeconds(10), $"sleep {child} is still running");
    }

    [Fact]
    public async Task Cancelling_kills_the_whole_process_tree_and_ends_in_a_cancellation()
    {
        var child = 0;
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChildProcess.RunAsync(NullLogger.Instance, "sh", ["-c", "sleep 600 & echo $!; wait"], async (line, _) =>
        {
            child = int.Parse(line, CultureInfo.InvariantCulture);
            await cancel.CancelAsync();
        }, cancel.Token));

        await Eventually.TrueAsync(() => !Running(child), TimeSpan.FromSeconds(10), $"sleep {child} is still running");
    }

    // A killed orphan stays a zombie until whoever adopts orphans on this machine reaps it: killed is what counts.
    private static bool Running(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
