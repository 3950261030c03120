using System.Net;
using System.Net.Http.Json;
using StoryMedia.Images;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.HostApp;

/// <summary>A host app retries a start with its Idempotency-Key and never gets a second job for one intent.</summary>
public sealed class IdempotentStartTests
{
    private readonly Guid user = Guid.NewGuid();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_hundred_simultaneous_retries_with_one_key_start_one_job_and_all_get_the_first_answer(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider),
            new Dictionary<string, string?> { ["Images:Builtin:DelayPerImage"] = "00:00:00.200" });
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            using var response = await StartAsync(client, key, new { story_id = story.Id });
            return (response.StatusCode, Location: response.Headers.Location?.ToString(), Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(answers.Select(a => a.Location).Distinct());
        var job = Assert.Single(await client.JobsAsync(story.Id));
        Assert.Contains(job.Id.ToString(), answers[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_that_starts_nothing()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();
        var other = await client.CreateStoryAsync();
        var key = Guid.NewGuid().ToString();
        using var first = await StartAsync(client, key, new { story_id = story.Id });

        using var differentBody = await StartAsync(client, key, new { story_id = other.Id });
        using var differentPath = await client.SendAsync(Request("/api/generate_video", key, new { story_id = story.Id }));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, differentBody.StatusCode);
        Assert.Contains("Idempotency-Key", (await differentBody.ProblemAsync()).GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, differentPath.StatusCode);
        Assert.Empty(await client.JobsAsync(other.Id));
    }

    [Fact]
    public async Task A_409_is_not_kept_so_the_same_key_starts_the_job_once_the_running_one_is_cleared()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite),
            new Dictionary<string, string?> { ["Images:Builtin:DelayPerImage"] = "00:00:05" });
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();
        var running = await client.StartAsync(story.Id);
        var key = Guid.NewGuid().ToString();

        using var refused = await StartAsync(client, key, new { story_id = story.Id });
        await client.ClearAsync(story.Id);
        using var retried = await StartAsync(client, key, new { story_id = story.Id });
        using var replayed = await StartAsync(client, key, new { story_id = story.Id });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);
        Assert.Equal(await retried.Content.ReadAsStringAsync(), await replayed.Content.ReadAsStringAsync());
        Assert.Equal(2, (await client.JobsAsync(story.Id)).Count);
        Assert.DoesNotContain(running.Id.ToString(), await retried.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_key_is_a_400_naming_the_header()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();

        using var response = await StartAsync(client, new string('k', 256), new { story_id = story.Id });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Idempotency-Key:", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await client.JobsAsync(story.Id));
    }

    private static Task<HttpResponseMessage> StartAsync(HttpClient client, string key, object body) =>
        client.SendAsync(Request(ImageJobKind.Paths.Generate, key, body));

    private static HttpRequestMessage Request(string path, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Api.Json) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
