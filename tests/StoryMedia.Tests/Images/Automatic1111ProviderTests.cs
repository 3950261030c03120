using System.Net;
using Microsoft.AspNetCore.Http;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Images;

/// <summary>The automatic1111 provider against a fake Stable Diffusion WebUI API on loopback.</summary>
public sealed class Automatic1111ProviderTests
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task A_job_completes_with_the_composed_prompts_and_settings_a_rerun_draws_new_seeds_and_each_image_records_how_it_was_made()
    {
        await using var fake = await FakeImageApi.StartAsync((call, context) => Automatic1111Wire.Images(context, call.Body));
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.Automatic1111(fake));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("storybook", "A fox at the edge of the wood.", "The fox meets an owl.", "They watch the moon.");

        var first = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "gentle colours")).Id);
        var second = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "gentle colours")).Id);

        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobStatus.Completed, second.Status);
        var calls = fake.CallsTo(Automatic1111Wire.Txt2Img);
        Assert.Equal(6, calls.Count);
        Assert.Equal(
            story.Scenes.Select(s => ScenePrompts.Compose("storybook", "gentle colours", s.Text)),
            calls.Take(3).Select(c => c.Prompt));
        Assert.All(calls, call =>
        {
            Assert.Equal("blurry", call.Body.GetProperty("negative_prompt").GetString());
            Assert.Equal(640, call.Body.GetProperty("width").GetInt32());
            Assert.Equal(384, call.Body.GetProperty("height").GetInt32());
            Assert.Equal(12, call.Body.GetProperty("steps").GetInt32());
            Assert.Equal("DPM++ 2M Karras", call.Body.GetProperty("sampler_name").GetString());
            Assert.Null(call.Authorization);
        });
        var seeds = calls.Select(c => (c.Prompt, Seed: c.Body.GetProperty("seed").GetInt64())).ToList();
        Assert.All(seeds, s => Assert.InRange(s.Seed, 0, int.MaxValue));
        Assert.Equal(6, seeds.Select(s => s.Seed).Distinct().Count());
        Assert.Equal(seeds.Take(3).Select(s => s.Prompt), seeds.Skip(3).Select(s => s.Prompt));
        var shown = (await client.GetStoryAsync(story.Id)).Scenes;
        Assert.All(shown, scene =>
        {
            var made = scene.ImageProvenance!;
            var call = seeds.Skip(3).Single(s => s.Prompt == made.Prompt);
            Assert.Equal(("automatic1111", Automatic1111Wire.Model, "640x384", call.Seed, 1, (string?)null),
                (made.Provider, made.Model, made.Size, made.Seed, made.Attempts, made.RequestId));
            Assert.Equal(ScenePrompts.Compose("storybook", "gentle colours", scene.Text), made.Prompt);
            Assert.Equal(second.Id, made.JobId);
        });
    }

    [Theory]
    [InlineData(500, """{"error":"OutOfMemoryError","detail":"","body":"","errors":"CUDA out of memory. Tried to allocate 2.00 GiB"}""",
        "Scene 1: the image provider failed (HTTP 500), retries included: CUDA out of memory. Tried to allocate 2.00 GiB")]
    [InlineData(422, """{"detail":[{"loc":["body","sampler_name"],"msg":"Sampler not found","type":"value_error"}]}""",
        "Scene 1: the image provider rejected the request (HTTP 422): Sampler not found")]
    [InlineData(401, """{"detail":"Incorrect username or password"}""",
        "Scene 1: the image provider rejected the key (HTTP 401); check Images:Automatic1111:Username and Password (the WebUI's --api-auth).")]
    // Not the WebUI's JSON (a traceback, a proxy's page) and list entries without a message: their raw text, which
    // names the provider's paths, is left out; the status and the WebUI's own words remain.
    [InlineData(500, "Traceback (most recent call last):\n  File \"/opt/stable-diffusion-webui/modules/api/api.py\", line 380, in text2imgapi",
        "Scene 1: the image provider failed (HTTP 500), retries included.")]
    [InlineData(422, """{"detail":[{"loc":["/opt/stable-diffusion-webui/models"]},"Model not loaded"]}""",
        "Scene 1: the image provider rejected the request (HTTP 422): Model not loaded")]
    public async Task A_webui_error_fails_the_job_with_the_webui_s_own_words_and_nothing_else_of_its_answer(int status, string body, string expected)
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(body);
        });
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.Automatic1111(fake));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("storybook", "A broken night.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal(expected, done.Error);
    }

    [Fact]
    public async Task Clearing_a_job_during_a_slow_generation_aborts_the_call_and_interrupts_the_webui()
    {
        await using var fake = await FakeImageApi.StartAsync((call, context) => call.Path == Automatic1111Wire.Interrupt
            ? Automatic1111Wire.Interrupted(context)
            : Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.Automatic1111(fake));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("storybook", "A very slow sunrise.", "Never drawn.");
        var job = await client.StartAsync(story.Id, "");
        var generation = await fake.WaitForCallAsync(c => c.Path == Automatic1111Wire.Txt2Img);

        Assert.True((await client.ClearAsync(story.Id)).Cleared);

        await generation.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await fake.WaitForCallAsync(c => c.Path == Automatic1111Wire.Interrupt, TimeSpan.FromSeconds(20));
        Assert.Single(fake.CallsTo(Automatic1111Wire.Txt2Img));
        Assert.Equal(JobGuard.ClearedByUser, (await client.GetJobAsync(job.Id)).Error);
    }

    [Fact]
    public async Task A_slow_generation_keeps_the_job_alive_past_its_lease_and_no_other_instance_takes_it_over()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeImageApi.StartAsync(async (call, context) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await Automatic1111Wire.Images(context, call.Body);
        });
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        var settings = new Dictionary<string, string?>(ProviderTests.Automatic1111(fake))
        {
            ["Jobs:LeaseDuration"] = "00:00:02",
            ["Jobs:StaleAfter"] = "00:00:02",
        };
        await using var first = await ServiceInstance.StartAsync(backend, settings);
        await using var second = await ServiceInstance.StartAsync(backend, settings);
        using var client = first.Client(user);
        var story = await client.CreateStoryAsync("storybook", "One long picture.");
        var job = await client.StartAsync(story.Id, "");
        await fake.WaitForCallAsync(c => c.Path == Automatic1111Wire.Txt2Img);

        // Two and a half leases (and stale periods) pass while the one call is still in flight.
        var alive = await client.WaitForJobAsync(job.Id, j => j.HeartbeatAt > j.StartedAt + TimeSpan.FromSeconds(5));
        using var again = await second.Client(user).GenerateAsync(story.Id);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        release.SetResult();

        var done = await client.WaitUntilFinishedAsync(job.Id);
        Assert.Equal(JobStatus.Processing, alive.Status);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(1, done.Attempts);
        Assert.Single(fake.CallsTo(Automatic1111Wire.Txt2Img));
    }
}
