using System.Diagnostics;
using Microsoft.Extensions.Options;
using StoryMedia.Images;
using StoryMedia.Stories;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 3: a whole image job through HTTP, guard, store, worker, media store and heartbeats, beside the same
/// scenes rendered by <see cref="BuiltinRenderer"/> in a plain loop (and, for a store that is a server, each image
/// written to it with a plain request). Runs interleave so both sides see the same machine, and the figure is the
/// median of the per-run differences, with their spread.
/// </summary>
public static class Pipeline
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Full-size jobs (and loops) before the measured pairs. A new .NET process recompiles its hot code in the background
    /// (tiered JIT with dynamic PGO) during its first jobs: on the shared 2-core machine a fresh server spent 46–50 ms of CPU
    /// a scene in its first three 40-scene jobs and 32–40 ms from the fourth on, where the loop's rendering took 30 ms.
    /// </summary>
    public const int WarmUpRuns = 3;

    // The job is polled only from this share of the last plain loop's time on: each poll is a request and a read that the
    // loop does not pay (about 2.5 ms of CPU on the server and the database), and the figure takes the completion instant
    // from the server, so a later first poll changes nothing but the CPU taken from the job.
    private const double FirstPollShare = 0.9;

    /// <summary>One interleaved pair, in seconds: the job end to end and as the server timed it; the loop's rendering and its writes.</summary>
    public sealed record Run(double Job, double Server, double Render, double Write);

    public sealed record Result(int Scenes, IReadOnlyList<Run> Runs)
    {
        /// <summary>What the job adds per scene to the plain loop (rendering, and writing where the loop writes), in ms.</summary>
        public Spread OverheadMs => Spread.Of(Runs.Select(r => (r.Job - r.Render - r.Write) / Scenes * 1000));

        /// <summary>The same as a share of the plain loop's time.</summary>
        public Spread OverheadShare => Spread.Of(Runs.Select(r => (r.Job / (r.Render + r.Write)) - 1));

        /// <summary>What the job adds per scene to rendering alone, in ms: the whole cost of storing and tracking a scene.</summary>
        public Spread AboveRenderMs => Spread.Of(Runs.Select(r => (r.Job - r.Render) / Scenes * 1000));

        /// <summary>The server's own created → completed span against the end-to-end time: the start request's share, in ms.</summary>
        public Spread StartRequestMs => Spread.Of(Runs.Select(r => (r.Job - r.Server) * 1000));

        public Spread RenderMsPerScene => Spread.Of(Runs.Select(r => r.Render / Scenes * 1000));

        public Spread WriteMsPerScene => Spread.Of(Runs.Select(r => r.Write / Scenes * 1000));

        public Spread JobSeconds => Spread.Of(Runs.Select(r => r.Job));
    }

    /// <param name="write">The loop's write of each image, beside the job's; null for a store on the local disk, whose write the job alone pays.</param>
    public static async Task<Result> RunAsync(BenchClient client, int scenes, int runs, Func<ReadOnlyMemory<byte>, CancellationToken, Task>? write, CancellationToken ct)
    {
        var renderer = new BuiltinRenderer(Options.Create(new BuiltinRendererOptions()), TimeProvider.System);
        var story = await client.CreateStoryAsync(scenes, ct);
        var lastLoop = TimeSpan.Zero;
        for (var run = 0; run < WarmUpRuns; run++)
        {
            lastLoop = (await RenderAsync(renderer, story, write, ct)).Took;
            await RunJobAsync(client, story.Id, lastLoop, ct);
        }
        var results = new List<Run>();
        for (var run = 0; run < runs; run++)
        {
            // Alternate which goes first, so that neither always follows the other's leftovers.
            var loopFirst = run % 2 == 0;
            var loop = loopFirst ? await RenderAsync(renderer, story, write, ct) : default;
            var (job, server) = await RunJobAsync(client, story.Id, loopFirst ? loop.Took : lastLoop, ct);
            if (!loopFirst)
            {
                loop = await RenderAsync(renderer, story, write, ct);
            }
            lastLoop = loop.Took;
            results.Add(new Run(job, server, loop.Render, loop.Write));
        }
        return new Result(scenes, results);
    }

    /// <summary>
    /// Seconds from sending the start to the job's completion, and the server's own created → completed span. The
    /// completion instant is the server's (same machine, same clock), so a slow poll neither adds to the figure nor
    /// takes CPU from the job it measures; the first poll waits for most of <paramref name="loopTook"/>.
    /// </summary>
    private static async Task<(double EndToEnd, double ServerSide)> RunJobAsync(BenchClient client, Guid storyId, TimeSpan loopTook, CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var (status, started) = await client.GenerateAsync(storyId, ct);
        if (started is null)
        {
            throw new BenchFailedException($"The pipeline's start answered {(int)status}.");
        }
        await Task.Delay(loopTook * FirstPollShare, ct);
        var job = await client.CompletedAsync(ImageJobKind.Paths, started.Id, Poll, TimeSpan.FromMinutes(3), ct);
        return ((job.CompletedAt!.Value - sent).TotalSeconds, (job.CompletedAt!.Value - job.CreatedAt).TotalSeconds);
    }

    /// <summary>The same requests the image executor makes, rendered (and written) in a plain loop; seconds for the whole story.</summary>
    private static async Task<LoopTimes> RenderAsync(BuiltinRenderer renderer, StoryView story, Func<ReadOnlyMemory<byte>, CancellationToken, Task>? write, CancellationToken ct)
    {
        var rendering = new Stopwatch();
        var writing = new Stopwatch();
        foreach (var scene in story.Scenes)
        {
            rendering.Start();
            var request = new ImageRequest(scene.Id, scene.Position, story.Scenes.Count, scene.Text, story.Style, null,
                ScenePrompts.Compose(story.Style, null, scene.Text), ImageJobKind.NewSeed());
            var image = await renderer.GenerateAsync(request, ct);
            rendering.Stop();
            if (image.Bytes.Length == 0)
            {
                throw new BenchFailedException("The renderer made an empty image.");
            }
            if (write is not null)
            {
                writing.Start();
                await write(image.Bytes, ct);
                writing.Stop();
            }
        }
        return new(rendering.Elapsed.TotalSeconds, writing.Elapsed.TotalSeconds);
    }

    private readonly record struct LoopTimes(double Render, double Write)
    {
        public TimeSpan Took => TimeSpan.FromSeconds(Render + Write);
    }
}
