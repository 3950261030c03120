using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>The guard under real concurrency: hundreds of simultaneous HTTP starts, one or two instances on one database.</summary>
public sealed class GuardConcurrencyTests
{
    private static readonly Dictionary<string, string?> NoWorkers = new() { ["Jobs:WorkerConcurrency"] = "0" };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Two_hundred_simultaneous_starts_for_one_story_give_one_job_and_199_conflicts(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), NoWorkers);
        var user = Guid.NewGuid();
        var story = await instance.Client(user).CreateStoryAsync();

        var answers = await StartAllAtOnceAsync(Enumerable.Repeat(instance, 200), user, story.Id);

        AssertOneWinner(answers);
    }

    [Fact]
    public async Task Two_hundred_simultaneous_starts_spread_over_two_instances_on_one_postgres_give_one_job()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var first = await ServiceInstance.StartAsync(backend, NoWorkers);
        await using var second = await ServiceInstance.StartAsync(backend, NoWorkers);
        var user = Guid.NewGuid();
        var story = await first.Client(user).CreateStoryAsync();

        var answers = await StartAllAtOnceAsync(Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? first : second), user, story.Id);

        AssertOneWinner(answers);
        using var list = await second.Client(user).GetAsync($"/api/image_jobs?story_id={story.Id}");
        Assert.Single(await list.Content.ReadFromJsonAsync<JsonElement[]>(Api.Json) ?? []);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? RetryAfter)[]> StartAllAtOnceAsync(IEnumerable<ServiceInstance> targets, Guid user, Guid storyId)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = targets.Select(async target =>
        {
            using var client = target.Client(user);
            await go.Task;
            using var response = await client.GenerateAsync(storyId);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response.Headers.RetryAfter?.ToString());
        }).ToList();
        go.SetResult();
        return await Task.WhenAll(requests);
    }

    private static void AssertOneWinner((HttpStatusCode Status, JsonElement Body, string? RetryAfter)[] answers)
    {
        var accepted = Assert.Single(answers, a => a.Status == HttpStatusCode.Accepted);
        var conflicts = answers.Where(a => a.Status == HttpStatusCode.Conflict).ToList();
        Assert.Equal(answers.Length - 1, conflicts.Count);
        var jobId = accepted.Body.GetProperty("id").GetString();
        Assert.All(conflicts, c =>
        {
            Assert.Equal(jobId, c.Body.GetProperty("job").GetProperty("id").GetString());
            Assert.Equal(409, c.Body.GetProperty("status").GetInt32());
            Assert.NotNull(c.RetryAfter);
        });
    }
}
