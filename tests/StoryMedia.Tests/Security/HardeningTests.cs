using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>Media that cannot be reached by path tricks, headers on every answer, limits that name themselves, errors without internals.</summary>
public sealed class HardeningTests
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task Media_is_served_by_its_key_alone_and_no_path_reaches_another_file()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        var url = (await client.GetStoryAsync(story.Id)).Scenes[0].ImageUrl!;
        var key = url["/media/".Length..];
        var mediaRoot = service.Get<StoryMedia.Media.FileMediaStore>().Root;
        // Files the media route must never serve: one beside the media folder, one in it under a non-key name.
        await File.WriteAllTextAsync(Path.Combine(mediaRoot, "..", "secret.png"), "secret");
        await File.WriteAllTextAsync(Path.Combine(mediaRoot, "notes.png"), "secret");

        using var anonymous = service.Client();
        using var image = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Matches("^[0-9a-f]{32}\\.png$", key);

        string[] targets =
        [
            "/media/..%2Fsecret.png", "/media/%2e%2e%2fsecret.png", "/media/%2E%2E/secret.png", "/media/..%252Fsecret.png",
            "/media/..%5Csecret.png", "/media/../secret.png", "/media/%2fetc%2fpasswd", "/media//etc/passwd", "/media/notes.png",
            $"/media/{key.ToUpperInvariant()}", $"/media/{key}%00.png", $"/media/{key[..^4]}.mp4", $"/media/.{key}.tmp", $"/media/{key}/..",
            $"/media/{new string('a', 4000)}.png", "/media/00000000000000000000000000000000.png", "/media/", "/media/%",
        ];
        foreach (var target in targets)
        {
            var status = await RawHttp.StatusAsync(service.BaseAddress, target);
            Assert.True(status is 404 or 400, $"{target} answered {status}");
        }
    }

    [Fact]
    public async Task Every_answer_carries_the_content_security_policy_and_the_other_security_headers()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "1000" });
        using var client = service.Client(user);
        using var anonymous = service.Client();
        var story = await client.CreateStoryAsync(scenes: 1);

        var responses = new List<HttpResponseMessage>
        {
            await anonymous.GetAsync("/"),
            await client.GetAsync($"/api/stories/{story.Id}"),
            await anonymous.GetAsync("/api/stories"),
            await client.GetAsync($"/api/stories/{Guid.NewGuid()}"),
            await client.PostAsJsonAsync("/api/generate_images", new { story_id = "nope" }),
            await client.PostAsJsonAsync("/api/stories", new { title = new string('x', 5000) }),
        };
        try
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, responses[^1].StatusCode);
            foreach (var response in responses)
            {
                var name = $"{response.RequestMessage!.RequestUri} ({(int)response.StatusCode})";
                Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), name);
                Assert.Contains("script-src 'self'", csp.Single(), StringComparison.Ordinal);
                Assert.Contains("frame-ancestors 'none'", csp.Single(), StringComparison.Ordinal);
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
                Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
                Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            }
        }
        finally
        {
            responses.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task A_host_app_named_as_frame_ancestor_may_embed_the_page()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Security:FrameAncestors"] = "https://app.example.com" });
        using var response = await service.Client().GetAsync("/");

        Assert.Contains("frame-ancestors https://app.example.com;", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task Limits_are_named_in_the_answer()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "100000" });
        using var client = service.Client(user);
        var story = await client.CreateStoryAsync(scenes: 1);
        var cases = new (string Path, object Body, HttpStatusCode Status, string Named)[]
        {
            ("/api/stories", new { title = "t", scenes = new[] { new { text = new string('x', 200_000) } } }, HttpStatusCode.RequestEntityTooLarge, "100000 bytes"),
            ("/api/stories", new { title = "t", scenes = Enumerable.Repeat(new { text = "x" }, 201) }, HttpStatusCode.BadRequest, "at most 200 scenes"),
            ("/api/stories", new { title = "t", scenes = new[] { new { text = new string('x', 2001) } } }, HttpStatusCode.BadRequest, "scenes[0].text: must be at most 2000"),
            ("/api/stories", new { title = new string('x', 201), scenes = new[] { new { text = "x" } } }, HttpStatusCode.BadRequest, "title: must be at most 200"),
            ("/api/stories", new { title = "t", style = new string('x', 101), scenes = new[] { new { text = "x" } } }, HttpStatusCode.BadRequest, "style: must be at most 100"),
            ("/api/generate_images", new { story_id = story.Id, style = new string('x', 101) }, HttpStatusCode.BadRequest, "style: must be at most 100"),
            ("/api/generate_images", new { story_id = story.Id, instructions = new string('x', 2001) }, HttpStatusCode.BadRequest, "instructions: must be at most 2000"),
        };
        foreach (var (path, body, status, named) in cases)
        {
            using var response = await client.PostAsJsonAsync(path, body, Api.Json);
            Assert.Equal(status, response.StatusCode);
            var problem = await response.ProblemAsync();
            Assert.True(problem.TryGetProperty("detail", out var detail), problem.ToString());
            Assert.Contains(named, detail.GetString(), StringComparison.Ordinal);
        }
        Assert.Empty(await client.GetFromJsonAsync<List<object>>($"/api/image_jobs?story_id={story.Id}") ?? [null!]);
    }

    [Fact]
    public async Task A_server_error_outside_development_says_nothing_about_its_cause()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        await using var service = await ServiceInstance.StartAsync(backend);
        using var client = service.Client(user);
        await using (var connection = new SqliteConnection(backend.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "alter table stories rename to stories_gone";
            await command.ExecuteNonQueryAsync();
        }

        using var response = await client.GetAsync("/api/stories");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = (await response.ProblemAsync()).ToString();
        foreach (var internals in new[] { "stories", "SQLite", "Sqlite", "Exception", " at ", "table" })
        {
            Assert.DoesNotContain(internals, body, StringComparison.Ordinal);
        }
    }
}
