using Microsoft.Extensions.Options;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Videos;

/// <summary>
/// A video job: copies the scenes' images as they were when the job started from media storage into a temporary
/// directory of its own, renders them into one MP4 there, stores it whole, then records it against the job
/// (fenced). The story shows it only when the job completes, so a cleared or failed job leaves the story's
/// previous video in place. The temporary directory goes however the job ends.
/// </summary>
public sealed class VideoJobExecutor(VideoJobOutputs outputs, MediaStore media, FfmpegProcess ffmpeg, IOptions<VideoOptions> options) : IJobExecutor
{
    private const string StoryUnchanged = "The story keeps its current video; try again once the media storage answers.";

    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        if (await outputs.VideoOfJobAsync(job.Id, cancellationToken) is { } made && await media.ExistsAsync(made, cancellationToken))
        {
            // An earlier attempt finished the video and lost its lease before completing; the file is whole.
            return;
        }
        var scenes = await outputs.ScenesAsync(job.Id, cancellationToken);
        if (scenes.Count == 0)
        {
            throw new JobFailedException("The story has no scenes to make a video of.");
        }
        var work = Directory.CreateDirectory(Path.Combine(
            options.Value.WorkPath is { Length: > 0 } root ? Path.GetFullPath(root) : Path.GetTempPath(), $"storymedia-video-{job.Id:N}-{Guid.NewGuid():N}"));
        try
        {
            var images = new List<string>();
            foreach (var scene in scenes)
            {
                var path = Path.Combine(work.FullName, $"scene-{scene.Position}{Path.GetExtension(scene.ImageKey)}");
                if (!await DownloadAsync(scene, path, cancellationToken))
                {
                    throw new JobFailedException($"The image of scene {scene.Position} is no longer in media storage; generate the images again.");
                }
                images.Add(path);
            }

            var output = Path.Combine(work.FullName, "video.mp4");
            var command = SlideshowCommand.Build(images, output, options.Value);
            var reported = -1;
            await context.ReportAsync(0, 100, cancellationToken);
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

            var key = await UploadAsync(output, cancellationToken);
            if (!await outputs.RecordVideoAsync(context.Lease, key, cancellationToken))
            {
                await media.DeleteAsync(key, CancellationToken.None);
                throw new JobLostException(job.Id);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<bool> DownloadAsync(SceneImage scene, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await media.DownloadAsync(scene.ImageKey, path, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.Is(ex))
        {
            throw new JobFailedException($"Could not read the image of scene {scene.Position} from the media storage ({StorageFailures.Describe(ex)}). {StoryUnchanged}", ex);
        }
    }

    private async Task<string> UploadAsync(string output, CancellationToken cancellationToken)
    {
        try
        {
            return await media.SaveFileAsync(output, "video/mp4", cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.Is(ex))
        {
            throw new JobFailedException($"Could not store the video: the media storage refused the write ({StorageFailures.Describe(ex)}). {StoryUnchanged}", ex);
        }
    }
}
