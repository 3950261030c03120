using System.Diagnostics;
using System.Globalization;
using StoryMedia.Images;
using StoryMedia.Stories;
using StoryMedia.Videos;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 5: the CPU time of ffmpeg rendering a story's video in the server (motion, crossfades), beside ffmpeg
/// encoding the same number of frames from the same stills with the same encoder and settings and nothing else; and
/// the cost per frame of a long story beside a short one's. CPU time (user + sys) rather than wall time: the machine
/// is shared, and the CPU an encode needs is what a deployment plans with.
/// </summary>
public static class VideoRender
{
    // Linux reports process times in USER_HZ ticks, 100 a second on every architecture's ABI.
    private const double TicksPerSecond = 100;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>On the one-worker server, whose ffmpeg children's CPU time its /proc entry sums once each has exited.</summary>
    public static async Task RunAsync(Report report, ScenarioHost host, CancellationToken ct)
    {
        var sizes = host.Sizes;
        var server = await host.OneWorkerAsync(ct);
        using var client = new BenchClient(server.Address, Guid.NewGuid(), 4);
        var options = new VideoOptions { SecondsPerScene = sizes.VideoSecondsPerScene };
        var framesPerScene = (int)Math.Round(options.SecondsPerScene * options.FrameRate);
        var stills = Directory.CreateDirectory(Path.Combine(host.Work, "video-stills")).FullName;

        host.Say($"video: {sizes.VideoRuns} runs each of a {sizes.VideoScenes}-scene video, its plain encode and a {sizes.VideoLongScenes}-scene video");
        var story = await IllustratedStoryAsync(client, sizes.VideoScenes, ct);
        var longStory = await IllustratedStoryAsync(client, sizes.VideoLongScenes, ct);
        var images = await DownloadAsync(client, story, stills, ct);
        var service = new List<double>();
        var plain = new List<double>();
        var longRuns = new List<double>();
        for (var run = 0; run < sizes.VideoRuns; run++)
        {
            // In turn forwards and backwards, so that no side always follows another's leftovers, and the long video's runs
            // see the same machine as the short one's.
            List<Func<Task>> sides =
            [
                async () => plain.Add(await PlainAsync(options, images, framesPerScene, stills, ct)),
                async () => service.Add(await ServiceAsync(client, server, story.Id, ct)),
                async () => longRuns.Add(await ServiceAsync(client, server, longStory.Id, ct)),
            ];
            foreach (var side in run % 2 == 0 ? sides : sides.AsEnumerable().Reverse())
            {
                await side();
            }
        }
        var longSeconds = Spread.Of(longRuns).Median;

        var frames = sizes.VideoScenes * framesPerScene;
        var longFrames = sizes.VideoLongScenes * framesPerScene;
        var cpu = Spread.Of(service);
        var baseline = Spread.Of(plain);
        var ratio = cpu.Median / baseline.Median;
        var settings = $"`{string.Join(' ', SlideshowCommand.EncoderArguments(options))}`, {options.Width}x{options.Height}, {options.FrameRate} fps";
        report.Figures.Add(new("PostgreSQL", "5 video", $"{sizes.VideoScenes}-scene video ({frames:N0} frames, {options.SecondsPerScene:0.#} s a scene), ffmpeg CPU time (user + sys of the server's ffmpeg child, s)",
            cpu.Describe("0.00"), $"ffmpeg encoding the same {frames:N0} frames from the same {sizes.VideoScenes} stills, same encoder and settings ({settings}), no motion or fades: {Report.Number(baseline.Median, "0.00")} s (median of {plain.Count})",
            Report.Ratio(ratio), "≤ 1.3×", ratio <= 1.3));
        var perFrame = cpu.Median / frames * 1000;
        var longPerFrame = longSeconds / longFrames * 1000;
        var growth = longPerFrame / perFrame;
        report.Figures.Add(new("PostgreSQL", "5 video", $"{sizes.VideoLongScenes}-scene video ({longFrames:N0} frames), ffmpeg CPU time per frame (ms, median of {longRuns.Count} runs)",
            $"{Report.Number(longPerFrame, "0.00")} ({Report.Number(longSeconds, "0.0")} s in all; runs: {string.Join(", ", longRuns.Select(r => Report.Number(r, "0.0")))} s)", $"the {sizes.VideoScenes}-scene video: {Report.Number(perFrame, "0.00")} ms per frame (median)",
            Report.Ratio(growth), "≤ 1.10×", growth <= 1.10));
        report.Reading.Add(
            $"**Video.** ffmpeg spent a median {Report.Number(cpu.Median, "0.0")} CPU seconds on the {sizes.VideoScenes}-scene video, {Report.Ratio(ratio)} what it spends encoding the same {frames:N0} frames " +
            $"from the same stills with nothing moving ({Report.Number(baseline.Median, "0.0")} s; target ≤ 1.3×: {(ratio <= 1.3 ? "met" : "missed")}). " +
            "The baseline is the cheapest honest slideshow: each still decoded and scaled once and repeated, and frames that do not change cost x264 almost nothing (it finds no difference to code). " +
            "The service's render pans each still: the still is scaled and converted to yuv420p once, and a frame-sized window slides over it " +
            "one whole pixel every second frame, so no frame is resampled and x264 predicts the move with a motion vector; the crossfades blend " +
            "only the frames they cover (overlay in yuv420p); both encodes use x264's diamond search with one sub-pixel refinement and whole macroblocks between frames, " +
            "which find a whole-pixel move of the whole picture at once (the preset's own search and partitions made the same picture for more CPU, docs/video.md). " +
            "What it still pays for is x264's motion search: its lookahead, which estimates every frame at half resolution, skips the search only for blocks that did not move " +
            "(about 60 % of a 4-scene render's extra instructions, docs/video.md), the encode searches again, and each fade frame is a new picture" +
            (ratio <= 1.3 ? "." : "; fewer moving frames would cost less (two-pixel steps every fourth frame) but step visibly, and a zoom costs more than a pan (docs/video.md).") +
            $" Per frame, the {sizes.VideoLongScenes}-scene video cost {Report.Number(longPerFrame, "0.00")} ms against {Report.Number(perFrame, "0.00")} ms for {sizes.VideoScenes} scenes, {Report.Ratio(growth)} " +
            $"(target ≤ 1.10×: {(growth <= 1.10 ? "met" : "missed")}). " +
            (growth <= 1.10
                ? "A longer story costs about in proportion to its frames. "
                : "The renderer builds one filter graph over every scene: each image is an input held from the start and the crossfades chain through all of them, " +
                  "so each frame costs more the more scenes there are (and memory grows with them, docs/video.md). Rendering in segments of a few scenes that are then joined " +
                  "is the likely fix; this benchmark only measures it. ") +
            $"Scenes last {options.SecondsPerScene:0.#} s with {options.CrossfadeSeconds:0.#} s crossfades (the service's defaults); {plain.Count} runs each of the plain encode, the short video and the long one, in turn. " +
            "CPU times are the user + sys of ffmpeg as Linux accounts it to its parent once it exits (the server's /proc entry for the service's render, the bench's own for the plain encode), " +
            "so the machine's load does not enter them as it enters wall time, though cache and frequency effects do.");
    }

    /// <summary>A story of <paramref name="scenes"/> scenes whose images the server has made.</summary>
    private static async Task<StoryView> IllustratedStoryAsync(BenchClient client, int scenes, CancellationToken ct)
    {
        var story = await client.CreateStoryAsync(scenes, ct);
        var job = await client.StartAsync(ImageJobKind.Paths, story.Id, ct);
        await client.CompletedAsync(ImageJobKind.Paths, job.Id, Poll, TimeSpan.FromMinutes(3), ct);
        return await client.GetStoryAsync(story.Id, ct);
    }

    private static async Task<IReadOnlyList<string>> DownloadAsync(BenchClient client, StoryView story, string directory, CancellationToken ct)
    {
        var paths = new List<string>();
        foreach (var scene in story.Scenes)
        {
            var path = Path.Combine(directory, $"scene-{scene.Position}.png");
            await File.WriteAllBytesAsync(path, await client.GetBytesAsync(scene.ImageUrl!, ct), ct);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>The service's render: a video job through the server; the CPU time its ffmpeg child used, in seconds.</summary>
    private static async Task<double> ServiceAsync(BenchClient client, ChildServer server, Guid storyId, CancellationToken ct)
    {
        var before = ChildrenTicks(server.Pid);
        var job = await client.StartAsync(VideoJobKind.Paths, storyId, ct);
        await client.CompletedAsync(VideoJobKind.Paths, job.Id, Poll, TimeSpan.FromMinutes(15), ct);
        var used = (ChildrenTicks(server.Pid) - before) / TicksPerSecond;
        return used > 0 ? used : throw new BenchFailedException("The server's children used no CPU time: ffmpeg did not run as its child.");
    }

    /// <summary>
    /// ffmpeg, as this process's child, encoding each still for a scene's frames (decoded and scaled once, then
    /// repeated), the scenes one after another, with the service's encoder settings; the CPU time it used, in seconds.
    /// </summary>
    private static async Task<double> PlainAsync(VideoOptions options, IReadOnlyList<string> stills, int framesPerScene, string directory, CancellationToken ct)
    {
        var (w, h, fps) = (options.Width, options.Height, options.FrameRate);
        var arguments = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error", "-y" };
        var graph = new List<string>();
        for (var i = 0; i < stills.Count; i++)
        {
            arguments.AddRange(["-i", stills[i]]);
            graph.Add(string.Create(CultureInfo.InvariantCulture,
                $"[{i}:v]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,loop=loop={framesPerScene - 1}:size=1:start=0,setpts=N/{fps}/TB[s{i}]"));
        }
        graph.Add($"{string.Concat(Enumerable.Range(0, stills.Count).Select(i => $"[s{i}]"))}concat=n={stills.Count}:v=1:a=0,format=yuv420p[video]");
        arguments.AddRange([
            "-filter_complex", string.Join(';', graph), "-map", "[video]", "-an", "-r", fps.ToString(CultureInfo.InvariantCulture),
            .. SlideshowCommand.EncoderArguments(options),
            "-t", string.Create(CultureInfo.InvariantCulture, $"{(double)stills.Count * framesPerScene / fps:0.######}"), "-movflags", "+faststart", "-f", "mp4",
            Path.Combine(directory, "plain.mp4"),
        ]);
        var before = ChildrenTicks(Environment.ProcessId);
        using var ffmpeg = new Process { StartInfo = new ProcessStartInfo(options.Ffmpeg) { RedirectStandardError = true, UseShellExecute = false } };
        foreach (var argument in arguments)
        {
            ffmpeg.StartInfo.ArgumentList.Add(argument);
        }
        ffmpeg.Start();
        var errors = ffmpeg.StandardError.ReadToEndAsync(ct);
        await ffmpeg.WaitForExitAsync(ct);
        if (ffmpeg.ExitCode != 0)
        {
            throw new BenchFailedException($"The plain ffmpeg encode failed ({ffmpeg.ExitCode}): {await errors}");
        }
        return (ChildrenTicks(Environment.ProcessId) - before) / TicksPerSecond;
    }

    /// <summary>cutime + cstime of /proc/PID/stat: the CPU time of the process's children that have exited and been waited for.</summary>
    private static long ChildrenTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may hold spaces, inside parentheses) start at field 3, state.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[16 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[17 - 3], CultureInfo.InvariantCulture);
    }
}
