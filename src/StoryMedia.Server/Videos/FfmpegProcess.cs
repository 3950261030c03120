using System.Globalization;
using StoryMedia.Jobs;
using StoryMedia.Processes;

namespace StoryMedia.Videos;

/// <summary>
/// Runs ffmpeg once through <see cref="ChildProcess"/> (which kills it the moment the job is cancelled or a progress
/// callback throws), reads progress from its <c>-progress pipe:1</c> output, and tells a failure as a
/// <see cref="JobFailedException"/> whose message names no server path; ffmpeg's own errors go only to the log.
/// </summary>
public sealed class FfmpegProcess(ILogger<FfmpegProcess> logger)
{
    private const string OutTime = "out_time_us=";

    public async Task RunAsync(string ffmpeg, IReadOnlyList<string> arguments, Func<TimeSpan, CancellationToken, Task> progress, CancellationToken cancellationToken)
    {
        try
        {
            var result = await ChildProcess.RunAsync(logger, ffmpeg, arguments, (line, ct) =>
                line.StartsWith(OutTime, StringComparison.Ordinal) &&
                long.TryParse(line.AsSpan(OutTime.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
                    ? progress(TimeSpan.FromMicroseconds(microseconds), ct)
                    : Task.CompletedTask, cancellationToken);
            if (result.ExitCode != 0)
            {
                logger.LogError("ffmpeg exited with code {ExitCode}: {Errors}", result.ExitCode, result.StandardError.Trim());
                throw new JobFailedException($"The video could not be rendered: ffmpeg failed (exit code {result.ExitCode}).");
            }
        }
        catch (ChildProcessNotStartedException e)
        {
            throw new JobFailedException("The video could not be rendered: ffmpeg is not installed on the server that ran the job.", e);
        }
    }
}
