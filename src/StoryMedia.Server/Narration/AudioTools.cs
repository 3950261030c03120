using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace StoryMedia.Narration;

/// <summary>
/// ffmpeg and ffprobe for narration: arguments passed one by one (no shell), the process killed the moment the job is
/// cancelled, and a failure told as a <see cref="SpeechProviderException"/> without server paths.
/// </summary>
public sealed class AudioTools(IOptions<NarrationOptions> options, ILogger<AudioTools> logger)
{
    /// <summary>Runs ffmpeg; throws with <paramref name="what"/> when it fails.</summary>
    public Task RunFfmpegAsync(IReadOnlyList<string> arguments, string what, CancellationToken cancellationToken) =>
        RunAsync(options.Value.Ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. arguments], what, cancellationToken);

    /// <summary>How long a file of audio plays, from its container (what a player shows).</summary>
    public async Task<double> DurationAsync(string path, CancellationToken cancellationToken)
    {
        var output = await RunAsync(options.Value.Ffprobe,
            ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path], "its length could not be read", cancellationToken);
        return double.TryParse(output.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : throw new SpeechProviderException("the speech has no readable length; the provider's answer is not audio.");
    }

    private async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, string what, CancellationToken cancellationToken)
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
            throw new SpeechProviderException($"{what}: {Path.GetFileName(program)} is not installed on the server that ran the job.", e);
        }
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        if (process.ExitCode != 0)
        {
            logger.LogError("{Program} exited with code {ExitCode}: {Errors}", program, process.ExitCode, (await errors).Trim());
            throw new SpeechProviderException($"{what} ({Path.GetFileName(program)} exit code {process.ExitCode}).");
        }
        return await output;
    }
}
