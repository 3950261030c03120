using System.Globalization;
using System.Net.Http.Json;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Narration;

/// <summary>A narrated story's video with real ffmpeg: tiny frames, ultrafast x264, the built-in voice.</summary>
public sealed class NarratedVideoTests
{
    private const int FrameRate = 10;
    private const double SecondsPerScene = 1;
    private const double Pause = 0.5;
    private static readonly JobRoutes Video = VideoJobKind.Paths;
    private readonly Guid user = Guid.NewGuid();

    private static Dictionary<string, string?> Settings(string media, string subtitles, int width = 96, int height = 54) => new()
    {
        ["Media:Path"] = media,
        ["Video:Width"] = width.ToString(CultureInfo.InvariantCulture),
        ["Video:Height"] = height.ToString(CultureInfo.InvariantCulture),
        ["Video:FrameRate"] = FrameRate.ToString(CultureInfo.InvariantCulture),
        ["Video:SecondsPerScene"] = SecondsPerScene.ToString(CultureInfo.InvariantCulture),
        ["Video:CrossfadeSeconds"] = "0.2",
        ["Video:NarrationPauseSeconds"] = Pause.ToString(CultureInfo.InvariantCulture),
        ["Video:Preset"] = "ultrafast",
        ["Video:Subtitles"] = subtitles,
    };

    [Fact]
    public async Task A_narrated_story_makes_a_video_with_its_speech_as_aac_in_sync_and_a_subtitle_track_also_served_as_webvtt_and_9_16_swaps_the_frame()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), Settings(TempDirectory.Create("media"), "track"));
        using var client = service.Client(user);
        var story = await IllustratedStoryAsync(client);

        var silent = await RenderAsync(client, story.Id);
        await NarrateAsync(client, story.Id);
        var job = await StartVideoAsync(client, story.Id, aspect: null);
        var done = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(90), Video);
        Assert.Equal((JobStatus.Completed, null), (done.Status, done.Error));
        var narrated = await client.GetStoryAsync(story.Id);
        var (streams, duration) = await MediaProbe.ProbeAsync(await MediaProbe.DownloadAsync(client, narrated.VideoUrl!, "video.mp4"));

        Assert.Equal(["video"], silent.Streams.Select(s => s.Type));
        Assert.Equal([("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")], streams.Select(s => (s.Type, s.Codec)));
        Assert.Equal((96, 54), (streams[0].Width!.Value, streams[0].Height!.Value));
        var lengths = narrated.Scenes.Select(s => Math.Round(Math.Max(SecondsPerScene, s.AudioSeconds!.Value + Pause) * FrameRate) / FrameRate).ToList();
        Assert.InRange(duration, lengths.Sum() - 0.1, lengths.Sum() + 0.1);
        Assert.True(lengths.Sum() > 3 * SecondsPerScene, "The narration should have made some scene longer than Video:SecondsPerScene.");
        var vtt = await client.GetStringAsync(new Uri(narrated.SubtitlesUrl!, UriKind.Relative));
        Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
        var (first, second) = (TimeSpan.FromSeconds(lengths[0]), TimeSpan.FromSeconds(lengths[1]));
        Assert.Contains($"{Stamp(first)} --> {Stamp(first + second)}\n{narrated.Scenes[1].Text}", vtt, StringComparison.Ordinal);

        var portrait = await StartVideoAsync(client, story.Id, aspect: "9:16");
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(portrait.Id, TimeSpan.FromSeconds(90), Video)).Status);
        var (tall, _) = await MediaProbe.ProbeAsync(await MediaProbe.DownloadAsync(client, (await client.GetStoryAsync(story.Id)).VideoUrl!, "tall.mp4"));
        Assert.Equal((54, 96), (tall[0].Width!.Value, tall[0].Height!.Value));
    }

    [Fact]
    public async Task Burned_in_subtitles_change_the_picture_at_a_scenes_middle_where_off_leaves_it_bare()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        var media = TempDirectory.Create("media");
        var frames = new Dictionary<string, string>();
        StoryView? story = null;
        foreach (var mode in new[] { "off", "burn" })
        {
            await using var service = await ServiceInstance.StartAsync(backend, Settings(media, mode, width: 192, height: 108));
            using var client = service.Client(user);
            if (story is null)
            {
                story = await IllustratedStoryAsync(client);
                await NarrateAsync(client, story.Id);
            }
            var job = await StartVideoAsync(client, story.Id, aspect: null);
            Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(90), Video)).Status);
            var file = await MediaProbe.DownloadAsync(client, (await client.GetStoryAsync(story.Id)).VideoUrl!, $"{mode}.mp4");
            var (streams, _) = await MediaProbe.ProbeAsync(file);
            Assert.Equal(["video", "audio"], streams.Select(s => s.Type));
            frames[mode] = await MediaProbe.FrameAsync(file, SecondsPerScene / 2);
        }

        Assert.Equal(frames["off"].Length, frames["burn"].Length);
        var changed = frames["off"].Zip(frames["burn"]).Count(p => Math.Abs(p.First - p.Second) > 40);
        Assert.True(changed > 50, $"Only {changed} pixels differ: the subtitles were not drawn.");
    }

    private static async Task<StoryView> IllustratedStoryAsync(HttpClient client)
    {
        var story = await client.CreateStoryAsync(scenes: 3);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id)).Status);
        return story;
    }

    private static async Task<(IReadOnlyList<MediaProbe.Stream> Streams, double Duration)> RenderAsync(HttpClient client, Guid storyId)
    {
        var job = await StartVideoAsync(client, storyId, aspect: null);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(90), Video)).Status);
        return await MediaProbe.ProbeAsync(await MediaProbe.DownloadAsync(client, (await client.GetStoryAsync(storyId)).VideoUrl!, "silent.mp4"));
    }

    private static async Task NarrateAsync(HttpClient client, Guid storyId)
    {
        var narration = await client.StartAsync(storyId, NarrationJobKind.Paths);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(narration.Id, TimeSpan.FromSeconds(60), NarrationJobKind.Paths)).Status);
    }

    private static async Task<JobView> StartVideoAsync(HttpClient client, Guid storyId, string? aspect)
    {
        using var response = await client.PostAsJsonAsync(Video.Generate, new { story_id = storyId, aspect }, Api.Json);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
    }

    private static string Stamp(TimeSpan t) => t.ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
}
