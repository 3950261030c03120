using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Stories;

/// <summary><c>GET /api/stories</c>: a page of summaries at a time, the next page in the Link header, on both databases.</summary>
public sealed class StoryListTests
{
    private readonly Guid alice = Guid.NewGuid();
    private readonly Guid bob = Guid.NewGuid();

    private sealed record Page(JsonElement[] Items, string? Next);

    private static async Task<Page> GetPageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<JsonElement[]>())!;
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return new Page(items, null);
        }
        var match = System.Text.RegularExpressions.Regex.Match(Assert.Single(links), "^<([^>]+)>; rel=\"next\"$");
        Assert.True(match.Success, $"Not a next link: {string.Join(", ", links)}");
        return new Page(items, match.Groups[1].Value);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Pages_of_summaries_come_newest_first_and_the_next_links_lead_through_every_story_exactly_once(string provider)
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        var store = service.Get<StoryStore>();
        // Stories created in the same instant, three at a time: the pages must still split between them without losing or repeating one.
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var created = new List<Story>();
        for (var i = 0; i < 23; i++)
        {
            var scenes = Enumerable.Range(1, (i % 3) + 1).Select(n => $"Scene {n} of story {i}.").ToList();
            created.Add(await store.CreateAsync(alice, new NewStory($"Story {i}", i % 2 == 0 ? "ink" : "", scenes), start.AddSeconds(i / 3), CancellationToken.None));
        }
        await store.CreateAsync(bob, new NewStory("Bob's", "ink", ["Not Alice's."]), start.AddHours(1), CancellationToken.None);
        // Newest first; among stories of one instant, by id as the database orders uuids (their text).
        var expected = created.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id.ToString("D"), StringComparer.Ordinal).ToList();
        using var client = service.Client(alice);

        var first = await GetPageAsync(client, "/api/stories");
        Assert.Equal(expected.Take(20).Select(s => s.Id), first.Items.Select(i => i.GetProperty("id").GetGuid()));
        Assert.StartsWith("/api/stories?limit=20&after=", first.Next, StringComparison.Ordinal);
        var rest = await GetPageAsync(client, first.Next!);
        Assert.Equal(expected.Skip(20).Select(s => s.Id), rest.Items.Select(i => i.GetProperty("id").GetGuid()));
        Assert.Null(rest.Next);

        var walked = new List<JsonElement>();
        var pages = 0;
        for (string? url = "/api/stories?limit=4"; url is not null; pages++)
        {
            var page = await GetPageAsync(client, url);
            Assert.InRange(page.Items.Length, 1, 4);
            walked.AddRange(page.Items);
            url = page.Next;
        }
        Assert.Equal(6, pages);
        Assert.Equal(expected.Select(s => s.Id), walked.Select(i => i.GetProperty("id").GetGuid()));
        foreach (var (story, item) in expected.Zip(walked))
        {
            Assert.Equal(
                ["cover_image_url", "created_at", "id", "scene_count", "style", "title"],
                item.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal((story.Title, story.Style, story.Scenes.Count), (item.GetProperty("title").GetString(), item.GetProperty("style").GetString(), item.GetProperty("scene_count").GetInt32()));
            Assert.Equal(story.CreatedAt, item.GetProperty("created_at").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
            Assert.Equal(JsonValueKind.Null, item.GetProperty("cover_image_url").ValueKind);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_story_s_cover_is_its_first_scene_s_current_image_and_follows_the_scene_order(string provider)
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider));
        using var client = service.Client(alice);
        var plain = await client.CreateStoryAsync(scenes: 1, title: "Plain");
        var illustrated = await client.CreateStoryAsync(scenes: 2, title: "Illustrated");
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(illustrated.Id)).Id)).Status);
        var scenes = (await client.GetStoryAsync(illustrated.Id)).Scenes;

        var before = (await GetPageAsync(client, "/api/stories")).Items;
        using var edit = await client.PutAsJsonAsync($"/api/stories/{illustrated.Id}/scenes",
            new { scenes = scenes.Reverse().Select(s => new { id = s.Id, text = s.Text }) }, Api.Json);
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        var after = (await GetPageAsync(client, "/api/stories")).Items;

        Assert.Equal([illustrated.Id, plain.Id], before.Select(i => i.GetProperty("id").GetGuid()));
        Assert.Equal(scenes[0].ImageUrl, before[0].GetProperty("cover_image_url").GetString());
        Assert.Equal(scenes[1].ImageUrl, after[0].GetProperty("cover_image_url").GetString());
        Assert.NotEqual(scenes[0].ImageUrl, scenes[1].ImageUrl);
        Assert.Equal(JsonValueKind.Null, after[1].GetProperty("cover_image_url").ValueKind);
        Assert.Equal((2, 1), (after[0].GetProperty("scene_count").GetInt32(), after[1].GetProperty("scene_count").GetInt32()));
    }

    [Fact]
    public async Task A_bad_page_size_or_cursor_gets_a_400_naming_it()
    {
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        using var client = service.Client(alice);
        var cases = new (string Query, string Field)[]
        {
            ("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"), ("limit=", "limit"), ("limit=1e3", "limit"),
            ("after=nope", "after"), ("after=", "after"), ("after=" + new string('A', 31), "after"), ("after=" + new string('A', 4000), "after"),
            ("after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D", "after"),
        };

        foreach (var (query, field) in cases)
        {
            using var response = await client.GetAsync(new Uri($"/api/stories?{query}", UriKind.Relative));

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query} got {(int)response.StatusCode}");
            var problem = await response.ProblemAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
        using var largest = await client.GetAsync(new Uri("/api/stories?limit=100", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, largest.StatusCode);
    }
}
