using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using StoryMedia.Jobs;

namespace StoryMedia.Videos;

/// <summary>
/// Runs ffmpeg once: arguments passed one by one (no shell, no quoting), progress read from its
/// <c>-progress pipe:1</c> output, and the whole process tree killed the moment the caller cancels or a
/// progress callback throws, so a cleared job never leaves an encoder running.
/// </summary>
public sealed class FfmpegProcess(ILogger<FfmpegProcess> logger)
{
    private const string OutTime = "out_time_us=";

    public async Task RunAsync(string ffmpeg, IReadOnlyList<string> arguments, Func<TimeSpan, CancellationToken, Task> progress, CancellationToken cancellationToken)
    {
        using var process = new Process();
        process.StartInfo = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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
            logger.LogError(e, "Could not start ffmpeg ({Ffmpeg})", ffmpeg);
            throw new JobFailedException("The video could not be rendered: ffmpeg is not installed on the server that ran the job.", e);
        }
        logger.LogDebug("ffmpeg {ProcessId} started", process.Id);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            // Killing closes ffmpeg's pipes, which ends the read loop below even where a pipe read ignores the token.
            using var kill = cancellationToken.Register(() => Kill(process));
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith(OutTime, StringComparison.Ordinal) &&
                    long.TryParse(line.AsSpan(OutTime.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds))
                {
                    await progress(TimeSpan.FromMicroseconds(microseconds), cancellationToken);
                }
            }
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        var stderr = await errors;
        if (process.ExitCode != 0)
        {
            logger.LogError("ffmpeg exited with code {ExitCode}: {Errors}", process.ExitCode, stderr.Trim());
            throw new JobFailedException($"The video could not be rendered: ffmpeg failed (exit code {process.ExitCode}).");
        }
    }

    private void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            logger.LogInformation("Killed ffmpeg {ProcessId}", process.Id);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }
}
