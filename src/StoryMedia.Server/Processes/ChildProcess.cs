using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace StoryMedia.Processes;

/// <summary>How a program that was started ended: its exit code, its stdout (empty when a callback read it) and its stderr.</summary>
public sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The program could not be started at all (not installed, not executable); each caller tells its users in its own words.</summary>
public sealed class ChildProcessNotStartedException(string program, Exception inner) : Exception($"Could not start {program}.", inner);

/// <summary>
/// Runs a program once: arguments passed one by one (no shell, no quoting), stdout read line by line, stderr collected,
/// and the whole process tree killed and waited for the moment the caller cancels or its line callback throws, so a
/// cleared job never leaves a program running. A nonzero exit code is the caller's to judge.
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> to its end, logging to the caller's <paramref name="logger"/>. Each line of its stdout
    /// goes to <paramref name="onOutputLine"/>, or into <see cref="ChildProcessResult.StandardOutput"/> when that is null.
    /// </summary>
    /// <exception cref="ChildProcessNotStartedException">The program could not be started.</exception>
    public static async Task<ChildProcessResult> RunAsync(
        ILogger logger, string program, IReadOnlyList<string> arguments, Func<string, CancellationToken, Task>? onOutputLine, CancellationToken cancellationToken)
    {
        using var process = new Process();
        process.StartInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            process.StartInfo.ArgumentList.Add(argument);
        }
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            logger.LogError(e, "Could not start {Program}", program);
            throw new ChildProcessNotStartedException(program, e);
        }
        logger.LogDebug("{Program} {ProcessId} started", program, process.Id);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var output = new StringBuilder();
        var killed = 0;
        try
        {
            // Killing closes the program's pipes, which ends the read loop below even where a pipe read ignores the token.
            using var kill = cancellationToken.Register(Kill);
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (onOutputLine is null)
                {
                    output.Append(line).Append('\n');
                }
                else
                {
                    await onOutputLine(line, cancellationToken);
                }
            }
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new ChildProcessResult(process.ExitCode, output.ToString(), await errors);

        // Runs on the thread that cancels (a clear request, a start clearing a stale job): whatever the kill meets must
        // not become that request's error. A kill that failed is tried again, once, when the read loop ends.
        void Kill()
        {
            if (Interlocked.Exchange(ref killed, 1) == 1)
            {
                return;
            }
            try
            {
                process.Kill(entireProcessTree: true);
                logger.LogInformation("Killed {Program} {ProcessId}", program, process.Id);
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception or AggregateException)
            {
                Volatile.Write(ref killed, 0);
                logger.LogWarning(e, "Could not kill {Program} {ProcessId}", program, process.Id);
            }
        }
    }
}
