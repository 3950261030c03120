using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Operations;
using StoryMedia.Stories;

namespace StoryMedia.Images;

/// <summary>
/// An image job: one image per planned scene (the whole story, or the scenes the writer chose), each with the seed its
/// start drew, skipping scenes an earlier attempt of this job already made; as many scenes at once as the provider allows
/// (one by one for the built-in renderer, in order). Each image is stored and recorded against the job with how it was
/// made; the scenes show it only once the job completes.
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
        var plan = await outputs.PlanAsync(job.Id, cancellationToken);
        // A job started before plans were kept makes every scene, with seeds that stay the same across its attempts.
        var scenes = plan.Count == 0 ? story.Scenes : [.. story.Scenes.Where(s => plan.ContainsKey(s.Id))];
        long SeedOf(Scene scene) => plan.TryGetValue(scene.Id, out var planned) ? planned.Seed : LegacySeed(job.Id, scene.Id);
        var total = scenes.Count;
        var count = scenes.Count(s => done.ContainsKey(s.Id));
        await context.ReportAsync(count, total, cancellationToken);
        // Each scene's image is stored and reported while the next one is drawn; reports go in order, one at a time.
        await ScenePipeline.RunAsync(scenes.Where(s => !done.ContainsKey(s.Id)), provider.ScenesAtOnce,
            async (scene, token) =>
            {
                var request = new ImageRequest(
                    scene.Id, scene.Position, story.Scenes.Count, scene.Text, style, job.Instructions,
                    ScenePrompts.Compose(style, job.Instructions, scene.Text), SeedOf(scene));
                var billingNote = await BeforeCallAsync(context, plan.GetValueOrDefault(scene.Id), scene.Id, token);
                var sceneStarted = time.GetTimestamp();
                var image = await GenerateAsync(request, token);
                return new DrawnScene(scene, image, ProvenanceOf(request, image, time.GetElapsedTime(sceneStarted)) with { BillingNote = billingNote }, sceneStarted);
            },
            async (drawn, token) =>
            {
                var key = await StorageFailures.SaveForJobAsync(
                    () => media.SaveAsync(drawn.Image.Bytes, drawn.Image.ContentType, token), $"the image of scene {drawn.Scene.Position}", "images");
                // The image's record goes in the progress report's transaction: one round trip a scene, fenced as a whole.
                await context.ReportAsync(++count, total, [ImageJobOutputs.SceneImage(drawn.Scene.Id, key, drawn.Made)], token);
                telemetry.SceneDone(job.Kind, time.GetElapsedTime(drawn.Started));
            },
            cancellationToken);
    }

    private sealed record DrawnScene(Scene Scene, GeneratedImage Image, ImageProvenance Made, long Started);

    /// <summary>
    /// Before a paid provider is asked for a planned scene: records that this attempt asks, and answers the note for the
    /// image when an earlier attempt asked too and stopped before recording the answer (its worker died or lost the job
    /// mid-call), since that call may have been billed as well.
    /// </summary>
    private async Task<string?> BeforeCallAsync(JobContext context, PlannedScene? planned, Guid sceneId, CancellationToken cancellationToken)
    {
        if (!provider.BillsPerCall || planned is null)
        {
            return null;
        }
        context.EnsureStillOurs(await outputs.MarkCalledAsync(context.Lease, sceneId, cancellationToken));
        return planned.CalledAttempt is { } earlier && earlier < context.Lease.Attempt
            ? $"Attempt {earlier} of this job asked the provider for this scene and stopped before its answer was recorded; " +
              "if that request reached the provider it was billed, besides the request that made this image."
            : null;
    }

    /// <summary>What the provider said of the image, with the prompt sent and the time it took.</summary>
    private ImageProvenance ProvenanceOf(ImageRequest request, GeneratedImage image, TimeSpan took)
    {
        var facts = image.Facts ?? new ProviderFacts(provider.GetType().Name, Model: null, Size: "unknown", Seed: null, RequestId: null, Attempts: 1);
        return new ImageProvenance(facts.Provider, facts.Model, facts.Size, facts.Seed, request.Prompt, facts.RequestId,
            (int)Math.Min(int.MaxValue, took.TotalMilliseconds), facts.Attempts, time.GetUtcNow());
    }

    private static long LegacySeed(Guid jobId, Guid sceneId) =>
        BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{jobId:N}|{sceneId:N}"))) & int.MaxValue;

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
}
