using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Tests.Jobs.NoteKind;

namespace StoryMedia.Tests.Endpoints;

/// <summary>
/// Every endpoint answers malformed input with a 4xx problem that says what is wrong, never a 500: the story routes and
/// every kind's job routes (the tests' third kind is registered here too).
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private ServiceInstance instance = null!;
    private HttpClient client = null!;
    private Guid storyId;
    private Guid[] sceneIds = [];

    public async Task InitializeAsync()
    {
        instance = await ServiceInstance.StartAsync(
            await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" }, services: s => s.AddNoteJobs());
        client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 2);
        (storyId, sceneIds) = (story.Id, [.. story.Scenes.Select(s => s.Id)]);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await instance.DisposeAsync();
    }

    /// <summary>A start's bodies: body, expected status, text the problem must contain.</summary>
    private static readonly (string Body, int Status, string Mentions)[] StartBodies =
    [
        ("{", 400, "not valid JSON"),
        ("[]", 400, "not valid JSON"),
        ("{\"story_id\": 42}", 400, "$.story_id"),
        ("{}", 400, "story_id"),
        ("{\"story_id\": \"not-a-uuid\"}", 400, "must be a UUID"),
        ("{\"story_id\": \"00000000-0000-0000-0000-000000000000\"}", 404, "no story"),
        ("{\"story_id\": \"STORY\", \"style\": \"" + new string('x', 101) + "\"}", 400, "style"),
        ("{\"story_id\": \"STORY\", \"instructions\": \"" + new string('x', 2001) + "\"}", 400, "instructions"),
        ("null", 400, "story_id"),
    ];

    private static readonly (string Body, int Status, string Mentions)[] ClearBodies =
    [
        ("{\"story_id\": true}", 400, "$.story_id"),
        ("{\"story_id\": \"\"}", 400, "story_id"),
        ("{\"story_id\": \"6f8e3a7e-0000-4000-8000-000000000000\"}", 404, "no story"),
    ];

    public static TheoryData<string, string, int, string> Bodies
    {
        get
        {
            var data = new TheoryData<string, string, int, string>
            {
                // route, body, expected status, text the problem must contain
                { "/api/stories", "{\"title\": \"\", \"scenes\": [{\"text\": \"a\"}]}", 400, "title" },
                { "/api/stories", "{\"title\": \"t\"}", 400, "scenes" },
                { "/api/stories", "{\"title\": \"t\", \"scenes\": []}", 400, "scenes" },
                { "/api/stories", "{\"title\": \"t\", \"scenes\": [null]}", 400, "scenes[0].text" },
                { "/api/stories", "{\"title\": \"t\", \"scenes\": [{\"text\": \"a\"}, {\"text\": \" \"}]}", 400, "scenes[1].text" },
                { "/api/stories", "{\"title\": \"t\", \"scenes\": \"many\"}", 400, "$.scenes" },
                { "/api/stories", "{\"title\": [1], \"scenes\": [{\"text\": \"a\"}]}", 400, "$.title" },
                { "/api/stories", "{\"title\": \"t\", \"scenes\": [{\"text\": \"" + new string('x', 2001) + "\"}]}", 400, "scenes[0].text" },
            };
            foreach (var kind in Stores.Kinds.All)
            {
                foreach (var (body, status, mentions) in StartBodies)
                {
                    data.Add(kind.Routes.Generate, body, status, mentions);
                }
                foreach (var (body, status, mentions) in ClearBodies)
                {
                    data.Add(kind.Routes.Clear, body, status, mentions);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_malformed_body_gets_a_problem_naming_what_is_wrong(string route, string body, int status, string mentions)
    {
        using var content = new StringContent(body.Replace("STORY", storyId.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(route, content);

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(mentions, problem.GetRawText(), StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> SceneEdits => new()
    {
        // body (SCENE0 and SCENE1 are the story's scenes), expected status, text the problem must contain
        { "{", 400, "not valid JSON" },
        { "null", 400, "scenes" },
        { "{}", 400, "scenes" },
        { "{\"scenes\": []}", 400, "scenes" },
        { "{\"scenes\": \"all\"}", 400, "$.scenes" },
        { "{\"scenes\": [null, {\"id\": \"SCENE1\", \"text\": \"b\"}]}", 400, "scenes[0].id" },
        { "{\"scenes\": [{\"text\": \"a\"}, {\"id\": \"SCENE1\", \"text\": \"b\"}]}", 400, "scenes[0].id" },
        { "{\"scenes\": [{\"id\": \"nope\", \"text\": \"a\"}, {\"id\": \"SCENE1\", \"text\": \"b\"}]}", 400, "must be a UUID" },
        { "{\"scenes\": [{\"id\": 7, \"text\": \"a\"}]}", 400, "$.scenes[0].id" },
        { "{\"scenes\": [{\"id\": \"SCENE0\"}, {\"id\": \"SCENE1\", \"text\": \"b\"}]}", 400, "scenes[0].text" },
        { "{\"scenes\": [{\"id\": \"SCENE0\", \"text\": \"a\"}, {\"id\": \"SCENE1\", \"text\": \" \"}]}", 400, "scenes[1].text" },
        { "{\"scenes\": [{\"id\": \"SCENE0\", \"text\": \"" + new string('x', 2001) + "\"}, {\"id\": \"SCENE1\", \"text\": \"b\"}]}", 400, "at most 2000" },
        { "{\"scenes\": [{\"id\": \"SCENE0\", \"text\": \"a\"}]}", 400, "must list every scene" },
        { "{\"scenes\": [{\"id\": \"SCENE0\", \"text\": \"a\"}, {\"id\": \"SCENE0\", \"text\": \"b\"}]}", 400, "twice" },
        { "{\"scenes\": [{\"id\": \"SCENE0\", \"text\": \"a\"}, {\"id\": \"6f8e3a7e-0000-4000-8000-000000000000\", \"text\": \"b\"}]}", 400, "not a scene of this story" },
    };

    [Theory]
    [MemberData(nameof(SceneEdits))]
    public async Task A_malformed_scene_edit_gets_a_problem_naming_what_is_wrong_and_changes_nothing(string body, int status, string mentions)
    {
        var before = await client.GetStoryAsync(storyId);
        var json = body.Replace("SCENE0", sceneIds[0].ToString(), StringComparison.Ordinal).Replace("SCENE1", sceneIds[1].ToString(), StringComparison.Ordinal);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PutAsync($"/api/stories/{storyId}/scenes", content);

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(mentions, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(before.Scenes, (await client.GetStoryAsync(storyId)).Scenes);
    }

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_NUL_character_in_any_text_gets_a_400_naming_the_field_and_writes_nothing(string provider)
    {
        // PostgreSQL cannot store U+0000 in text: without the check these were 500s there, and stored as sent on SQLite.
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        using var user = service.Client(Guid.NewGuid());
        var story = await user.CreateStoryAsync(scenes: 2);
        var (s0, s1) = (story.Scenes[0].Id, story.Scenes[1].Id);
        (HttpMethod Method, string Url, string? Body, string Field)[] cases =
        [
            (HttpMethod.Post, "/api/stories", "{\"title\": \"The\\u0000fox\", \"scenes\": [{\"text\": \"a\"}]}", "title"),
            (HttpMethod.Post, "/api/stories", "{\"title\": \"t\", \"style\": \"ink\\u0000\", \"scenes\": [{\"text\": \"a\"}]}", "style"),
            (HttpMethod.Post, "/api/stories", "{\"title\": \"t\", \"scenes\": [{\"text\": \"a\"}, {\"text\": \"\\u0000\"}]}", "scenes[1].text"),
            (HttpMethod.Put, $"/api/stories/{story.Id}/scenes", $"{{\"scenes\": [{{\"id\": \"{s0}\", \"text\": \"a\\u0000b\"}}, {{\"id\": \"{s1}\", \"text\": \"b\"}}]}}", "scenes[0].text"),
            (HttpMethod.Get, "/api/stories?after=%00", null, "after"),
            // Every kind the service registers, through the routes it names.
            .. service.Get<JobKinds>().All.SelectMany(kind => new (HttpMethod, string, string?, string)[]
            {
                (HttpMethod.Post, kind.Routes.Generate, $"{{\"story_id\": \"{story.Id}\", \"style\": \"ink\\u0000\"}}", "style"),
                (HttpMethod.Post, kind.Routes.Generate, $"{{\"story_id\": \"{story.Id}\", \"instructions\": \"calm\\u0000\"}}", "instructions"),
                (HttpMethod.Post, kind.Routes.Clear, $"{{\"story_id\": \"{story.Id}\\u0000\"}}", "story_id"),
                (HttpMethod.Get, $"{kind.Routes.Collection}?story_id={story.Id}%00", null, "story_id"),
            }),
        ];

        foreach (var (method, url, body, field) in cases)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await user.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url} {body} got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            var problem = await response.ProblemAsync();
            Assert.Equal([StoryMedia.Http.NulCharacters.Message], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()));
            Assert.Contains($"{field}: must not contain the NUL character", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var stories = await user.GetFromJsonAsync<JsonElement[]>("/api/stories");
        Assert.Equal([story.Id], stories!.Select(s => s.GetProperty("id").GetGuid()));
        Assert.Equal(story.Scenes, (await user.GetStoryAsync(story.Id)).Scenes);
        Assert.Equal("[]", await user.GetStringAsync($"/api/image_jobs?story_id={story.Id}"));
        Assert.Equal("[]", await user.GetStringAsync($"/api/video_jobs?story_id={story.Id}"));
    }

    public static TheoryData<string> BodyRoutes =>
        [.. Stores.Kinds.All.SelectMany(k => new[] { k.Routes.Generate, k.Routes.Clear }), "/api/stories", "/api/stories/STORY/scenes"];

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_body_that_is_not_json_gets_415(string route)
    {
        using var content = new StringContent("story_id=1", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = route.EndsWith("/scenes", StringComparison.Ordinal)
            ? await client.PutAsync(route.Replace("STORY", storyId.ToString(), StringComparison.Ordinal), content)
            : await client.PostAsync(route, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await response.ProblemAsync();
    }

    [Fact]
    public async Task A_huge_body_gets_413()
    {
        var huge = "{\"title\": \"t\", \"scenes\": [{\"text\": \"" + new string('x', 2 << 20) + "\"}]}";
        using var content = new StringContent(huge, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/stories", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await response.ProblemAsync();
    }

    public static TheoryData<string, int> Urls
    {
        get
        {
            var data = new TheoryData<string, int>
            {
                { "/api/stories/not-a-uuid", 404 },
                { "/api/stories/00000000-0000-0000-0000-000000000000", 404 },
                { "/api/stories/00000000-0000-0000-0000-000000000000/scenes", 405 },
                { "/api/nothing-here", 404 },
            };
            foreach (var jobs in Stores.Kinds.All.Select(k => k.Routes.Collection))
            {
                data.Add($"{jobs}?story_id=nope", 400);
                data.Add(jobs, 400);
                data.Add($"{jobs}?story_id=00000000-0000-0000-0000-000000000000", 404);
                data.Add($"{jobs}/not-a-uuid", 404);
                data.Add($"{jobs}/00000000-0000-0000-0000-000000000000", 404);
                data.Add($"{jobs}/00000000-0000-0000-0000-000000000000/events", 404);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task Unknown_or_malformed_ids_in_urls_get_problem_details(string url, int status)
    {
        using var response = await client.GetAsync(url);

        Assert.Equal(status, (int)response.StatusCode);
        await response.ProblemAsync();
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_wrong_method_gets_405_problem_details(string route)
    {
        using var response = await client.DeleteAsync(route.Replace("STORY", storyId.ToString(), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        await response.ProblemAsync();
    }
}
