using System.Net;
using System.Net.Http.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>Per-user limits: one user's burst is refused with 429 and Retry-After, and nobody else notices.</summary>
public sealed class RateLimitTests
{
    private readonly Guid alice = Guid.NewGuid();
    private readonly Guid bob = Guid.NewGuid();

    // No worker: started jobs stay processing, so event streams stay open.
    private static async Task<ServiceInstance> StartAsync(params (string Key, string Value)[] limits)
    {
        var settings = limits.ToDictionary(l => l.Key, l => (string?)l.Value);
        settings["Jobs:WorkerConcurrency"] = "0";
        return await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.TryParse(response.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds >= 1);
        var problem = await response.ProblemAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Starts_over_the_limit_get_429_with_retry_after_while_another_user_is_unaffected()
    {
        await using var service = await StartAsync(("RateLimits:StartsPerWindow", "3"), ("RateLimits:Window", "00:10:00"));
        using var a = service.Client(alice);
        using var b = service.Client(bob);
        var stories = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            stories.Add((await a.CreateStoryAsync(scenes: 1)).Id);
        }

        var statuses = new List<HttpStatusCode>();
        foreach (var story in stories)
        {
            using var response = await a.GenerateAsync(story);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertTooManyAsync(response);
            }
        }
        var bobs = await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("processing", bobs.Status);
        // A refused start wrote nothing: the fourth story has no job.
        using var history = await a.GetAsync($"/api/image_jobs?story_id={stories[3]}");
        Assert.Equal("[]", await history.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Clears_over_the_limit_get_429_while_another_user_is_unaffected()
    {
        await using var service = await StartAsync(("RateLimits:ClearsPerWindow", "2"), ("RateLimits:Window", "00:10:00"));
        using var a = service.Client(alice);
        using var b = service.Client(bob);
        var story = await a.CreateStoryAsync(scenes: 1);

        await a.ClearAsync(story.Id);
        await a.ClearAsync(story.Id);
        using var third = await a.PostAsJsonAsync("/api/clear_image_job", new { story_id = story.Id }, Api.Json);

        await AssertTooManyAsync(third);
        await b.ClearAsync((await b.CreateStoryAsync(scenes: 1)).Id);
    }

    [Fact]
    public async Task Story_creates_and_scene_edits_share_a_limit_over_which_they_get_429_and_write_nothing_while_another_user_is_unaffected()
    {
        await using var service = await StartAsync(("RateLimits:StoryWritesPerWindow", "3"), ("RateLimits:Window", "00:10:00"));
        using var a = service.Client(alice);
        using var b = service.Client(bob);
        var story = await a.CreateStoryAsync(scenes: 2);
        await a.CreateStoryAsync(scenes: 1);
        var edit = new { scenes = story.Scenes.Reverse().Select(s => new { id = s.Id, text = "Edited." }) };
        using (var edited = await a.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", edit, Api.Json))
        {
            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        }

        using var create = await a.PostAsJsonAsync("/api/stories", new { title = "One too many", scenes = new[] { new { text = "A scene." } } }, Api.Json);
        using var editAgain = await a.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", new { scenes = story.Scenes.Select(s => new { id = s.Id, text = "Refused." }) }, Api.Json);

        await AssertTooManyAsync(create);
        await AssertTooManyAsync(editAgain);
        await b.CreateStoryAsync(scenes: 1);
        Assert.Equal(2, (await a.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/stories"))!.Length);
        Assert.Equal(["Edited.", "Edited."], (await a.GetStoryAsync(story.Id)).Scenes.Select(s => s.Text));
    }

    [Fact]
    public async Task A_user_may_hold_only_so_many_event_streams_at_once()
    {
        await using var service = await StartAsync(("RateLimits:EventStreamsPerUser", "2"));
        using var a = service.Client(alice);
        using var b = service.Client(bob);
        var job = await a.StartAsync((await a.CreateStoryAsync(scenes: 1)).Id);
        var bobsJob = await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id);
        Task<HttpResponseMessage> OpenAsync(HttpClient client, Guid jobId) =>
            client.GetAsync($"/api/image_jobs/{jobId}/events", HttpCompletionOption.ResponseHeadersRead);

        var first = await OpenAsync(a, job.Id);
        using var second = await OpenAsync(a, job.Id);
        using (var third = await OpenAsync(a, job.Id))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            await AssertTooManyAsync(third);
        }
        using (var bobs = await OpenAsync(b, bobsJob.Id))
        {
            Assert.Equal(HttpStatusCode.OK, bobs.StatusCode);
        }

        // Closing a stream frees its place once the server sees the disconnect.
        first.Dispose();
        await Eventually.TrueAsync(async () =>
        {
            var again = await OpenAsync(a, job.Id);
            var ok = again.StatusCode == HttpStatusCode.OK;
            again.Dispose();
            return ok;
        }, TimeSpan.FromSeconds(10));
    }
}
