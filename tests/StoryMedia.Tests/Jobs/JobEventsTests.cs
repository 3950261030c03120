using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

public sealed class JobEventsTests
{
    [Fact]
    public async Task Events_from_an_instance_without_workers_follow_a_job_run_by_another_instance_to_its_end()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var worker = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "1",
            ["Images:Builtin:DelayPerImage"] = "00:00:00.150",
        });
        await using var api = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var user = Guid.NewGuid();
        var client = api.Client(user);
        var story = await client.CreateStoryAsync(scenes: 5);
        var job = await client.StartAsync(story.Id);

        var events = await ReadEventsAsync(client, $"/api/image_jobs/{job.Id}/events");

        Assert.Equal("completed", events[^1].Name);
        Assert.Equal(100, events[^1].Job.Progress);
        var progress = events.Where(e => e.Name == "progress").Select(e => e.Job.Progress).ToList();
        Assert.True(progress.Count >= 2, $"only {progress.Count} progress events");
        Assert.Equal(progress.Order(), progress);
        Assert.Contains(progress, p => p is > 0 and < 100);
    }

    [Fact]
    public async Task Events_accept_the_token_in_the_query_because_event_source_cannot_send_headers()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var user = Guid.NewGuid();
        var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        var job = await client.StartAsync(story.Id);
        await client.WaitUntilFinishedAsync(job.Id);
        using var anonymous = instance.Client();

        var events = await ReadEventsAsync(anonymous, $"/api/image_jobs/{job.Id}/events?access_token={TestTokens.For(user)}");
        using var elsewhere = await anonymous.GetAsync($"/api/image_jobs/{job.Id}?access_token={TestTokens.For(user)}");

        Assert.Equal("completed", Assert.Single(events).Name);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
    }

    private static async Task<List<(string Name, JobView Job)>> ReadEventsAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string, JobView)>();
        var name = "message";
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name, JsonSerializer.Deserialize<JobView>(line["data: ".Length..], Api.Json)!));
            }
        }
        return events;
    }
}
