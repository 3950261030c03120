using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>The API as a test speaks it: snake_case JSON over real HTTP.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static async Task<StoryView> CreateStoryAsync(this HttpClient client, int scenes = 3, string style = "watercolor", string title = "The fox")
    {
        var body = new { title, style, scenes = Enumerable.Range(1, scenes).Select(i => new { text = $"Scene {i}: the fox walks further into the wood." }) };
        using var response = await client.PostAsJsonAsync("/api/stories", body, Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoryView>(Json))!;
    }

    public static Task<HttpResponseMessage> GenerateAsync(this HttpClient client, Guid storyId, string kind = "images") =>
        client.PostAsJsonAsync($"/api/generate_{kind}", new { story_id = storyId }, Json);

    public static async Task<JobView> StartAsync(this HttpClient client, Guid storyId)
    {
        using var response = await client.GenerateAsync(storyId);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobView>(Json))!;
    }

    public static async Task<ClearResponse> ClearAsync(this HttpClient client, Guid storyId)
    {
        using var response = await client.PostAsJsonAsync("/api/clear_image_job", new { story_id = storyId }, Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClearResponse>(Json))!;
    }

    public static async Task<JobView> GetJobAsync(this HttpClient client, Guid jobId) =>
        (await client.GetFromJsonAsync<JobView>($"/api/image_jobs/{jobId}", Json))!;

    public static async Task<StoryView> GetStoryAsync(this HttpClient client, Guid storyId) =>
        (await client.GetFromJsonAsync<StoryView>($"/api/stories/{storyId}", Json))!;

    /// <summary>Polls the job until it satisfies <paramref name="done"/>; fails after <paramref name="timeout"/>.</summary>
    public static async Task<JobView> WaitForJobAsync(this HttpClient client, Guid jobId, Func<JobView, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var job = await client.GetJobAsync(jobId);
            if (done(job))
            {
                return job;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Job {jobId} did not reach the expected state in time; it is {job.Status} at {job.Progress} %, error: {job.Error}");
            }
            await Task.Delay(50);
        }
    }

    public static Task<JobView> WaitUntilFinishedAsync(this HttpClient client, Guid jobId, TimeSpan? timeout = null) =>
        client.WaitForJobAsync(jobId, j => j.Status != JobStatus.Processing, timeout);

    /// <summary>Reads a problem-details answer, asserting its media type.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
