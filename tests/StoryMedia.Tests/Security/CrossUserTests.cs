using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>
/// Bob against every signed-in route of the running service (read from its endpoint table, so routes added later
/// are covered) with Alice's story and job ids: each answer is the 404 a missing id gets, or a list without her
/// rows, and her data is unchanged afterwards. Alice making the same requests is answered, so the matrix can fail.
/// </summary>
public sealed class CrossUserTests
{
    private readonly Guid alice = Guid.NewGuid();
    private readonly Guid bob = Guid.NewGuid();

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private sealed record Probe(string Route, HttpMethod Method, string Path, object? Body);

    /// <summary>Every request a user could aim at Alice's story or job: each route with each of her ids in every slot.</summary>
    private static List<Probe> Probes(ServiceInstance service, StoryView story, Guid jobId)
    {
        var storyId = story.Id;
        // A body that would be valid for Alice: her scenes, each once.
        var sceneEdit = new { scenes = story.Scenes.Select(s => new { id = s.Id, text = "Bob was here" }) };
        var probes = new List<Probe>();
        foreach (var endpoint in service.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAuthorizeData>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                continue;
            }
            var pattern = endpoint.RoutePattern.RawText!;
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var ids = pattern.Contains("{id", StringComparison.Ordinal) ? new[] { storyId, jobId } : [storyId];
                foreach (var id in ids)
                {
                    var path = System.Text.RegularExpressions.Regex.Replace(pattern, "\\{id[^}]*\\}", id.ToString());
                    probes.Add(method switch
                    {
                        "POST" => new Probe(pattern, HttpMethod.Post, path, new { story_id = id, title = "t", scenes = new[] { new { text = "x" } } }),
                        "PUT" => new Probe(pattern, HttpMethod.Put, path, sceneEdit),
                        _ => new Probe(pattern, new HttpMethod(method), path.Contains('{', StringComparison.Ordinal) ? path : $"{path}?story_id={id}", null),
                    });
                }
            }
        }
        return probes;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, Probe probe)
    {
        using var request = new HttpRequestMessage(probe.Method, probe.Path);
        if (probe.Body is not null)
        {
            request.Content = JsonContent.Create(probe.Body, options: Api.Json);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // An event stream of a processing job does not end; its first event's data is enough.
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? await FirstDataAsync(response)
            : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }

    /// <summary>The first event's data; a stream that starts at its head (the story's) may say nothing for a while.</summary>
    private static async Task<string> FirstDataAsync(HttpResponseMessage response)
    {
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        try
        {
            while (await reader.ReadLineAsync(quiet.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
        }
        return "";
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Another_user_gets_404_or_nothing_of_hers_on_every_route_and_changes_nothing(string provider)
    {
        // No worker, so Alice's job stays processing: a clear or start by Bob would show.
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        using var a = service.Client(alice);
        using var b = service.Client(bob);
        var story = await a.CreateStoryAsync(scenes: 2);
        var job = await a.StartAsync(story.Id);
        var probes = Probes(service, story, job.Id);
        var secrets = new[] { story.Id.ToString(), job.Id.ToString(), story.Title };

        var leaks = new List<string>();
        foreach (var probe in probes)
        {
            var (status, body) = await SendAsync(b, probe);
            // 200 and 201 are Bob's own list and his own new story: they must not carry anything of Alice's.
            // A 404 names the id Bob sent, which he knew already.
            if (status is not (HttpStatusCode.NotFound or HttpStatusCode.OK or HttpStatusCode.Created) ||
                (status != HttpStatusCode.NotFound && secrets.Any(s => body.Contains(s, StringComparison.Ordinal))))
            {
                leaks.Add($"{probe.Method} {probe.Path} -> {(int)status} {body}");
            }
        }
        // With an event token in the query as the browser sends it, too.
        using (var anonymous = service.Client())
        using (var events = await anonymous.GetAsync($"/api/image_jobs/{job.Id}/events?access_token={TestTokens.For(bob)}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        }

        Assert.True(leaks.Count == 0, $"Bob reached Alice's data:{Environment.NewLine}{string.Join(Environment.NewLine, leaks)}");
        Assert.True(probes.Count >= 10, $"Only {probes.Count} probes: the endpoint table was not read as expected.");
        Assert.Equal(story.Scenes, (await a.GetStoryAsync(story.Id)).Scenes);
        var after = await a.GetJobAsync(job.Id);
        Assert.Equal("processing", after.Status);
        Assert.Equal(job.Id, Assert.Single(await a.GetFromJsonAsync<List<StoryMedia.Jobs.JobView>>($"/api/image_jobs?story_id={story.Id}", Api.Json) ?? []).Id);

        // The same requests by Alice reach her data: the 404s above are about the owner, not the requests.
        var answered = 0;
        foreach (var probe in probes.Where(p => p.Method != HttpMethod.Post || !p.Route.StartsWith("/api/stories", StringComparison.Ordinal)))
        {
            var (status, body) = await SendAsync(a, probe);
            if (status != HttpStatusCode.NotFound && secrets.Any(s => body.Contains(s, StringComparison.Ordinal)))
            {
                answered++;
            }
        }
        Assert.True(answered >= 7, $"Alice's own requests reached her data only {answered} times.");
    }
}
