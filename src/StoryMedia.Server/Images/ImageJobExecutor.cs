using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Stories;

namespace StoryMedia.Images;

/// <summary>
/// An image job: one image per scene, in order, skipping scenes an earlier attempt of this job already
/// made. Each image is stored and recorded against the job; the scenes show it only once the job completes.
/// </summary>
public sealed class ImageJobExecutor(StoryStore stories, JobStore jobs, MediaStore media, IImageProvider provider) : IJobExecutor
{
    public JobKind Kind => JobKind.Image;

    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var story = await stories.GetForWorkerAsync(job.StoryId, cancellationToken)
            ?? throw new JobFailedException("The story no longer exists.");
        var style = job.Style ?? story.Style;
        var done = await jobs.SceneImagesAsync(job.Id, cancellationToken);
        var total = story.Scenes.Count;
        var count = story.Scenes.Count(s => done.ContainsKey(s.Id));
        await context.ReportAsync(count, total, cancellationToken);
        foreach (var scene in story.Scenes.Where(s => !done.ContainsKey(s.Id)))
        {
            var request = new ImageRequest(
                scene.Id, scene.Position, total, scene.Text, style, job.Instructions,
                ScenePrompts.Compose(style, job.Instructions, scene.Text));
            var image = await provider.GenerateAsync(request, cancellationToken);
            var key = await media.SaveAsync(image.Bytes, image.ContentType, cancellationToken);
            context.EnsureStillOurs(await jobs.RecordSceneImageAsync(context.Lease, scene.Id, key, cancellationToken));
            await context.ReportAsync(++count, total, cancellationToken);
        }
    }
}
