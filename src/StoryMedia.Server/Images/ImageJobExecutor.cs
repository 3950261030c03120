using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Operations;
using StoryMedia.Stories;

namespace StoryMedia.Images;

/// <summary>
/// An image job: one image per scene, skipping scenes an earlier attempt of this job already made; as many scenes
/// at once as the provider allows (one by one for the built-in renderer, in order). Each image is stored and
/// recorded against the job; the scenes show it only once the job completes.
/// </summary>
public sealed class ImageJobExecutor(
    StoryStore stories, ImageJobOutputs outputs, MediaStore media, IImageProvider provider, StoryMediaTelemetry telemetry, TimeProvider time) : IJobExecutor
{
    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var story = await stories.GetForWorkerAsync(job.StoryId, job.UserId, cancellationToken)
            ?? throw new JobFailedException("The story no longer exists.");
        var style = job.Style ?? story.Style;
        var done = await outputs.SceneImagesAsync(job.Id, cancellationToken);
        var total = story.Scenes.Count;
        var count = story.Scenes.Count(s => done.ContainsKey(s.Id));
        await context.ReportAsync(count, total, cancellationToken);
        // Reports go one at a time so the persisted progress never steps back.
        using var reporting = new SemaphoreSlim(1);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, provider.ScenesAtOnce), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(story.Scenes.Where(s => !done.ContainsKey(s.Id)), parallel, async (scene, token) =>
        {
            var request = new ImageRequest(
                scene.Id, scene.Position, total, scene.Text, style, job.Instructions,
                ScenePrompts.Compose(style, job.Instructions, scene.Text));
            var sceneStarted = time.GetTimestamp();
            var image = await GenerateAsync(request, token);
            var key = await SaveAsync(image, scene.Position, token);
            context.EnsureStillOurs(await outputs.RecordSceneImageAsync(context.Lease, scene.Id, key, token));
            await reporting.WaitAsync(token);
            try
            {
                await context.ReportAsync(++count, total, token);
            }
            finally
            {
                reporting.Release();
            }
            telemetry.SceneDone(job.Kind, time.GetElapsedTime(sceneStarted));
        });
    }

    private async Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.GenerateAsync(request, cancellationToken);
        }
        catch (ImageProviderException ex)
        {
            throw new JobFailedException($"Scene {request.Position}: {ex.Message}", ex);
        }
    }

    /// <summary>Stores one image; a storage that refuses the write fails the job with a reason a person can act on.</summary>
    private async Task<string> SaveAsync(GeneratedImage image, int position, CancellationToken cancellationToken)
    {
        try
        {
            return await media.SaveAsync(image.Bytes, image.ContentType, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.Is(ex))
        {
            throw new JobFailedException(
                $"Could not store the image of scene {position}: the media storage refused the write ({StorageFailures.Describe(ex)}). " +
                "The story keeps its current images; try again once the storage is writable and has space.", ex);
        }
    }
}
