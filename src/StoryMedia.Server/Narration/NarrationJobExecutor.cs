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
            // Each scene's audio is stored and reported while the next one is spoken; reports go in order, one at a time.
            await ScenePipeline.RunAsync(scenes.Where(s => s.AudioKey is null), provider.ScenesAtOnce,
                async (scene, token) =>
                {
                    var sceneStarted = time.GetTimestamp();
                    var (audio, seconds) = await SpeakAsync(new SpeechRequest(scene.SceneId, scene.Position, scene.Text, job.Style), work.FullName, token);
                    return (Scene: scene, Audio: audio, Seconds: seconds, Started: sceneStarted);
                },
                async (spoken, token) =>
                {
                    var key = await StorageFailures.SaveForJobAsync(
                        () => media.SaveFileAsync(spoken.Audio.Path, spoken.Audio.ContentType, token), $"the narration of scene {spoken.Scene.Position}", "narration");
                    // The audio's record goes in the progress report's transaction: one round trip a scene, fenced as a whole.
                    await context.ReportAsync(++count, total, [NarrationJobOutputs.SceneAudio(spoken.Scene.SceneId, key, spoken.Seconds)], token);
                    telemetry.SceneDone(job.Kind, time.GetElapsedTime(spoken.Started));
                },
                cancellationToken);
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
