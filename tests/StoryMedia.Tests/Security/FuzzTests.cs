using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using StoryMedia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StoryMedia.Tests.Security;

/// <summary>
/// Thousands of malformed requests over every route, generated from a seed (STORYMEDIA_FUZZ_SEED to replay one):
/// bodies, content types, tokens, ids and query strings. None may get a 5xx, the service must still work after,
/// and the database must hold exactly what the accepted requests wrote, whole.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 1200;
    private const int MaxBodyBytes = 65536;

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private sealed record Input(int Number, HttpMethod Method, string Path, string? ContentType, byte[]? Body, string? Authorization);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Malformed_requests_on_every_route_get_no_5xx_and_leave_no_partial_rows(string provider)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("STORYMEDIA_FUZZ_SEED"), out var s) ? s : 20261129;
        var backend = await Backend.CreateAsync(provider);
        // No worker: accepted starts stay processing, so the database shows exactly what the requests wrote.
        await using var service = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "0",
            ["Limits:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var user = Guid.NewGuid();
        using var owner = service.Client(user);
        var story = await owner.CreateStoryAsync(scenes: 2);
        var othersStory = await service.Client(Guid.NewGuid()).CreateStoryAsync(scenes: 1);
        var inputs = new Generator(new Random(seed), user, story.Id, othersStory.Id, [.. story.Scenes.Select(s => s.Id)]).Inputs(Inputs);

        var failures = new ConcurrentQueue<string>();
        var createdScenes = new ConcurrentBag<int>();
        var startedJobs = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        using var client = service.Client();
        await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (input, ct) =>
        {
            // A new connection each: a keep-alive connection the server closed after refusing a body would fail the next request.
            using var request = new HttpRequestMessage(input.Method, input.Path) { Headers = { ConnectionClose = true } };
            if (input.Body is not null)
            {
                request.Content = new ByteArrayContent(input.Body);
                if (input.ContentType is not null && MediaTypeHeaderValue.TryParse(input.ContentType, out var type))
                {
                    request.Content.Headers.ContentType = type;
                }
            }
            if (input.Authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", input.Authorization);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (HttpRequestException) when (input.Body?.Length > MaxBodyBytes)
            {
                // Kestrel answers 413 to a declared oversize body without reading it and closes the connection,
                // which the client may see while it is still sending.
                return;
            }
            catch (HttpRequestException e)
            {
                failures.Enqueue($"#{input.Number} {input.Method} {input.Path} [{input.ContentType}] {Preview(input.Body)} -> connection failed: {e.Message} {e.InnerException?.Message}");
                return;
            }
            using var _ = response;
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            // An event stream of a processing job never ends; its headers say enough.
            var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync(timeout.Token);
            if ((int)response.StatusCode >= 500)
            {
                failures.Enqueue($"#{input.Number} {input.Method} {input.Path} [{input.ContentType}] {Preview(input.Body)} -> {(int)response.StatusCode} {body}");
            }
            else if (response.StatusCode == HttpStatusCode.Created && input.Path.StartsWith("/api/stories", StringComparison.Ordinal))
            {
                createdScenes.Add(JsonDocument.Parse(body).RootElement.GetProperty("scenes").GetArrayLength());
            }
            else if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref startedJobs);
            }
        });

        output.WriteLine($"Seed {seed}, {inputs.Count} inputs on {provider}; answers: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}; 5xx or broken connections: {failures.Count}");
        Assert.True(failures.IsEmpty, $"Seed {seed}: {failures.Count} of {inputs.Count} inputs got a 5xx, e.g.:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(5))}");

        Assert.True(!createdScenes.IsEmpty && startedJobs > 0, $"No generated input got through to the database: the generator is too wild to test writes. Answers: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");

        // Exactly the accepted writes are in the database, each whole: no story without all its scenes, no stray job.
        var counts = await CountsAsync(backend);
        Assert.Equal(2 + createdScenes.Count, counts.Stories);
        Assert.Equal(3 + createdScenes.Sum(), counts.Scenes);
        Assert.Equal(startedJobs, counts.Jobs);
        Assert.Equal(0, counts.StoriesWithGappedScenes);
        Assert.Equal(0, counts.JobsOfAnotherUsersStory);
        Assert.InRange(counts.Processing, 0, 1);

        // And it still works.
        var fresh = await owner.CreateStoryAsync(scenes: 1);
        var job = await owner.StartAsync(fresh.Id);
        Assert.Equal(fresh.Id, (await owner.GetJobAsync(job.Id)).StoryId);
    }

    private static string Preview(byte[]? body) => body is null ? "" : Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200)));

    private sealed record Counts(long Stories, long Scenes, long Jobs, long StoriesWithGappedScenes, long JobsOfAnotherUsersStory, long Processing);

    private static async Task<Counts> CountsAsync(Backend backend)
    {
        const string sql = """
            select (select count(*) from stories),
                   (select count(*) from scenes),
                   (select count(*) from image_generation_jobs),
                   (select count(*) from stories s where (select count(*) from scenes c where c.story_id = s.id) = 0
                       or (select max(position) from scenes c where c.story_id = s.id) <> (select count(*) from scenes c where c.story_id = s.id)),
                   (select count(*) from image_generation_jobs j join stories s on s.id = j.story_id where s.user_id <> j.user_id),
                   (select count(*) from image_generation_jobs where status = 'processing')
            """;
        System.Data.Common.DbConnection connection = backend.Provider == Backend.Postgres
            ? new NpgsqlConnection(backend.ConnectionString)
            : new SqliteConnection(backend.ConnectionString);
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return new Counts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        }
    }

    /// <summary>Makes the inputs; all randomness comes from the seeded <see cref="Random"/>, so a seed replays exactly.</summary>
    private sealed class Generator(Random random, Guid user, Guid story, Guid othersStory, Guid[] scenes)
    {
        private static readonly string[] Strange =
        [
            "", " ", "null", "undefined", "NaN", "-1", "0", "1e309", "../../../etc/passwd", "..%2f..%2f", "%00", "\0", "' or 1=1 --",
            "\"; drop table stories; --", "<script>alert(1)</script>", "💥🔥", "\u202e\u200b", "{00000000-0000-0000-0000-000000000000}",
            "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
            "\ud800", "%", "%%", "%zz", "?", "#", "/", "\\", "~", "..", ".",
        ];

        private static readonly string?[] ContentTypes =
        [
            "application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", null,
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/xml", "*/*",
        ];

        public List<Input> Inputs(int count) => [.. Enumerable.Range(0, count).Select(Next)];

        private Input Next(int number)
        {
            var id = Id();
            return random.Next(10) switch
            {
                8 => Put(number, $"/api/stories/{Segment(id)}/scenes", SceneEditBody()),
                0 => Post(number, "/api/stories", StoryBody()),
                1 => Post(number, "/api/generate_images", Mutate(new Dictionary<string, object?> { ["story_id"] = id, ["style"] = Maybe("ink"), ["instructions"] = Maybe("calm") })),
                2 => Post(number, "/api/clear_image_job", Mutate(new Dictionary<string, object?> { ["story_id"] = id })),
                3 => Get(number, $"/api/stories/{Segment(id)}"),
                4 => Get(number, $"/api/stories{Query()}"),
                5 => Get(number, $"/api/image_jobs{Query()}"),
                6 => Get(number, $"/api/image_jobs/{Segment(id)}{Query()}"),
                7 => Get(number, $"/api/image_jobs/{Segment(id)}/events{Query()}"),
                _ => new Input(number, Pick([HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options, HttpMethod.Head]),
                    Pick(["/api/stories", "/api/generate_images", "/api/image_jobs/" + story, "/media/x.png", "/api/nothing"]), "application/json", Bytes(StoryBody()), Authorization()),
            };
        }

        // Half the bodies are well-formed JSON sent as JSON, so that mutations reach validation and the database.
        private Input Post(int number, string path, object? body) => random.Next(2) == 0
            ? new(number, HttpMethod.Post, path, "application/json", JsonSerializer.SerializeToUtf8Bytes(body), Authorization())
            : new(number, HttpMethod.Post, path, Pick(ContentTypes), Bytes(body), Authorization());

        private Input Put(int number, string path, object? body) => Post(number, path, body) with { Method = HttpMethod.Put };

        private object? Maybe(string fine) => random.Next(3) == 0 ? Value(1) : Fine(fine);

        /// <summary>A valid text, now and then with a NUL inside: the one character PostgreSQL cannot store in text.</summary>
        private string Fine(string text) => random.Next(10) == 0 ? text.Insert(random.Next(text.Length + 1), "\0") : text;

        private Input Get(int number, string path) => new(number, HttpMethod.Get, path, null, null, Authorization());

        /// <summary>Mostly the owner's valid token, so that the inputs reach validation and the database.</summary>
        private string? Authorization() => random.Next(10) switch
        {
            < 7 => $"Bearer {TestTokens.For(user)}",
            7 => null,
            8 => Pick(["Bearer", "Bearer ", "bearer x", "Basic dXNlcjpwYXNz", $"Bearer {TestTokens.For(user)} extra", "Bearer a.b.c", $"Bearer {TestTokens.WithoutSignature(user)}"]),
            _ => $"Bearer {TestTokens.For(Guid.Empty, sub: Pick(["", "admin", "00000000-0000-0000-0000-000000000000", "' or 1=1"]))}",
        };

        private string Id() => random.Next(6) switch
        {
            0 or 1 => story.ToString(),
            2 => othersStory.ToString(),
            3 => NewGuid().ToString(),
            4 => Pick(Strange),
            _ => new string('9', random.Next(1, 3000)),
        };

        private string Segment(string id) => random.Next(3) == 0 ? Uri.EscapeDataString(id) : id.Replace("?", "%3F", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal);

        private string Query() => random.Next(6) switch
        {
            0 => "",
            1 => $"?story_id={Uri.EscapeDataString(Id())}",
            2 => $"?story_id={story}&story_id={othersStory}",
            3 => $"?access_token={Uri.EscapeDataString(Pick(["x", TestTokens.For(user), TestTokens.For(user, audience: "anon")]))}",
            4 => $"?{new string('a', random.Next(1, 4000))}={Pick(Strange)}",
            _ => $"?story_id={Pick(Strange)}&limit=-1&offset=99999999999",
        };

        private object? StoryBody() => Mutate(new Dictionary<string, object?>
        {
            ["title"] = random.Next(4) == 0 ? Value(2) : Fine("A title"),
            ["style"] = random.Next(4) == 0 ? Value(2) : Fine("ink"),
            ["scenes"] = random.Next(3) switch
            {
                0 => Value(3),
                1 => Enumerable.Range(0, random.Next(0, 260)).Select(_ => (object?)new Dictionary<string, object?> { ["text"] = random.Next(4) == 0 ? Value(2) : "A scene." }).ToList(),
                _ => Enumerable.Range(0, random.Next(1, 5)).Select(_ => (object?)new Dictionary<string, object?> { ["text"] = Fine("A scene.") }).ToList(),
            },
        });

        /// <summary>The story's scenes, or a few of them, shuffled, repeated or unknown, with texts that may be anything.</summary>
        private object? SceneEditBody() => Mutate(new Dictionary<string, object?>
        {
            ["scenes"] = Enumerable.Range(0, random.Next(3) == 0 ? random.Next(0, 5) : scenes.Length)
                .Select(i => (object?)new Dictionary<string, object?>
                {
                    ["id"] = random.Next(5) == 0 ? Id() : scenes[random.Next(3) == 0 ? random.Next(scenes.Length) : (i + 1) % scenes.Length].ToString(),
                    ["text"] = random.Next(4) == 0 ? Value(1) : Fine($"Scene {i}, edited."),
                })
                .ToList(),
        });

        /// <summary>Sometimes drops a field, adds one, or swaps a field for any value.</summary>
        private object? Mutate(Dictionary<string, object?> body)
        {
            switch (random.Next(8))
            {
                case 0:
                    body.Remove(Pick([.. body.Keys]));
                    break;
                case 1:
                    body[Pick(["extra", "user_id", "id", "status", "STORY_ID", "storyId"])] = Value(2);
                    break;
                case 2:
                    body[Pick([.. body.Keys])] = Value(3);
                    break;
                case 3:
                    return Value(3);
            }
            return body;
        }

        private object? Value(int depth) => random.Next(depth > 0 ? 13 : 9) switch
        {
            0 => null,
            1 => random.Next(int.MinValue, int.MaxValue),
            2 => Pick([double.MaxValue, -0.0, 1e-300, 3.5]),
            3 => random.Next(2) == 0,
            4 => Pick(Strange),
            5 => new string(Pick(['x', 'é', '字', '\n', '"']), random.Next(0, 70_000)),
            6 => story.ToString(),
            7 => NewGuid().ToString(),
            8 => new string('9', random.Next(1, 400)),
            9 or 10 => Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(depth - 1)).ToList(),
            _ => Enumerable.Range(0, random.Next(0, 4)).ToDictionary(i => Pick(["text", "story_id", "a", ""]) + i, _ => Value(depth - 1)),
        };

        /// <summary>JSON of the value, sometimes broken: truncated, a byte changed, not UTF-8, deeply nested, or empty.</summary>
        private byte[] Bytes(object? value)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(value);
            switch (random.Next(10))
            {
                case 0:
                    return json[..random.Next(0, json.Length)];
                case 1:
                    json[random.Next(json.Length)] = (byte)random.Next(256);
                    return json;
                case 2:
                    return [0xEF, 0xBB, 0xBF, .. json];
                case 3:
                    return Encoding.UTF8.GetBytes(new string('[', random.Next(50, 5000)) + new string(']', random.Next(0, 50)));
                case 4:
                    return random.Next(2) == 0 ? [] : [.. Enumerable.Range(0, random.Next(1, 300)).Select(_ => (byte)random.Next(256))];
                default:
                    return json;
            }
        }

        private Guid NewGuid()
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return new Guid(bytes);
        }

        private T Pick<T>(T[] items) => items[random.Next(items.Length)];
    }
}
