using System.Diagnostics;
using Microsoft.Extensions.Options;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 3: a whole image job through HTTP, guard, store, worker, media files and heartbeats, beside the same
/// scenes rendered by <see cref="BuiltinRenderer"/> in a plain loop. Runs interleave so both see the same machine.
/// </summary>
public static class Pipeline
{
    public sealed record Result(int Scenes, IReadOnlyList<double> JobSeconds, IReadOnlyList<double> ServerSeconds, IReadOnlyList<double> LoopSeconds)
    {
        public double Overhead => (Latencies.Median(JobSeconds) / Latencies.Median(LoopSeconds)) - 1;
    }

    public static async Task<Result> RunAsync(BenchClient client, int scenes, int runs, CancellationToken ct)
    {
        var renderer = new BuiltinRenderer(Options.Create(new BuiltinRendererOptions()), TimeProvider.System);
        var warm = await client.CreateStoryAsync(2, ct);
        await RunJobAsync(client, warm.Id, ct);
        await RenderAsync(renderer, warm, ct);

        var story = await client.CreateStoryAsync(scenes, ct);
        var job = new List<double>();
        var server = new List<double>();
        var loop = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            // Alternate which goes first, so that neither always follows the other's leftovers.
            if (run % 2 == 0)
            {
                loop.Add(await RenderAsync(renderer, story, ct));
            }
            var (endToEnd, serverSide) = await RunJobAsync(client, story.Id, ct);
            job.Add(endToEnd);
            server.Add(serverSide);
            if (run % 2 == 1)
            {
                loop.Add(await RenderAsync(renderer, story, ct));
            }
        }
        return new Result(scenes, job, server, loop);
    }

    /// <summary>
    /// Seconds from sending the start to the job's completion, and the server's own created → completed span. The
    /// completion instant is the server's (same machine, same clock), so a slow poll neither adds to the figure nor
    /// takes CPU from the job it measures.
    /// </summary>
    private static async Task<(double EndToEnd, double ServerSide)> RunJobAsync(BenchClient client, Guid storyId, CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var (status, started) = await client.GenerateAsync(storyId, ct);
        if (started is null)
        {
            throw new BenchFailedException($"The pipeline's start answered {(int)status}.");
        }
        while (true)
        {
            await Task.Delay(250, ct);
            var job = await client.GetJobAsync(started.Id, ct);
            if (job.Status == JobStatus.Completed)
            {
                return ((job.CompletedAt!.Value - sent).TotalSeconds, (job.CompletedAt!.Value - job.CreatedAt).TotalSeconds);
            }
            if (job.Status != JobStatus.Processing || clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new BenchFailedException($"The pipeline's job ended {job.Status}: {job.Error}");
            }
        }
    }

    /// <summary>The same requests the image executor makes, rendered in a plain loop; seconds for the whole story.</summary>
    private static async Task<double> RenderAsync(BuiltinRenderer renderer, StoryView story, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var scene in story.Scenes)
        {
            var request = new ImageRequest(scene.Id, scene.Position, story.Scenes.Count, scene.Text, story.Style, null,
                ScenePrompts.Compose(story.Style, null, scene.Text), ImageJobKind.NewSeed());
            var image = await renderer.GenerateAsync(request, ct);
            if (image.Bytes.Length == 0)
            {
                throw new BenchFailedException("The renderer made an empty image.");
            }
        }
        return clock.Elapsed.TotalSeconds;
    }
}
