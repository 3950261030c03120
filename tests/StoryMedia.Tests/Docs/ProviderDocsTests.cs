using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StoryMedia.Tests.Images;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>
/// docs/providers.md's commands for each provider, run as written with bash (only the provider's address replaced by a
/// fake's): the service they start draws a story's image through that provider, with the documented settings.
/// </summary>
[Collection(DocsCheckoutCollection.Name)]
public sealed class ProviderDocsTests(DocsCheckout checkout)
{
    [Fact]
    public async Task The_OpenAI_commands_start_a_service_that_draws_through_the_configured_API()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Image(context));
        var block = DocumentedCommands.Block("docs/providers.md", "export Images__Provider=openai")
            .WithExportedValues(new Dictionary<string, string> { ["Images__OpenAI__BaseUrl"] = fake.BaseAddress.ToString().TrimEnd('/') });

        await DrawOneImageAsync(block);

        var call = Assert.Single(fake.CallsTo(OpenAIWire.Generations));
        Assert.Equal("Bearer sk-...", call.Authorization);
        Assert.Equal("gpt-image-1", call.Body.GetProperty("model").GetString());
        Assert.Equal("1024x1024", call.Body.GetProperty("size").GetString());
    }

    [Fact]
    public async Task The_Automatic1111_commands_start_a_service_that_draws_through_the_configured_WebUI()
    {
        await using var fake = await FakeImageApi.StartAsync((call, context) => Automatic1111Wire.Images(context, call.Body));
        var block = DocumentedCommands.Block("docs/providers.md", "export Images__Provider=automatic1111")
            .WithExportedValues(new Dictionary<string, string> { ["Images__Automatic1111__BaseUrl"] = fake.BaseAddress.ToString().TrimEnd('/') });

        await DrawOneImageAsync(block);

        var call = Assert.Single(fake.CallsTo(Automatic1111Wire.Txt2Img));
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("storymedia:..."))}", call.Authorization);
        Assert.Equal(25, call.Body.GetProperty("steps").GetInt32());
        Assert.Equal("Euler a", call.Body.GetProperty("sampler_name").GetString());
        Assert.Equal((768, 432), (call.Body.GetProperty("width").GetInt32(), call.Body.GetProperty("height").GetInt32()));
        Assert.Equal("text, watermark, blurry", call.Body.GetProperty("negative_prompt").GetString());
    }

    /// <summary>Starts the block's service, signs in as the development user, and has it draw a one-scene story.</summary>
    private async Task DrawOneImageAsync(string block)
    {
        await using var server = await checkout.StartServerAsync(block, new Uri(DocsCheckout.DevelopmentAddress, "/health/live"));
        using var client = new HttpClient { BaseAddress = DocsCheckout.DevelopmentAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var issued = await client.PostAsJsonAsync("/api/dev/token", new { });
        issued.EnsureSuccessStatusCode();
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var story = await client.CreateStoryAsync(scenes: 1);
        var job = await client.StartAsync(story.Id);
        var done = await client.WaitForJobAsync(job.Id, j => j.Status != "processing");

        Assert.True(done.Status == "completed", $"The job ended {done.Status}: {done.Error}. The service's output:{Environment.NewLine}{server.Output}");
        Assert.NotNull((await client.GetStoryAsync(story.Id)).Scenes[0].ImageUrl);
    }
}
