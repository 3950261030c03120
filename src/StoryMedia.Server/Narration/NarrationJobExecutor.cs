using Microsoft.Extensions.Options;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Operations;

namespace StoryMedia.Narration;

/// <summary>
/// A narration job: each chosen scene spoken into a file in a directory of its own, measured (ffprobe), stored and recorded
/// against the job, skipping scenes an earlier attempt already spoke; as many at once as the provider allows. The scenes
/// show the narration only once the job completes. The directory goes however the job ends.
/// </summary>
public sealed class NarrationJobExecutor(
    NarrationJobOutputs outputs, ISpeechProvider provider, AudioTools tools, MediaStore media, IOptions<NarrationOptions> options,
    StoryMediaTelemetry telemetry, TimeProvider time) : IJobExecutor
{
    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var scenes = await outputs.ScenesAsync(job.Id, cancellationToken);
        if (scenes.Count == 0)
        {
            throw new JobFailedException("The story has no scenes to narrate.");
        }
        var total = scenes.Count;
        var count = scenes.Count(s => s.AudioKey is not null);
        await context.ReportAsync(count, total, cancellationToken);
        var work = Directory.CreateDirectory(Path.Combine(
            options.Value.WorkPath is { Length: > 0 } root ? Path.GetFullPath(root) : Path.GetTempPath(), $"storymedia-narration-{job.Id:N}-{Guid.NewGuid():N}"));
        try
        {
            // Reports go one at a time so the persisted progress never steps back.
            using var reporting = new SemaphoreSlim(1);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, provider.ScenesAtOnce), CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(scenes.Where(s => s.AudioKey is null), parallel, async (scene, token) =>
            {
                var sceneStarted = time.GetTimestamp();
                var (audio, seconds) = await SpeakAsync(new SpeechRequest(scene.SceneId, scene.Position, scene.Text, job.Style), work.FullName, token);
                var key = await StorageFailures.SaveForJobAsync(() => media.SaveFileAsync(audio.Path, audio.ContentType, token), $"the narration of scene {scene.Position}", "narration");
                await reporting.WaitAsync(token);
                try
                {
                    // The audio's record goes in the progress report's transaction: one round trip a scene, fenced as a whole.
                    await context.ReportAsync(++count, total, [NarrationJobOutputs.SceneAudio(scene.SceneId, key, seconds)], token);
                }
                finally
                {
                    reporting.Release();
                }
                telemetry.SceneDone(job.Kind, time.GetElapsedTime(sceneStarted));
            });
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<(SpokenAudio Audio, double Seconds)> SpeakAsync(SpeechRequest request, string directory, CancellationToken cancellationToken)
    {
        try
        {
            var audio = await provider.SpeakAsync(request, directory, cancellationToken);
            return (audio, await tools.DurationAsync(audio.Path, cancellationToken));
        }
        catch (SpeechProviderException ex)
        {
            throw new JobFailedException($"Scene {request.Position}: {ex.Message}", ex);
        }
    }
}
