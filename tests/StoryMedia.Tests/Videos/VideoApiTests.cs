using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Videos;

/// <summary>Video jobs over HTTP with real ffmpeg: tiny frames and short scenes keep each render to a second or two.</summary>
public sealed class VideoApiTests
{
    private static readonly JobRoutes Video = VideoJobKind.Paths;
    private readonly Guid user = Guid.NewGuid();

    private static Dictionary<string, string?> Settings(string media, double secondsPerScene = 1, string? imageDelay = null, int width = 160, string? work = null) => new()
    {
        ["Media:Path"] = media,
        ["Video:WorkPath"] = work,
        ["Video:Width"] = width.ToString(CultureInfo.InvariantCulture),
        ["Video:Height"] = (width * 9 / 16).ToString(CultureInfo.InvariantCulture),
        ["Video:FrameRate"] = "25",
        ["Video:SecondsPerScene"] = secondsPerScene.ToString(CultureInfo.InvariantCulture),
        ["Video:CrossfadeSeconds"] = "0.4",
        ["Images:Builtin:DelayPerImage"] = imageDelay,
    };

    [Fact]
    public async Task A_video_is_an_h264_mp4_lasting_scenes_times_seconds_at_the_configured_size()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), Settings(TempDirectory.Create("media")));
        using var client = service.Client(user);
        var story = await IllustratedStoryAsync(client, scenes: 3);

        var job = await client.StartAsync(story.Id, Video);
        var done = await client.WaitUntilFinishedAsync(job.Id, kind: Video);

        Assert.Equal((JobStatus.Completed, 100, null), (done.Status, done.Progress, done.Error));
        var videoUrl = (await client.GetStoryAsync(story.Id)).VideoUrl;
        Assert.NotNull(videoUrl);
        using var video = await client.GetAsync(new Uri(videoUrl, UriKind.Relative));
        Assert.Equal("video/mp4", video.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(TempDirectory.Create("probe"), "video.mp4");
        var bytes = await video.Content.ReadAsByteArrayAsync();
        await File.WriteAllBytesAsync(file, bytes);
        var (streams, duration) = await MediaProbe.ProbeAsync(file);
        Assert.Equal(new MediaProbe.Stream("video", "h264", 160, 90, "yuv420p"), Assert.Single(streams));
        Assert.InRange(duration, 3 - 0.2, 3 + 0.2);
        // x264 writes its settings into the stream: the preset's, with the render's own motion search and partitions,
        // 0x3 being i4x4 and i8x8 with no p8x8 (0x10) or b8x8 (0x100) between frames (docs/video.md).
        var x264 = Encoding.ASCII.GetString(bytes);
        Assert.Contains(" analyse=0x3:0x3 me=dia subme=1 ", x264, StringComparison.Ordinal);
        Assert.Contains(" crf=23.0 ", x264, StringComparison.Ordinal);
        Assert.Equal([job.Id], (await client.JobsAsync(story.Id, Video)).Select(j => j.Id));
        Assert.Contains("event: completed", await client.GetStringAsync(new Uri($"{Video.Collection}/{job.Id}/events", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clearing_a_running_video_job_kills_ffmpeg_and_leaves_the_previous_video_in_place()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var media = TempDirectory.Create("media");
        StoryView story;
        string previous;
        await using (var quick = await ServiceInstance.StartAsync(backend, Settings(media)))
        {
            using var first = quick.Client(user);
            story = await IllustratedStoryAsync(first, scenes: 2);
            var made = await first.StartAsync(story.Id, Video);
            Assert.Equal(JobStatus.Completed, (await first.WaitUntilFinishedAsync(made.Id, kind: Video)).Status);
            previous = (await first.GetStoryAsync(story.Id)).VideoUrl!;
        }
        // Twenty minutes of 640x360 video take minutes to render: ffmpeg is certainly still at work when the job is cleared.
        var work = TempDirectory.Create("video-work");
        await using var slow = await ServiceInstance.StartAsync(backend, Settings(media, secondsPerScene: 600, width: 640, work: work));
        using var client = slow.Client(user);
        var job = await client.StartAsync(story.Id, Video);
        await client.WaitForJobAsync(job.Id, j => j.Progress > 0 || j.Status != JobStatus.Processing, TimeSpan.FromSeconds(60), Video);
        var ffmpeg = Assert.Single(FfmpegProcessesWritingTo(work));

        await client.ClearAsync(story.Id, Video);

        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{ffmpeg}"), TimeSpan.FromSeconds(10), $"ffmpeg {ffmpeg} is still running after the clear");
        await Eventually.TrueAsync(() => Directory.GetFileSystemEntries(work).Length == 0, TimeSpan.FromSeconds(30), "the cleared job's working directory is still there");
        var cleared = await client.GetJobAsync(job.Id, Video);
        Assert.Equal((JobStatus.Failed, JobGuard.ClearedByUser), (cleared.Status, cleared.Error));
        Assert.Equal(previous, (await client.GetStoryAsync(story.Id)).VideoUrl);
        using var stillThere = await client.GetAsync(new Uri(previous, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task Generate_video_is_refused_with_the_image_job_while_images_are_generating_and_until_every_scene_has_an_image()
    {
        var settings = Settings(TempDirectory.Create("media"), imageDelay: "00:01:00");
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 3);
        var images = await client.StartAsync(story.Id);

        using (var busy = await client.GenerateAsync(story.Id, Video))
        {
            // The one 409 shape: the blocking job, its kind, and when it would count as stale.
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
            Assert.NotNull(busy.Headers.RetryAfter?.Delta);
            var problem = await busy.ProblemAsync();
            Assert.Equal("Image generation is in progress for this story.", problem.GetProperty("title").GetString());
            Assert.Equal((images.Id, ImageJobKind.Kind), (problem.GetProperty("job").GetProperty("id").GetGuid(), problem.GetProperty("job").GetProperty("kind").GetString()));
            Assert.Contains(ImageJobKind.Paths.Clear, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await client.ClearAsync(story.Id);
        using var missing = await client.GenerateAsync(story.Id, Video);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        var missingProblem = await missing.ProblemAsync();
        Assert.Equal([1, 2, 3], missingProblem.GetProperty("scenes_without_image").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Contains("scenes 1, 2, 3 have none", missingProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await client.JobsAsync(story.Id, Video));
    }

    [Fact]
    public async Task A_failing_ffmpeg_fails_the_job_without_its_output_or_the_server_s_paths_which_go_to_the_log()
    {
        var media = TempDirectory.Create("media");
        var work = TempDirectory.Create("video-work");
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), Settings(media, work: work));
        using var client = service.Client(user);
        var story = await IllustratedStoryAsync(client, scenes: 2);
        // A scene image emptied: ffmpeg exits non-zero, its error output naming the full path of the worker's copy.
        await File.WriteAllBytesAsync(Path.Combine(media, Path.GetFileName(story.Scenes[1].ImageUrl!)), []);

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, Video)).Id, kind: Video);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Matches(@"^The video could not be rendered: ffmpeg failed \(exit code \d+\)\.$", done.Error);
        Assert.Contains(TestLog.Provider.Lines, line => line.Contains("ffmpeg exited with code", StringComparison.Ordinal) && line.Contains(work, StringComparison.Ordinal));
    }

    private static async Task<StoryView> IllustratedStoryAsync(HttpClient client, int scenes)
    {
        var story = await client.CreateStoryAsync(scenes);
        var images = await client.StartAsync(story.Id);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(images.Id)).Status);
        return await client.GetStoryAsync(story.Id);
    }

    /// <summary>The ffmpeg processes on this machine whose arguments name a file under <paramref name="directory"/>.</summary>
    private static List<int> FfmpegProcessesWritingTo(string directory)
    {
        var found = new List<int>();
        foreach (var entry in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }
            string[] arguments;
            try
            {
                arguments = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(entry, "cmdline"))).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            if (Path.GetFileName(arguments[0]) == "ffmpeg" && arguments.Any(a => a.StartsWith(directory, StringComparison.Ordinal)))
            {
                found.Add(pid);
            }
        }
        return found;
    }
}
