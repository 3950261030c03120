using System.Net.Http.Json;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Images;

/// <summary>Settings and steps shared by the provider tests: short retry delays and heartbeats, a real fake provider.</summary>
public static class ProviderTests
{
    public static Dictionary<string, string?> OpenAI(FakeImageApi fake, string apiKey) => new(Common)
    {
        ["Images:Provider"] = "openai",
        ["Images:OpenAI:BaseUrl"] = fake.BaseAddress.ToString(),
        ["Images:OpenAI:ApiKey"] = apiKey,
        ["Images:OpenAI:Model"] = "gpt-image-1",
        ["Images:OpenAI:Size"] = "1536x1024",
    };

    public static Dictionary<string, string?> Automatic1111(FakeImageApi fake) => new(Common)
    {
        ["Images:Provider"] = "automatic1111",
        ["Images:Automatic1111:BaseUrl"] = fake.BaseAddress.ToString(),
        ["Images:Automatic1111:Steps"] = "12",
        ["Images:Automatic1111:Sampler"] = "DPM++ 2M Karras",
        ["Images:Automatic1111:Width"] = "640",
        ["Images:Automatic1111:Height"] = "384",
        ["Images:Automatic1111:NegativePrompt"] = "blurry",
    };

    /// <summary>Backoff short enough for a test, timeouts long enough for a busy machine, heartbeats several times a second.</summary>
    private static readonly Dictionary<string, string?> Common = new()
    {
        ["Images:RetryDelay"] = "00:00:00.050",
        ["Images:AttemptTimeout"] = "00:00:20",
        ["Images:TotalTimeout"] = "00:00:40",
        ["Jobs:HeartbeatInterval"] = "00:00:00.200",
        ["Jobs:LeaseDuration"] = "00:00:02",
    };

    public static async Task<StoryView> CreateStoryAsync(this HttpClient client, string style, params string[] scenes)
    {
        var body = new { title = "The lighthouse", style, scenes = scenes.Select(text => new { text }) };
        using var response = await client.PostAsJsonAsync("/api/stories", body, Api.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<StoryView>(Api.Json))!;
    }

    public static async Task<JobView> StartAsync(this HttpClient client, Guid storyId, string instructions)
    {
        using var response = await client.PostAsJsonAsync("/api/generate_images", new { story_id = storyId, instructions }, Api.Json);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
    }
}
