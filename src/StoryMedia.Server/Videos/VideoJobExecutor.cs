using Microsoft.Extensions.Options;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Videos;

/// <summary>
/// A video job: copies the scenes' images (and narration, when every scene had current narration) as they were when the job
/// started from media storage into a temporary directory of its own, renders them into one MP4 there (with the narration as
/// its sound and the scenes' texts as subtitles, as <c>Video:Subtitles</c> says), stores it whole, then records it against the job
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
            var slides = new List<SlideshowScene>();
            foreach (var scene in scenes)
            {
                var path = Path.Combine(work.FullName, $"scene-{scene.Position}{Path.GetExtension(scene.ImageKey)}");
                if (!await DownloadAsync(scene.ImageKey, $"the image of scene {scene.Position}", path, cancellationToken))
                {
                    throw new JobFailedException($"The image of scene {scene.Position} is no longer in media storage; generate the images again.");
                }
                slides.Add(new SlideshowScene(path));
            }
            // Sound only when every scene had current narration as the job started; otherwise the video is silent.
            var narrated = scenes.All(s => s.AudioKey is not null);
            if (narrated)
            {
                for (var i = 0; i < scenes.Count; i++)
                {
                    var scene = scenes[i];
                    var path = Path.Combine(work.FullName, $"scene-{scene.Position}-narration{Path.GetExtension(scene.AudioKey)}");
                    if (!await DownloadAsync(scene.AudioKey!, $"the narration of scene {scene.Position}", path, cancellationToken))
                    {
                        throw new JobFailedException($"The narration of scene {scene.Position} is no longer in media storage; narrate the story again.");
                    }
                    slides[i] = slides[i] with { Audio = path, AudioSeconds = scene.AudioSeconds };
                }
            }

            var settings = options.Value;
            var frame = VideoFrame.Of(job.Style ?? settings.Aspect, settings);
            var output = Path.Combine(work.FullName, "video.mp4");
            var subtitled = narrated && settings.Subtitles != VideoOptions.SubtitlesOff;
            var srt = Path.Combine(work.FullName, "subtitles.srt");
            var command = SlideshowCommand.Build(slides, output, settings, frame, subtitled ? srt : null, settings.Subtitles);
            var texts = scenes.Select(s => s.Text).ToList();
            if (subtitled)
            {
                await File.WriteAllTextAsync(srt, SceneSubtitles.Srt(texts, command.SceneLengths), cancellationToken);
            }
            var reported = -1;
            await context.ReportAsync(0, 100, cancellationToken);
            await ffmpeg.RunAsync(settings.Ffmpeg, command.Arguments, async (rendered, ct) =>
            {
                // Only whole-percent steps reach the database; 100 % is the completion itself.
                var percent = (int)Math.Clamp(rendered.Ticks * 100 / command.Duration.Ticks, 0, 99);
                if (percent > reported)
                {
                    reported = percent;
                    await context.ReportAsync(percent, 100, ct);
                }
            }, cancellationToken);

            string? subtitles = null;
            if (narrated && settings.Subtitles == VideoOptions.SubtitlesTrack)
            {
                var vtt = Path.Combine(work.FullName, "subtitles.vtt");
                await File.WriteAllTextAsync(vtt, SceneSubtitles.WebVtt(texts, command.SceneLengths), cancellationToken);
                subtitles = await UploadAsync(vtt, "text/vtt", cancellationToken);
            }
            var key = await UploadAsync(output, "video/mp4", cancellationToken);
            if (!await outputs.RecordVideoAsync(context.Lease, key, cancellationToken, subtitles))
            {
                await media.DeleteAsync(key, CancellationToken.None);
                if (subtitles is not null)
                {
                    await media.DeleteAsync(subtitles, CancellationToken.None);
                }
                throw new JobLostException(job.Id);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<bool> DownloadAsync(string key, string what, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await media.DownloadAsync(key, path, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.Is(ex))
        {
            throw new JobFailedException($"Could not read {what} from the media storage ({StorageFailures.Describe(ex)}). {StoryUnchanged}", ex);
        }
    }

    private async Task<string> UploadAsync(string output, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            return await media.SaveFileAsync(output, contentType, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.Is(ex))
        {
            throw new JobFailedException($"Could not store the video: the media storage refused the write ({StorageFailures.Describe(ex)}). {StoryUnchanged}", ex);
        }
    }
}
