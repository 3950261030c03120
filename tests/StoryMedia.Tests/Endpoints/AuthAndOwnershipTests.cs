using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Endpoints;

public sealed class AuthAndOwnershipTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Another_users_story_and_jobs_answer_404_on_every_route(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var owner = instance.Client(Guid.NewGuid());
        var story = await owner.CreateStoryAsync();
        var job = await owner.StartAsync(story.Id);
        var intruder = instance.Client(Guid.NewGuid());

        using var getStory = await intruder.GetAsync($"/api/stories/{story.Id}");
        using var listJobs = await intruder.GetAsync($"/api/image_jobs?story_id={story.Id}");
        using var getJob = await intruder.GetAsync($"/api/image_jobs/{job.Id}");
        using var events = await intruder.GetAsync($"/api/image_jobs/{job.Id}/events");
        using var generate = await intruder.GenerateAsync(story.Id);
        using var clear = await intruder.PostAsJsonAsync("/api/clear_image_job", new { story_id = story.Id });
        using var editScenes = await intruder.PutAsJsonAsync($"/api/stories/{story.Id}/scenes", new { scenes = story.Scenes.Select(s => new { id = s.Id, text = "Mine now." }) });
        var stories = await intruder.GetFromJsonAsync<JsonElement[]>("/api/stories");

        Assert.All([getStory, listJobs, getJob, events, generate, clear, editScenes], r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.Empty(stories!);
        Assert.Equal("processing", (await owner.GetJobAsync(job.Id)).Status);
        Assert.Equal(story.Scenes, (await owner.GetStoryAsync(story.Id)).Scenes);
    }

    [Fact]
    public async Task Without_a_valid_token_every_api_route_answers_401_problem_details()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var anonymous = instance.Client();
        using var forged = new HttpClient { BaseAddress = instance.BaseAddress };
        forged.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Guid.NewGuid(), secret: "another-secret-another-secret-another-secret"));

        foreach (var client in new[] { anonymous, forged })
        {
            using var stories = await client.GetAsync("/api/stories");
            using var generate = await client.GenerateAsync(Guid.NewGuid());
            using var editScenes = await client.PutAsJsonAsync($"/api/stories/{Guid.NewGuid()}/scenes", new { scenes = new[] { new { id = Guid.NewGuid(), text = "a" } } });
            Assert.Equal(HttpStatusCode.Unauthorized, stories.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, generate.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, editScenes.StatusCode);
            Assert.NotEmpty(stories.Headers.WwwAuthenticate);
            await stories.ProblemAsync();
        }
    }

    [Fact]
    public async Task Development_signs_in_through_the_dev_token_route_and_other_environments_do_not_have_it()
    {
        await using var development = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), environment: "Development");
        await using var production = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var user = Guid.NewGuid();

        using var issued = await development.Client().PostAsJsonAsync("/api/dev/token", new { user_id = user });
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var signedIn = development.Client();
        signedIn.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var story = await signedIn.CreateStoryAsync();
        using var missing = await production.Client().PostAsJsonAsync("/api/dev/token", new { user_id = user });

        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal(story.Id, (await development.Client(user).GetStoryAsync(story.Id)).Id);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Development_with_a_configured_jwt_secret_has_no_token_route_and_no_scalar()
    {
        await using var development = await ServiceInstance.StartAsync(
            await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Auth:JwtSecret"] = TestTokens.Secret }, environment: "Development");
        using var anonymous = development.Client();

        using var post = await anonymous.PostAsJsonAsync("/api/dev/token", new { user_id = Guid.NewGuid() });
        using var get = await anonymous.GetAsync(new Uri("/api/dev/token", UriKind.Relative));
        using var scalar = await anonymous.GetAsync(new Uri("/scalar", UriKind.Relative));
        using var signedIn = await development.Client(Guid.NewGuid()).GetAsync(new Uri("/api/stories", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, scalar.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task Outside_development_the_service_refuses_to_start_without_a_jwt_secret()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceInstance.StartAsync(
            backend, new Dictionary<string, string?> { ["Auth:JwtSecret"] = "" }));

        Assert.Contains("Auth:JwtSecret is not set", error.Message, StringComparison.Ordinal);
    }
}
