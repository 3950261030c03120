using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;
using Xunit.Abstractions;

namespace StoryMedia.Tests.Stories;

/// <summary>Editing the text and order of a story's scenes, on both databases: in the store, and over HTTP.</summary>
public sealed class SceneEditingTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid user = Guid.NewGuid();

    public static TheoryData<string, string> ProvidersAndKinds => new()
    {
        { Backend.Sqlite, ImageJobKind.Kind },
        { Backend.Sqlite, VideoJobKind.Kind },
        { Backend.Postgres, ImageJobKind.Kind },
        { Backend.Postgres, VideoJobKind.Kind },
    };

    private static void AssertUnchanged(Story before, Story? after) =>
        Assert.Equal(before.Scenes, after!.Scenes);

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task New_texts_in_a_new_order_show_in_the_story_and_each_scene_keeps_its_image(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var (one, two, three) = (story.Scenes[0], story.Scenes[1], story.Scenes[2]);

        var outcome = await stores.Stories.EditScenesAsync(story.Id, user, [new(three.Id, "The fox wakes."), new(one.Id, one.Text), new(two.Id, "The fox runs.")], DateTimeOffset.UtcNow, None);

        var edited = Assert.IsType<SceneEditOutcome.Edited>(outcome).Story;
        var read = await stores.Stories.GetAsync(story.Id, user, None);
        Assert.Equal(edited.Scenes, read!.Scenes);
        Assert.Equal(
            [new Scene(three.Id, 1, "The fox wakes.", "scene-3.png"), new Scene(one.Id, 2, one.Text, "scene-1.png"), new Scene(two.Id, 3, "The fox runs.", "scene-2.png")],
            read.Scenes);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task An_edit_is_refused_with_the_running_job_while_an_image_or_video_job_is_processing_and_changes_nothing(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var now = DateTimeOffset.UtcNow;
        var started = Assert.IsType<StartOutcome.Started>(await stores.Jobs.StartAsync(kind, new NewJob(story.Id, user, null, null), Stores.Unbounded, now, now.AddMinutes(-5), "stale", None));

        var outcome = await stores.Stories.EditScenesAsync(story.Id, user, [.. story.Scenes.Reverse().Select(s => new SceneEdit(s.Id, "Changed."))], DateTimeOffset.UtcNow, None);

        var running = Assert.IsType<SceneEditOutcome.JobRunning>(outcome).Job;
        Assert.Equal((started.Job.Id, kind), (running.Id, running.Kind));
        AssertUnchanged(story, await stores.Stories.GetAsync(story.Id, user, None));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task An_edit_that_misses_a_scene_names_an_unknown_one_or_lists_one_twice_is_refused_naming_it_and_changes_nothing(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var other = await stores.NewStoryAsync(user, scenes: 1);
        var (one, two, three) = (story.Scenes[0], story.Scenes[1], story.Scenes[2]);
        var unknown = other.Scenes[0].Id;

        var missing = await stores.Stories.EditScenesAsync(story.Id, user, [new(one.Id, "a"), new(three.Id, "c")], DateTimeOffset.UtcNow, None);
        var stranger = await stores.Stories.EditScenesAsync(story.Id, user, [new(one.Id, "a"), new(two.Id, "b"), new(three.Id, "c"), new(unknown, "d")], DateTimeOffset.UtcNow, None);
        var twice = await stores.Stories.EditScenesAsync(story.Id, user, [new(one.Id, "a"), new(two.Id, "b"), new(one.Id, "c")], DateTimeOffset.UtcNow, None);

        Assert.Equal(new SceneEditOutcome.WrongScenes("scenes", $"must list every scene of the story; scene {two.Id} (position 2) is missing."), missing);
        Assert.Equal(new SceneEditOutcome.WrongScenes("scenes[3].id", $"{unknown} is not a scene of this story."), stranger);
        Assert.Equal(new SceneEditOutcome.WrongScenes("scenes[2].id", $"lists scene {one.Id} twice; list each scene once."), twice);
        AssertUnchanged(story, await stores.Stories.GetAsync(story.Id, user, None));
        AssertUnchanged(other, await stores.Stories.GetAsync(other.Id, user, None));
    }

    /// <summary>
    /// The race the story lock closes: an edit and a video start at once. Whichever commits first, a started video
    /// must show the scenes in the order the story ends with; an edit that loses sees the job and changes nothing.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task An_edit_racing_a_video_start_never_leaves_the_video_with_another_scene_order_than_the_story(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var outcomes = new List<string>();
        for (var round = 0; round < 12; round++)
        {
            var story = await stores.NewIllustratedStoryAsync(user);
            var now = DateTimeOffset.UtcNow;
            var edit = Task.Run(() => stores.Stories.EditScenesAsync(story.Id, user, [.. story.Scenes.Reverse().Select(s => new SceneEdit(s.Id, s.Text))], DateTimeOffset.UtcNow, None));
            var start = Task.Run(() => stores.Jobs.StartAsync(VideoJobKind.Kind, new NewJob(story.Id, user, null, null), Stores.Unbounded, now, now.AddMinutes(-5), "stale", None));
            await Task.WhenAll(edit, start);

            var video = Assert.IsType<StartOutcome.Started>(await start).Job;
            var final = (await stores.Stories.GetAsync(story.Id, user, None))!;
            var snapshot = await stores.Videos.ScenesAsync(video.Id, None);
            Assert.Equal(final.Scenes.Select(s => (s.Position, s.ImageKey)), snapshot.Select(i => (i.Position, (string?)i.ImageKey)));
            switch (await edit)
            {
                case SceneEditOutcome.Edited:
                    Assert.Equal(["scene-3.png", "scene-2.png", "scene-1.png"], final.Scenes.Select(s => s.ImageKey));
                    outcomes.Add("edit first");
                    break;
                case SceneEditOutcome.JobRunning { Job: var running }:
                    Assert.Equal(video.Id, running.Id);
                    AssertUnchanged(story, final);
                    outcomes.Add("start first");
                    break;
                default:
                    Assert.Fail($"Unexpected outcome {await edit}.");
                    break;
            }
        }
        output.WriteLine($"{provider}: {string.Join(", ", outcomes.CountBy(o => o).Select(p => $"{p.Key} ×{p.Value}"))}");
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Another_users_edit_finds_no_story_and_changes_nothing(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        var outcome = await stores.Stories.EditScenesAsync(story.Id, Guid.NewGuid(), [.. story.Scenes.Reverse().Select(s => new SceneEdit(s.Id, "Mine now."))], DateTimeOffset.UtcNow, None);

        Assert.IsType<SceneEditOutcome.StoryNotFound>(outcome);
        AssertUnchanged(story, await stores.Stories.GetAsync(story.Id, user, None));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Over_http_an_edit_answers_the_story_a_running_image_job_gets_409_with_the_job_and_another_user_404(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var owner = instance.Client(user);
        var story = await owner.CreateStoryAsync(scenes: 2);
        var (first, second) = (story.Scenes[0], story.Scenes[1]);
        var swapped = new { scenes = new[] { new { id = second.Id, text = "  Second, now first.  " }, new { id = first.Id, text = first.Text } } };

        using var edited = await owner.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", swapped, Api.Json);
        using var intruder = await instance.Client(Guid.NewGuid()).PutAsJsonAsync($"/api/stories/{story.Id}/scenes", swapped, Api.Json);
        var job = await owner.StartAsync(story.Id);
        using var refused = await owner.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", new { scenes = new[] { new { id = first.Id, text = "x" }, new { id = second.Id, text = "y" } } }, Api.Json);

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var expected = new[] { new SceneView(second.Id, 1, "Second, now first.", null), new SceneView(first.Id, 2, first.Text, null) };
        Assert.Equal(expected, (await edited.Content.ReadFromJsonAsync<StoryView>(Api.Json))!.Scenes);
        Assert.Equal(HttpStatusCode.NotFound, intruder.StatusCode);
        await intruder.ProblemAsync();
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        var problem = await refused.ProblemAsync();
        Assert.Equal(job.Id, problem.GetProperty("job").GetProperty("id").GetGuid());
        Assert.Contains("Image generation is in progress", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(expected, (await owner.GetStoryAsync(story.Id)).Scenes);
    }
}
