using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Events;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Events;

/// <summary>
/// <c>GET /api/stories/{id}/events</c>: the story's change log as Server-Sent Events, on any instance, resumed with
/// Last-Event-ID, reset when the log cannot continue from the client's id, the owner's only, ended by the token's expiry.
/// </summary>
public sealed class StoryStreamTests
{
    [Fact]
    public async Task A_stream_on_an_instance_without_workers_tells_a_job_run_elsewhere_and_a_scene_edit_and_resumes_after_its_last_event_id()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var worker = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "1",
            ["Images:Builtin:DelayPerImage"] = "00:00:00.100",
        });
        await using var api = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var user = Guid.NewGuid();
        var elsewhere = worker.Client(user);
        var story = await elsewhere.CreateStoryAsync(scenes: 3);
        using var client = api.Client(user);
        await using var stream = await StoryEventStream.OpenAsync(client, story.Id);

        var job = await elsewhere.StartAsync(story.Id);
        var jobEvents = await stream.ReadUntilAsync(e => e.Name == "story_changed");
        using (var edit = await elsewhere.PutAsJsonAsync($"/api/stories/{story.Id}/scenes",
            new { scenes = story.Scenes.Reverse().Select(s => new { id = s.Id, text = s.Text }) }, Api.Json))
        {
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        }
        var edited = await stream.ReadUntilAsync(e => e.Name == "story_changed");
        await using var resumed = await StoryEventStream.OpenAsync(client, story.Id, lastEventId: jobEvents[1].Id);
        var replayed = await resumed.ReadUntilAsync(e => e.Data.TryGetProperty("what", out var what) && what.GetString() == "scenes");

        Assert.Equal("started", jobEvents[0].Name);
        Assert.Equal(job.Id, jobEvents[0].Data.GetProperty("id").GetGuid());
        Assert.Equal(["completed", "story_changed"], jobEvents[^2..].Select(e => e.Name));
        Assert.Contains(jobEvents, e => e.Name == "progress" && e.Data.GetProperty("progress").GetInt32() is > 0 and < 100);
        Assert.Equal("images", jobEvents[^1].Data.GetProperty("what").GetString());
        Assert.Equal("scenes", Assert.Single(edited).Data.GetProperty("what").GetString());
        var ids = jobEvents.Concat(edited).Select(e => long.Parse(e.Id)).ToList();
        Assert.Equal(Enumerable.Range((int)ids[0], ids.Count).Select(i => (long)i), ids);
        Assert.Equal([.. jobEvents.Skip(2), .. edited], replayed);
    }

    [Fact]
    public async Task An_id_the_log_no_longer_holds_or_never_held_gets_one_reset_at_the_head_and_then_what_follows()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var user = Guid.NewGuid();
        var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        var head = (await instance.Get<StoryEventLog>().KeptAsync(story.Id, user, CancellationToken.None)).Newest;
        // What the pruner does to events older than Jobs:EventRetention: all but the story's newest go.
        await instance.Get<StoryEventLog>().PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        await using var behind = await StoryEventStream.OpenAsync(client, story.Id, lastEventId: "1");
        var reset = await behind.ReadUntilAsync(e => e.Name == "reset");
        await using var ahead = await StoryEventStream.OpenAsync(client, story.Id, lastEventId: $"{head + 5}");
        var resetAhead = await ahead.ReadUntilAsync(e => e.Name == "reset");
        await using var current = await StoryEventStream.OpenAsync(client, story.Id, lastEventId: $"{head - 1}");
        var last = await current.ReadUntilAsync(_ => true);
        await client.ClearAsync(story.Id);
        await client.StartAsync(story.Id);
        var next = await behind.ReadUntilAsync(_ => true);

        Assert.Equal(($"{head}", "behind"), (Assert.Single(reset).Id, reset[0].Data.GetProperty("reason").GetString()));
        Assert.Equal(($"{head}", "ahead"), (Assert.Single(resetAhead).Id, resetAhead[0].Data.GetProperty("reason").GetString()));
        Assert.Equal(($"{head}", "story_changed"), (Assert.Single(last).Id, last[0].Name));
        Assert.Equal(($"{head + 1}", "started"), (Assert.Single(next).Id, next[0].Name));
    }

    [Fact]
    public async Task Another_users_story_is_not_found_and_a_stream_ends_when_its_token_expires_and_counts_toward_the_stream_limit()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite),
            new Dictionary<string, string?> { ["RateLimits:EventStreamsPerUser"] = "1" });
        var user = Guid.NewGuid();
        var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        using var stranger = instance.Client(Guid.NewGuid());
        using var shortLived = instance.Client();
        shortLived.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(user, expires: DateTime.UtcNow.AddSeconds(3)));

        using var strangers = await stranger.GetAsync($"/api/stories/{story.Id}/events");
        using var unknown = await client.GetAsync($"/api/stories/{Guid.NewGuid()}/events");
        await using var expiring = await StoryEventStream.OpenAsync(shortLived, story.Id);
        using var second = await client.GetAsync($"/api/stories/{story.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        var ended = await expiring.ReadToEndAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.NotFound, strangers.StatusCode);
        Assert.Equal("Story not found.", (await strangers.ProblemAsync()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Empty(ended);
    }
}

/// <summary>One Server-Sent Event as the story stream sends it.</summary>
public sealed record StoryStreamEvent(string Id, string Name, JsonElement Data)
{
    public bool Equals(StoryStreamEvent? other) => other is not null && (Id, Name, Data.GetRawText()) == (other.Id, other.Name, other.Data.GetRawText());

    public override int GetHashCode() => HashCode.Combine(Id, Name, Data.GetRawText());
}

/// <summary>An open story stream read event by event, each wait bounded.</summary>
public sealed class StoryEventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private StoryEventStream(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public static async Task<StoryEventStream> OpenAsync(HttpClient client, Guid storyId, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stories/{storyId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new StoryEventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The events up to and including the first that satisfies <paramref name="last"/>.</summary>
    public async Task<List<StoryStreamEvent>> ReadUntilAsync(Func<StoryStreamEvent, bool> last, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var events = new List<StoryStreamEvent>();
        while (await NextAsync(cancel.Token) is { } e)
        {
            events.Add(e);
            if (last(e))
            {
                return events;
            }
        }
        Assert.Fail($"The stream ended after {events.Count} events without the one awaited.");
        return events;
    }

    /// <summary>Every event until the service ends the stream.</summary>
    public async Task<List<StoryStreamEvent>> ReadToEndAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var events = new List<StoryStreamEvent>();
        while (await NextAsync(cancel.Token) is { } e)
        {
            events.Add(e);
        }
        return events;
    }

    private async Task<StoryStreamEvent?> NextAsync(CancellationToken cancellationToken)
    {
        string? id = null, name = null, data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return new StoryStreamEvent(id ?? "", name ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                }
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data = data is null ? value : $"{data}\n{value}"; break;
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}
