using System.Globalization;
using Microsoft.Extensions.Options;
using StoryMedia.Processes;

namespace StoryMedia.Narration;

/// <summary>
/// ffmpeg and ffprobe for narration, run through <see cref="ChildProcess"/> (killed the moment the job is cancelled), and a
/// failure told as a <see cref="SpeechProviderException"/> without server paths; the tools' own errors go only to the log.
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
        try
        {
            var result = await ChildProcess.RunAsync(logger, program, arguments, onOutputLine: null, cancellationToken);
            if (result.ExitCode != 0)
            {
                logger.LogError("{Program} exited with code {ExitCode}: {Errors}", program, result.ExitCode, result.StandardError.Trim());
                throw new SpeechProviderException($"{what} ({Path.GetFileName(program)} exit code {result.ExitCode}).");
            }
            return result.StandardOutput;
        }
        catch (ChildProcessNotStartedException e)
        {
            throw new SpeechProviderException($"{what}: {Path.GetFileName(program)} is not installed on the server that ran the job.", e);
        }
    }
}
