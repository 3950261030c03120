using System.Net;
using Microsoft.AspNetCore.Http;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Tests.Images;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Narration;

/// <summary>The OpenAI-compatible speech provider against a fake <c>/v1/audio/speech</c> on loopback that answers as the real API does.</summary>
public sealed class OpenAISpeechProviderTests
{
    private const string Speech = "/v1/audio/speech";
    private readonly Guid user = Guid.NewGuid();

    private static Dictionary<string, string?> Settings(Uri fake) => new()
    {
        ["Media:Path"] = TempDirectory.Create("media"),
        ["Narration:Provider"] = "openai",
        ["Narration:OpenAI:BaseUrl"] = fake.ToString(),
        ["Narration:OpenAI:ApiKey"] = "sk-test-narration",
        ["Narration:OpenAI:Model"] = "tts-1",
        ["Narration:MaxRetries"] = "1",
        ["Narration:RetryDelay"] = "00:00:00.05",
    };

    [Fact]
    public async Task Each_scene_is_spoken_by_one_speech_call_and_its_mp3_is_served_with_its_measured_length()
    {
        var tone = await MediaProbe.ToneAsync(1.5, "mp3");
        await using var fake = await FakeImageApi.StartAsync(async (_, context) =>
        {
            context.Response.ContentType = "audio/mpeg";
            await context.Response.Body.WriteAsync(tone);
        });
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), Settings(fake.BaseAddress));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);

        var job = await client.StartAsync(story.Id, NarrationJobKind.Paths);
        var done = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(30), NarrationJobKind.Paths);

        Assert.Equal((JobStatus.Completed, null), (done.Status, done.Error));
        var calls = fake.CallsTo(Speech).OrderBy(c => c.Body.GetProperty("input").GetString()).ToList();
        Assert.Equal(story.Scenes.Select(s => s.Text), calls.Select(c => c.Body.GetProperty("input").GetString()));
        Assert.All(calls, c =>
        {
            Assert.Equal("Bearer sk-test-narration", c.Authorization);
            Assert.Equal(("tts-1", "alloy", "mp3"), (c.Body.GetProperty("model").GetString(), c.Body.GetProperty("voice").GetString(), c.Body.GetProperty("response_format").GetString()));
        });
        var scene = (await client.GetStoryAsync(story.Id)).Scenes[0];
        using var audio = await client.GetAsync(new Uri(scene.AudioUrl!, UriKind.Relative));
        Assert.Equal("audio/mpeg", audio.Content.Headers.ContentType?.MediaType);
        Assert.Equal(tone, await audio.Content.ReadAsByteArrayAsync());
        Assert.InRange(scene.AudioSeconds!.Value, 1.4, 1.6);
    }

    [Fact]
    public async Task A_provider_that_keeps_failing_fails_the_job_naming_the_scene_and_what_it_said_and_the_story_keeps_no_narration()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Error(context, StatusCodes.Status503ServiceUnavailable, "The engine is overloaded.", "server_error", null));
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), Settings(fake.BaseAddress));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, NarrationJobKind.Paths)).Id, TimeSpan.FromSeconds(30), NarrationJobKind.Paths);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal("Scene 1: the speech provider failed (HTTP 503), retries included: The engine is overloaded.", done.Error);
        Assert.Equal(2, fake.CallsTo(Speech).Count);
        Assert.Null((await client.GetStoryAsync(story.Id)).Scenes[0].AudioUrl);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/api/stories/{story.Id}", UriKind.Relative))).StatusCode);
    }
}
