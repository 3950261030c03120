using Microsoft.Extensions.Options;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Videos;

/// <summary>
/// A video job: renders the scenes' images as they were when the job started into one MP4, written to a
/// temporary file and moved into media storage whole, then recorded against the job (fenced). The story shows
/// it only when the job completes, so a cleared or failed job leaves the story's previous video in place.
/// </summary>
public sealed class VideoJobExecutor(VideoJobOutputs outputs, MediaStore media, FfmpegProcess ffmpeg, IOptions<VideoOptions> options) : IJobExecutor
{
    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        if (await outputs.VideoOfJobAsync(job.Id, cancellationToken) is { } made && media.TryResolve(made, out _, out _))
        {
            // An earlier attempt finished the video and lost its lease before completing; the file is whole.
            return;
        }
        var images = new List<string>();
        foreach (var scene in await outputs.ScenesAsync(job.Id, cancellationToken))
        {
            if (!media.TryResolve(scene.ImageKey, out var path, out _))
            {
                throw new JobFailedException($"The image of scene {scene.Position} is no longer in media storage; generate the images again.");
            }
            images.Add(path);
        }
        if (images.Count == 0)
        {
            throw new JobFailedException("The story has no scenes to make a video of.");
        }

        var key = MediaStore.NewKey(".mp4");
        var temporary = Path.Combine(media.Root, $".{key}.tmp");
        var command = SlideshowCommand.Build(images, temporary, options.Value);
        var reported = -1;
        await context.ReportAsync(0, 100, cancellationToken);
        try
        {
            await ffmpeg.RunAsync(options.Value.Ffmpeg, command.Arguments, async (rendered, ct) =>
            {
                // Only whole-percent steps reach the database; 100 % is the completion itself.
                var percent = (int)Math.Clamp(rendered.Ticks * 100 / command.Duration.Ticks, 0, 99);
                if (percent > reported)
                {
                    reported = percent;
                    await context.ReportAsync(percent, 100, ct);
                }
            }, cancellationToken);
            File.Move(temporary, media.PathOf(key));
        }
        finally
        {
            File.Delete(temporary);
        }
        if (!await outputs.RecordVideoAsync(context.Lease, key, cancellationToken))
        {
            File.Delete(media.PathOf(key));
            throw new JobLostException(job.Id);
        }
    }
}
