using System.Net;
using System.Net.Http.Json;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Narration;

/// <summary>Narration jobs over HTTP with the built-in voice (ffmpeg's flite filter): real audio, measured by ffprobe.</summary>
public sealed class NarrationApiTests
{
    private static readonly JobRoutes Narration = NarrationJobKind.Paths;
    private readonly Guid user = Guid.NewGuid();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Each_scene_gets_spoken_audio_whose_length_ffprobe_confirms_and_an_edit_marks_it_out_of_date(string provider)
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Media:Path"] = TempDirectory.Create("media") });
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);

        using var started = await client.PostAsJsonAsync(Narration.Generate, new { story_id = story.Id, voice = "slt" }, Api.Json);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = (await started.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
        var done = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(60), Narration);

        Assert.Equal((JobStatus.Completed, 100, null, "narration", "slt"), (done.Status, done.Progress, done.Error, done.Kind, done.Style));
        var narrated = await client.GetStoryAsync(story.Id);
        Assert.Empty(narrated.ScenesToNarrate);
        foreach (var scene in narrated.Scenes)
        {
            using var audio = await client.GetAsync(new Uri(scene.AudioUrl!, UriKind.Relative));
            Assert.Equal("audio/mp4", audio.Content.Headers.ContentType?.MediaType);
            var (streams, duration) = await MediaProbe.ProbeAsync(await MediaProbe.DownloadAsync(client, scene.AudioUrl!, "scene.m4a"));
            Assert.Equal("aac", Assert.Single(streams).Codec);
            Assert.InRange(scene.AudioSeconds!.Value, 1, 10);
            Assert.InRange(duration, scene.AudioSeconds.Value - 0.1, scene.AudioSeconds.Value + 0.1);
            Assert.False(scene.NarrationOutOfDate);
        }

        var edit = new { scenes = narrated.Scenes.Select((s, i) => new { id = s.Id, text = i == 1 ? "The fox sleeps." : s.Text }) };
        using var edited = await client.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", edit, Api.Json);
        var after = (await edited.Content.ReadFromJsonAsync<StoryView>(Api.Json))!;

        Assert.Equal([false, true], after.Scenes.Select(s => s.NarrationOutOfDate));
        Assert.Equal([2], after.ScenesToNarrate);
        Assert.Equal(narrated.Scenes[1].AudioUrl, after.Scenes[1].AudioUrl);
    }

    [Fact]
    public async Task Running_narration_refuses_a_video_and_scene_edits_but_lets_images_start_and_chosen_scenes_are_all_it_speaks()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var media = TempDirectory.Create("media");
        StoryView story;
        JobView job;
        await using (var apiOnly = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0", ["Media:Path"] = media }))
        {
            using var client = apiOnly.Client(user);
            story = await client.CreateStoryAsync(scenes: 3);
            using var started = await client.PostAsJsonAsync(Narration.Generate, new { story_id = story.Id, scene_ids = new[] { story.Scenes[1].Id } }, Api.Json);
            job = (await started.Content.ReadFromJsonAsync<JobView>(Api.Json))!;

            using var video = await client.GenerateAsync(story.Id, VideoJobKind.Paths);
            using var images = await client.GenerateAsync(story.Id);
            using var edit = await client.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", new { scenes = story.Scenes.Select(s => new { id = s.Id, text = "x" }) }, Api.Json);

            Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.Accepted, HttpStatusCode.Conflict),
                (started.StatusCode, video.StatusCode, images.StatusCode, edit.StatusCode));
            var blocking = (await video.ProblemAsync()).GetProperty("job");
            Assert.Equal((job.Id, "narration"), (blocking.GetProperty("id").GetGuid(), blocking.GetProperty("kind").GetString()));
            Assert.Equal("Narration already in progress.", (await (await client.GenerateAsync(story.Id, Narration)).ProblemAsync()).GetProperty("title").GetString());
        }

        await using var worker = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Media:Path"] = media });
        using var reader = worker.Client(user);
        Assert.Equal(JobStatus.Completed, (await reader.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(60), Narration)).Status);
        var narrated = await reader.GetStoryAsync(story.Id);
        Assert.Equal([false, true, false], narrated.Scenes.Select(s => s.AudioUrl is not null));
        Assert.Equal([1, 3], narrated.ScenesToNarrate);
    }

    [Fact]
    public async Task A_voice_the_service_lacks_or_a_scene_of_another_story_is_refused_naming_it()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "0",
            ["Video:RequireNarration"] = "true",
        });
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);
        var other = await client.CreateStoryAsync(scenes: 1);

        using var voice = await client.PostAsJsonAsync(Narration.Generate, new { story_id = story.Id, voice = "hal9000" }, Api.Json);
        using var badId = await client.PostAsJsonAsync(Narration.Generate, new { story_id = story.Id, scene_ids = new List<string> { "x" } }, Api.Json);
        using var foreign = await client.PostAsJsonAsync(Narration.Generate, new { story_id = story.Id, scene_ids = new[] { other.Scenes[0].Id } }, Api.Json);
        using var aspect = await client.PostAsJsonAsync(VideoJobKind.Paths.Generate, new { story_id = story.Id, aspect = "4:3" }, Api.Json);

        Assert.Equal(HttpStatusCode.BadRequest, voice.StatusCode);
        Assert.Contains("slt", (await voice.ProblemAsync()).GetProperty("errors").GetProperty("voice")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.True((await badId.ProblemAsync()).GetProperty("errors").TryGetProperty("scene_ids[0]", out _));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, foreign.StatusCode);
        Assert.Equal(other.Scenes[0].Id, (await foreign.ProblemAsync()).GetProperty("scene_id").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, aspect.StatusCode);
        Assert.Empty(await client.JobsAsync(story.Id, Narration));
    }

    [Fact]
    public async Task A_service_that_requires_narration_refuses_a_video_naming_the_scenes_without_it()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
        {
            ["Media:Path"] = TempDirectory.Create("media"),
            ["Video:RequireNarration"] = "true",
        });
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id)).Status);

        using var refused = await client.GenerateAsync(story.Id, VideoJobKind.Paths);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ProblemAsync();
        Assert.Equal([1, 2], problem.GetProperty("scenes_without_narration").EnumerateArray().Select(p => p.GetInt32()));
        Assert.Contains("scenes 1, 2 have no narration", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/api/stories/{story.Id}", UriKind.Relative))).StatusCode);
    }
}
