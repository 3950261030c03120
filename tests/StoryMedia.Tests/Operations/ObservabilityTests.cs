using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Operations;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>What an operator and an API client can see: health, metrics, traces, the OpenAPI document.</summary>
public sealed class ObservabilityTests
{
    private readonly Guid user = Guid.NewGuid();

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Health_endpoints_answer_anonymous_callers_with_the_status_alone_outside_development(string environment)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), environment: environment);
        using var client = instance.Client();

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task In_development_readiness_names_each_check_and_says_why_one_fails()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), environment: "Development");
        using var client = instance.Client();
        var healthy = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var root = instance.Get<StoryMedia.Media.FileMediaStore>().Root;
        Directory.Delete(root, recursive: true);
        await File.WriteAllTextAsync(root, "not a directory");

        using var failing = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal("Healthy", healthy.GetProperty("status").GetString());
        Assert.Equal(["database", "media", "migrations"], healthy.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        var media = (await failing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("media");
        Assert.Equal("Unhealthy", media.GetProperty("status").GetString());
        Assert.Contains("is not writable", media.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_guards_decisions_are_counted_in_the_StoryMedia_meter()
    {
        await using var instance = await ServiceInstance.StartAsync(
            await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        var meters = instance.Get<IMeterFactory>();
        // Only this instance's meter: other tests' instances publish under the same name.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StoryMediaTelemetry.Name && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counts.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.Start();
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();

        await client.StartAsync(story.Id);
        (await client.GenerateAsync(story.Id)).Dispose();
        await client.ClearAsync(story.Id);

        Assert.Equal(1, counts.GetValueOrDefault("storymedia.jobs.started"));
        Assert.Equal(1, counts.GetValueOrDefault("storymedia.jobs.conflicts"));
        Assert.Equal(1, counts.GetValueOrDefault("storymedia.jobs.cleared"));
    }

    [Fact]
    public async Task The_workers_span_continues_the_trace_of_the_request_that_started_the_job()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Postgres));
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StoryMediaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/generate_images") { Content = JsonContent.Create(new { story_id = story.Id }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        // The test's own HttpClient must send our traceparent as it is, not one of its own.
        using var sender = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = client.BaseAddress };
        request.Headers.Authorization = client.DefaultRequestHeaders.Authorization;
        using var response = await sender.SendAsync(request);
        var job = (await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("id").GetGuid();
        await client.WaitUntilFinishedAsync(job);

        var run = await WaitForSpanAsync(spans, s => s.OperationName == "run Image job" && Equals(s.GetTagItem("storymedia.job_id"), job));
        Assert.Equal(traceId, run.TraceId);
        Assert.Equal("completed", run.GetTagItem("storymedia.outcome"));
    }

    [Fact]
    public async Task The_OpenAPI_document_types_every_answer_of_the_job_and_scene_edit_routes_including_409_and_503()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), environment: "Development");
        using var client = instance.Client();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        using var reference = await client.GetAsync(new Uri("/scalar", UriKind.Relative));

        var generate = document.GetProperty("paths").GetProperty("/api/generate_images").GetProperty("post").GetProperty("responses");
        Assert.Equal(["202", "400", "401", "404", "409", "422", "429", "503"], generate.EnumerateObject().Select(r => r.Name).Order());
        Assert.True(generate.GetProperty("409").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(generate.GetProperty("202").GetProperty("content").TryGetProperty("application/json", out _));
        var getJob = document.GetProperty("paths").GetProperty("/api/image_jobs/{id}").GetProperty("get").GetProperty("responses");
        Assert.Equal(["200", "401", "404", "503"], getJob.EnumerateObject().Select(r => r.Name).Order());
        var editScenes = document.GetProperty("paths").GetProperty("/api/stories/{id}/scenes").GetProperty("put").GetProperty("responses");
        Assert.Equal(["200", "400", "401", "404", "409", "429", "503"], editScenes.EnumerateObject().Select(r => r.Name).Order());
        Assert.True(editScenes.GetProperty("409").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("openapi/v1.json", await reference.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<Activity> WaitForSpanAsync(ConcurrentQueue<Activity> spans, Func<Activity, bool> match) =>
        (await Eventually.ReadAsync(() => Task.FromResult(spans.FirstOrDefault(match)), span => span is not null, TimeSpan.FromSeconds(10),
            _ => "The worker's span was not recorded."))!;
}
