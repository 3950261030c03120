using System.Net;
using System.Net.Http.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Images;

/// <summary>Regenerating chosen scenes: only they change, all together at completion; a takeover resumes only the missing ones with the same seeds.</summary>
public sealed class ChosenScenesTests
{
    private static readonly Dictionary<string, string?> SlowImages = new()
    {
        ["Jobs:WorkerConcurrency"] = "1",
        ["Jobs:HeartbeatInterval"] = "00:00:00.200",
        ["Jobs:LeaseDuration"] = "00:00:02",
        ["Images:Builtin:DelayPerImage"] = "00:00:00.800",
    };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Regenerating_chosen_scenes_changes_only_them_together_at_completion_and_a_cleared_one_publishes_none(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), SlowImages);
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 4);
        await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        var before = await client.GetStoryAsync(story.Id);
        Guid[] chosen = [before.Scenes[1].Id, before.Scenes[3].Id];

        var cleared = await client.StartScenesAsync(story.Id, chosen);
        await client.WaitForJobAsync(cleared.Id, j => j.Progress > 0);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync("/api/generate_images", new { story_id = story.Id, scene_ids = new[] { before.Scenes[0].Id } }, Api.Json)).StatusCode);
        await client.ClearAsync(story.Id);
        Assert.Equal(Urls(before), Urls(await client.GetStoryAsync(story.Id)));

        var job = await client.StartScenesAsync(story.Id, chosen);
        await client.WaitForJobAsync(job.Id, j => j.Progress >= 50);
        var halfway = await client.JobScenesAsync(job.Id);
        var during = await client.GetStoryAsync(story.Id);
        // Read before the job is seen still running, the story must show only its old images.
        Assert.True((await client.GetJobAsync(job.Id)).Status != JobStatus.Processing || Urls(before).SequenceEqual(Urls(during)));
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(job.Id)).Status);

        var after = await client.GetStoryAsync(story.Id);
        Assert.Equal((before.Scenes[0].ImageUrl, before.Scenes[2].ImageUrl), (after.Scenes[0].ImageUrl, after.Scenes[2].ImageUrl));
        Assert.All(chosen, id => Assert.NotEqual(before.Scenes.Single(s => s.Id == id).ImageUrl, after.Scenes.Single(s => s.Id == id).ImageUrl));
        var made = await client.JobScenesAsync(job.Id);
        Assert.False(made.WholeStory);
        Assert.Equal(chosen, made.Scenes.Select(s => s.SceneId));
        Assert.Equal(after.Scenes.Where(s => chosen.Contains(s.Id)).Select(s => s.ImageUrl), made.Scenes.Select(s => s.ImageUrl));
        Assert.Contains(halfway.Scenes, s => s.ImageUrl is not null);
        Assert.Equal(made.Scenes.Select(s => s.Seed), after.Scenes.Where(s => chosen.Contains(s.Id)).Select(s => s.ImageProvenance!.Seed));
    }

    [Fact]
    public async Task Chosen_scenes_that_are_unknown_or_of_another_story_are_refused_by_name_and_nothing_starts()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 2);
        var other = await client.CreateStoryAsync(scenes: 1);
        var unknown = Guid.NewGuid();

        using var foreign = await client.PostAsJsonAsync("/api/generate_images",
            new { story_id = story.Id, scene_ids = new[] { story.Scenes[0].Id, other.Scenes[0].Id, unknown } }, Api.Json);
        using var twice = await client.PostAsJsonAsync("/api/generate_images",
            new { story_id = story.Id, scene_ids = new[] { story.Scenes[0].Id, story.Scenes[0].Id } }, Api.Json);
        using var video = await client.PostAsJsonAsync(VideoJobKind.Paths.Generate, new { story_id = story.Id, scene_ids = new[] { story.Scenes[0].Id } }, Api.Json);

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        var problem = await foreign.ProblemAsync();
        Assert.Equal([other.Scenes[0].Id, unknown], problem.GetProperty("unknown_scene_ids").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Contains(unknown.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Contains("twice", (await twice.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, video.StatusCode);
        Assert.Empty(await client.JobsAsync(story.Id));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_taken_over_job_of_chosen_scenes_makes_only_the_missing_ones_with_the_seeds_its_start_drew(string provider)
    {
        var backend = await Backend.CreateAsync(provider);
        var user = Guid.NewGuid();
        Guid jobId;
        Story story;
        await using (var stores = await Stores.CreateAsync(backend))
        {
            story = await stores.NewStoryAsync(user, scenes: 4);
            var past = DateTimeOffset.UtcNow.AddMinutes(-1);
            var chosen = new NewJob(story.Id, user, null, null, SceneIds: [story.Scenes[1].Id, story.Scenes[2].Id, story.Scenes[3].Id]);
            jobId = ((StartOutcome.Started)await stores.Jobs.StartAsync(ImageJobKind.Kind, chosen, Stores.Unbounded, past, past.AddMinutes(-5), "stale", CancellationToken.None)).Job.Id;
            // A worker claims the job, makes the second scene's image and dies: its short lease ran out long ago.
            var dead = (await stores.Jobs.ClaimAsync("dead-worker", past, TimeSpan.FromSeconds(1), 3, int.MaxValue, CancellationToken.None)).Claimed!;
            Assert.True(await stores.RecordSceneImageAsync(JobLease.Of(dead), story.Scenes[1].Id, "0123456789abcdef0123456789abcdef.png", Stores.Made, CancellationToken.None));
        }

        await using var instance = await ServiceInstance.StartAsync(backend);
        var client = instance.Client(user);
        var done = await client.WaitUntilFinishedAsync(jobId);

        Assert.Equal((JobStatus.Completed, 2), (done.Status, done.Attempts));
        var scenes = (await client.GetStoryAsync(story.Id)).Scenes;
        Assert.Null(scenes[0].ImageUrl);
        Assert.Equal("/media/0123456789abcdef0123456789abcdef.png", scenes[1].ImageUrl);
        Assert.All(scenes.Skip(2), s => Assert.NotNull(s.ImageUrl));
        Assert.Equal(2, Directory.GetFiles(instance.Get<StoryMedia.Media.FileMediaStore>().Root, "*.png").Length);
        var planned = (await client.JobScenesAsync(jobId)).Scenes.ToDictionary(s => s.SceneId, s => s.Seed);
        Assert.All(scenes.Skip(2), s => Assert.Equal(planned[s.Id], s.ImageProvenance!.Seed));
    }

    [Fact]
    public async Task The_same_seed_redraws_a_scene_s_picture_exactly_and_a_new_job_draws_a_new_one_with_its_provenance()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 2, style: "woodcut");
        await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        var first = (await client.GetStoryAsync(story.Id)).Scenes[0];

        await client.WaitUntilFinishedAsync((await client.StartScenesAsync(story.Id, [first.Id], sameSeed: true)).Id);
        var same = (await client.GetStoryAsync(story.Id)).Scenes[0];
        await client.WaitUntilFinishedAsync((await client.StartScenesAsync(story.Id, [first.Id])).Id);
        var fresh = (await client.GetStoryAsync(story.Id)).Scenes[0];

        var made = first.ImageProvenance!;
        Assert.Equal(("builtin", BuiltinRenderer.Model, "768x432", 1, (string?)null), (made.Provider, made.Model, made.Size, made.Attempts, made.RequestId));
        Assert.Equal(ScenePrompts.Compose("woodcut", null, first.Text), made.Prompt);
        Assert.InRange(made.DurationMs, 0, 60_000);
        Assert.NotNull(made.Seed);
        Assert.Equal(made.Seed, same.ImageProvenance!.Seed);
        Assert.NotEqual(first.ImageUrl, same.ImageUrl);
        Assert.Equal(await client.GetByteArrayAsync(first.ImageUrl), await client.GetByteArrayAsync(same.ImageUrl));
        Assert.NotEqual(made.Seed, fresh.ImageProvenance!.Seed);
        Assert.NotEqual(await client.GetByteArrayAsync(first.ImageUrl), await client.GetByteArrayAsync(fresh.ImageUrl));
    }

    private static List<string?> Urls(StoryView story) => [.. story.Scenes.Select(s => s.ImageUrl)];
}

public static class ChosenScenesApi
{
    public static async Task<JobView> StartScenesAsync(this HttpClient client, Guid storyId, Guid[] sceneIds, bool sameSeed = false)
    {
        using var response = await client.PostAsJsonAsync("/api/generate_images", new { story_id = storyId, scene_ids = sceneIds, same_seed = sameSeed }, Api.Json);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
    }

    public static async Task<ImageJobScenesView> JobScenesAsync(this HttpClient client, Guid jobId) =>
        (await client.GetFromJsonAsync<ImageJobScenesView>($"/api/image_jobs/{jobId}/scenes", Api.Json))!;
}
