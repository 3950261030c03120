using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// The API as a test speaks it: snake_case JSON over real HTTP. The job helpers take a kind's routes (the kind's own
/// <c>Paths</c>); without them they speak to image jobs, the kind most tests start.
/// </summary>
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

    public static Task<HttpResponseMessage> GenerateAsync(this HttpClient client, Guid storyId, JobRoutes? kind = null) =>
        client.PostAsJsonAsync((kind ?? ImageJobKind.Paths).Generate, new { story_id = storyId }, Json);

    public static async Task<JobView> StartAsync(this HttpClient client, Guid storyId, JobRoutes? kind = null)
    {
        using var response = await client.GenerateAsync(storyId, kind);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobView>(Json))!;
    }

    public static async Task<ClearResponse> ClearAsync(this HttpClient client, Guid storyId, JobRoutes? kind = null)
    {
        using var response = await client.PostAsJsonAsync((kind ?? ImageJobKind.Paths).Clear, new { story_id = storyId }, Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClearResponse>(Json))!;
    }

    public static async Task<JobView> GetJobAsync(this HttpClient client, Guid jobId, JobRoutes? kind = null) =>
        (await client.GetFromJsonAsync<JobView>($"{(kind ?? ImageJobKind.Paths).Collection}/{jobId}", Json))!;

    /// <summary>The story's jobs of the kind, newest first.</summary>
    public static async Task<List<JobView>> JobsAsync(this HttpClient client, Guid storyId, JobRoutes? kind = null) =>
        (await client.GetFromJsonAsync<List<JobView>>($"{(kind ?? ImageJobKind.Paths).Collection}?story_id={storyId}", Json))!;

    public static async Task<StoryView> GetStoryAsync(this HttpClient client, Guid storyId) =>
        (await client.GetFromJsonAsync<StoryView>($"/api/stories/{storyId}", Json))!;

    /// <summary>Polls the job until it satisfies <paramref name="done"/>; fails after <paramref name="timeout"/>.</summary>
    public static Task<JobView> WaitForJobAsync(this HttpClient client, Guid jobId, Func<JobView, bool> done, TimeSpan? timeout = null, JobRoutes? kind = null) =>
        Eventually.ReadAsync(() => client.GetJobAsync(jobId, kind), done, timeout ?? TimeSpan.FromSeconds(30),
            job => $"Job {jobId} did not reach the expected state in time; it is {job.Status} at {job.Progress} %, error: {job.Error}");

    public static Task<JobView> WaitUntilFinishedAsync(this HttpClient client, Guid jobId, TimeSpan? timeout = null, JobRoutes? kind = null) =>
        client.WaitForJobAsync(jobId, j => j.Status != JobStatus.Processing, timeout, kind);

    /// <summary>Reads a problem-details answer, asserting its media type.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
