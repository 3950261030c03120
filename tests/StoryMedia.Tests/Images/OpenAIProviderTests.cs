using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Images;

/// <summary>The openai provider against a fake OpenAI Images API on loopback.</summary>
public sealed class OpenAIProviderTests
{
    private readonly Guid user = Guid.NewGuid();
    private readonly string apiKey = $"sk-test-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_job_of_several_scenes_completes_and_the_api_receives_the_composed_prompts_and_settings()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Image(context));
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.OpenAI(fake, apiKey));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("watercolor", "A lighthouse at dusk.", "The keeper climbs the stairs.", "A ship rounds the cape.");

        var job = await client.StartAsync(story.Id, "soft morning light");
        var done = await client.WaitUntilFinishedAsync(job.Id);

        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(100, done.Progress);
        var calls = fake.CallsTo(OpenAIWire.Generations);
        Assert.Equal(
            story.Scenes.Select(s => ScenePrompts.Compose("watercolor", "soft morning light", s.Text)).Order(),
            calls.Select(c => c.Prompt).Order());
        Assert.All(calls, call =>
        {
            Assert.Equal($"Bearer {apiKey}", call.Authorization);
            Assert.Equal("gpt-image-1", call.Body.GetProperty("model").GetString());
            Assert.Equal("1536x1024", call.Body.GetProperty("size").GetString());
            Assert.Equal(1, call.Body.GetProperty("n").GetInt32());
            Assert.False(call.Body.TryGetProperty("response_format", out _));
        });
        var shown = await client.GetStoryAsync(story.Id);
        foreach (var scene in shown.Scenes)
        {
            Assert.NotNull(scene.ImageUrl);
            using var image = await client.GetAsync(scene.ImageUrl);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TinyPng.Bytes, await image.Content.ReadAsByteArrayAsync());
        }
        Assert.DoesNotContain(TestLog.Provider.Lines, line => line.Contains(apiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_call_whose_answer_was_lost_with_its_worker_is_named_on_the_image_the_next_attempt_makes()
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fake = await FakeImageApi.StartAsync(async (call, context) =>
        {
            // The first request reaches the provider (and would be billed), but its worker goes away before the answer.
            if (first.TrySetResult())
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            await OpenAIWire.Image(context);
        });
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var settings = ProviderTests.OpenAI(fake, apiKey);
        Guid storyId, jobId;
        await using (var doomed = await ServiceInstance.StartAsync(backend, settings))
        {
            using var client = doomed.Client(user);
            var story = await client.CreateStoryAsync("ink", "The keeper climbs the stairs.");
            (storyId, jobId) = (story.Id, (await client.StartAsync(story.Id)).Id);
            await first.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        await using var survivor = await ServiceInstance.StartAsync(backend, settings);
        using var again = survivor.Client(user);

        var done = await again.WaitUntilFinishedAsync(jobId);

        Assert.Equal(JobStatus.Completed, done.Status);
        var made = Assert.Single((await again.GetStoryAsync(storyId)).Scenes).ImageProvenance!;
        Assert.StartsWith("Attempt 1 of this job asked the provider for this scene", made.BillingNote, StringComparison.Ordinal);
        Assert.Equal(2, fake.CallsTo(OpenAIWire.Generations).Count);
        // A scene asked for once has no note.
        using (var fresh = survivor.Client(user))
        {
            var other = await fresh.CreateStoryAsync("ink", "A ship rounds the cape.");
            await fresh.WaitUntilFinishedAsync((await fresh.StartAsync(other.Id)).Id);
            Assert.Null(Assert.Single((await fresh.GetStoryAsync(other.Id)).Scenes).ImageProvenance!.BillingNote);
        }
    }

    [Fact]
    public async Task Scenes_of_a_job_are_drawn_together_and_calls_in_flight_never_exceed_max_concurrency_across_jobs()
    {
        var inFlight = 0;
        var most = 0;
        TaskCompletionSource? waiting = null;
        var pairing = new Lock();
        await using var fake = await FakeImageApi.StartAsync(async (_, context) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            // Calls meet in pairs: a provider that drew one scene at a time would never get past here.
            TaskCompletionSource meeting;
            var second = false;
            lock (pairing)
            {
                second = waiting is not null;
                meeting = waiting ?? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting = second ? null : meeting;
            }
            if (second)
            {
                meeting.SetResult();
            }
            await meeting.Task.WaitAsync(context.RequestAborted);
            Interlocked.Decrement(ref inFlight);
            await OpenAIWire.Image(context);
        });
        var settings = new Dictionary<string, string?>(ProviderTests.OpenAI(fake, apiKey)) { ["Images:MaxConcurrency"] = "2" };
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = service.Client(user);
        var alone = await client.CreateStoryAsync("any", "One.", "Two.", "Three.", "Four.");
        var first = await client.CreateStoryAsync("any", "Five.", "Six.");
        var second = await client.CreateStoryAsync("any", "Seven.", "Eight.");

        // Alone, a job's calls can only meet each other: its scenes are drawn two at a time.
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(alone.Id, "")).Id)).Status);
        var together = new[] { await client.StartAsync(first.Id, ""), await client.StartAsync(second.Id, "") };
        foreach (var job in together)
        {
            Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(job.Id)).Status);
        }

        Assert.Equal(8, fake.Calls.Count);
        Assert.Equal(2, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task A_rate_limit_with_retry_after_is_waited_out_and_the_image_records_both_attempts_and_the_provider_s_request_id()
    {
        var refused = 0;
        await using var fake = await FakeImageApi.StartAsync((_, context) =>
        {
            if (Interlocked.Increment(ref refused) == 1)
            {
                return OpenAIWire.Error(context, 429, "Rate limit reached for images per minute.", "requests", "rate_limit_exceeded", retryAfter: "1");
            }
            context.Response.Headers["x-request-id"] = "req_7f3c2a";
            return OpenAIWire.Image(context);
        });
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.OpenAI(fake, apiKey));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("ink", "Rain on the harbour.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Completed, done.Status);
        var calls = fake.CallsTo(OpenAIWire.Generations);
        Assert.Equal(2, calls.Count);
        // The configured backoff is 50 ms; only the header explains a wait of a second.
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromMilliseconds(950),
            $"The retry came {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds:0} ms after the 429 that asked for 1 s.");
        var made = (await client.GetStoryAsync(story.Id)).Scenes[0].ImageProvenance!;
        Assert.Equal(("openai", "gpt-image-1", "1536x1024", (long?)null, "req_7f3c2a", 2), (made.Provider, made.Model, made.Size, made.Seed, made.RequestId, made.Attempts));
        Assert.Equal(calls[1].Prompt, made.Prompt);
        Assert.InRange(made.DurationMs, 950, 60_000);
    }

    [Fact]
    public async Task A_prompt_refused_under_the_content_policy_fails_the_job_naming_the_scene_and_shows_nothing()
    {
        await using var fake = await FakeImageApi.StartAsync((call, context) => call.Prompt.Contains("storm", StringComparison.Ordinal)
            ? OpenAIWire.Error(context, 400, "Your request was rejected as a result of our safety system.", "invalid_request_error", "content_policy_violation")
            : OpenAIWire.Image(context));
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.OpenAI(fake, apiKey));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("oil", "Calm sea.", "A storm breaks.", "Morning after.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal("Scene 2: the image provider refused the prompt under its content policy: Your request was rejected as a result of our safety system.", done.Error);
        Assert.Single(fake.Calls, c => c.Prompt.Contains("storm", StringComparison.Ordinal));
        Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.Null(s.ImageUrl));
    }

    [Theory]
    [InlineData(401, "Incorrect API key provided: sk-test***cret. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key",
        "Scene 1: the image provider rejected the key (HTTP 401); check Images:OpenAI:ApiKey.")]
    [InlineData(429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota",
        "Scene 1: the image provider's quota is exhausted; check the account's plan and billing: You exceeded your current quota, please check your plan and billing details.")]
    public async Task A_rejected_key_or_an_exhausted_quota_fails_at_once_with_a_message_that_says_so(int status, string message, string type, string code, string expected)
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Error(context, status, message, type, code));
        // A root written with its /v1, as many compatible servers document it, reaches the same endpoint.
        var settings = new Dictionary<string, string?>(ProviderTests.OpenAI(fake, apiKey)) { ["Images:OpenAI:BaseUrl"] = $"{fake.BaseAddress}v1" };
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("pencil", "A quiet street.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal(expected, done.Error);
        Assert.Single(fake.CallsTo(OpenAIWire.Generations));
        Assert.Single(fake.Calls);
        Assert.DoesNotContain(TestLog.Provider.Lines, line => line.Contains(apiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_answers_fail_their_jobs_with_a_clear_message_and_leave_the_service_unharmed()
    {
        await using var fake = await FakeImageApi.StartAsync((call, context) => call.Prompt switch
        {
            var p when p.Contains("[html]", StringComparison.Ordinal) => WriteAsync(context, "text/html", "<html><body>Bad gateway page</body></html>"),
            var p when p.Contains("[empty]", StringComparison.Ordinal) => context.Response.WriteAsJsonAsync(new { created = 1, data = Array.Empty<object>() }),
            var p when p.Contains("[base64]", StringComparison.Ordinal) => OpenAIWire.Image(context, "this is !!! not base64"),
            var p when p.Contains("[huge]", StringComparison.Ordinal) => WriteHugeImageAsync(context, 50 << 20),
            _ => OpenAIWire.Image(context),
        });
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), ProviderTests.OpenAI(fake, apiKey));
        using var client = service.Client(user);
        var cases = new Dictionary<string, string>
        {
            ["[html]"] = "Scene 1: the image provider's answer was not valid JSON (text/html, 42 bytes).",
            ["[empty]"] = "Scene 1: the image provider's answer contained no image.",
            ["[base64]"] = "Scene 1: the image in the provider's answer was not valid base64.",
            ["[huge]"] = "Scene 1: the image provider's answer was larger than 32 MB, more than an image should be (Images:MaxResponseBytes).",
        };

        var jobs = new Dictionary<string, Guid>();
        foreach (var marker in cases.Keys)
        {
            var story = await client.CreateStoryAsync("any", $"A scene that gets {marker}.");
            jobs[marker] = (await client.StartAsync(story.Id, "")).Id;
        }

        foreach (var (marker, expected) in cases)
        {
            var done = await client.WaitUntilFinishedAsync(jobs[marker]);
            Assert.Equal(JobStatus.Failed, done.Status);
            Assert.Equal(expected, done.Error);
        }
        var healthy = await client.CreateStoryAsync("any", "A scene drawn properly.");
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(healthy.Id, "")).Id)).Status);
    }

    [Fact]
    public async Task Clearing_a_job_from_another_instance_aborts_the_slow_call_at_the_next_heartbeat()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        await using var worker = await ServiceInstance.StartAsync(backend, ProviderTests.OpenAI(fake, apiKey));
        await using var api = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?>(ProviderTests.OpenAI(fake, apiKey)) { ["Jobs:WorkerConcurrency"] = "0" });
        using var client = api.Client(user);
        var story = await client.CreateStoryAsync("charcoal", "The long wait.");
        var job = await client.StartAsync(story.Id, "");
        var call = await fake.WaitForCallAsync(c => c.Path == OpenAIWire.Generations);

        Assert.True((await client.ClearAsync(story.Id)).Cleared);

        await call.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var cleared = await client.GetJobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, cleared.Status);
        Assert.Equal(JobGuard.ClearedByUser, cleared.Error);
        Assert.Single(fake.Calls);
    }

    [Fact]
    public async Task An_unreachable_provider_fails_the_job_saying_it_could_not_be_reached()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Image(context));
        var settings = ProviderTests.OpenAI(fake, apiKey);
        await fake.DisposeAsync();
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("any", "Nobody answers.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal("Scene 1: the image provider could not be reached: the connection was refused or timed out.", done.Error);
    }

    [Fact]
    public async Task A_paid_call_that_never_answers_is_not_made_again_because_it_may_have_been_billed_and_the_job_fails_saying_it_timed_out()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var settings = new Dictionary<string, string?>(ProviderTests.OpenAI(fake, apiKey))
        {
            ["Images:AttemptTimeout"] = "00:00:00.300",
            ["Images:MaxRetries"] = "1",
        };
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync("any", "Silence.");

        var done = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id, "")).Id);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal("Scene 1: the image provider did not answer within 300 ms.", done.Error);
        Assert.Single(fake.Calls);
        await Task.WhenAll(fake.Calls.Select(c => c.Aborted.Task)).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_missing_api_key_stops_the_service_at_start_naming_the_setting()
    {
        await using var fake = await FakeImageApi.StartAsync((_, context) => OpenAIWire.Image(context));
        var settings = ProviderTests.OpenAI(fake, apiKey);
        settings.Remove("Images:OpenAI:ApiKey");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings));

        Assert.Contains("Images:OpenAI:ApiKey is required", error.Message, StringComparison.Ordinal);
    }

    private static Task WriteAsync(HttpContext context, string contentType, string text)
    {
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text);
    }

    /// <summary>A well-formed answer whose base64 runs to <paramref name="size"/> bytes, streamed without a length.</summary>
    private static async Task WriteHugeImageAsync(HttpContext context, int size)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"created\":1,\"data\":[{\"b64_json\":\"", context.RequestAborted);
        var chunk = Encoding.ASCII.GetBytes(new string('A', 1 << 20));
        for (var written = 0; written < size; written += chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
        await context.Response.WriteAsync("\"}]}", context.RequestAborted);
    }
}
