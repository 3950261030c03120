using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Bench;

/// <summary>One user's HTTP client for one server instance, with enough pooled connections for a whole burst.</summary>
public sealed class BenchClient : IDisposable
{
    public const string Secret = "storymedia-bench-secret-0123456789abcdef0123456789";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly HttpClient http;

    public BenchClient(Uri address, Guid user, int connections)
    {
        User = user;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(user));
    }

    public Guid User { get; }

    /// <summary>A Supabase-shaped token: HS256 with the configured secret, sub = the user, aud = role = authenticated.</summary>
    public static string TokenFor(Guid user)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", user.ToString()), new Claim("role", "authenticated")]),
            Audience = "authenticated",
            IssuedAt = now,
            Expires = now.AddHours(6),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<StoryView> CreateStoryAsync(int scenes, CancellationToken ct)
    {
        var body = new
        {
            title = "The lighthouse keeper",
            style = "watercolor",
            scenes = Enumerable.Range(1, scenes).Select(i => new { text = $"Scene {i}: the keeper climbs the stairs as the storm rolls in over the bay." }),
        };
        using var response = await http.PostAsJsonAsync("/api/stories", body, Json, ct);
        await EnsureAsync(response, HttpStatusCode.Created, ct);
        return (await response.Content.ReadFromJsonAsync<StoryView>(Json, ct))!;
    }

    /// <summary>Sends a start and reads the whole answer; the status code is the outcome.</summary>
    public async Task<(HttpStatusCode Status, JobView? Job)> GenerateAsync(Guid storyId, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/generate_images", new { story_id = storyId }, Json, ct);
        var job = response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadFromJsonAsync<JobView>(Json, ct) : null;
        await response.Content.LoadIntoBufferAsync(ct);
        return (response.StatusCode, job);
    }

    /// <summary>A start on behalf of the user whose token is given (the bench's starts come from many users).</summary>
    public async Task<HttpStatusCode> GenerateAsync(Guid storyId, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/generate_images") { Content = JsonContent.Create(new { story_id = storyId }, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        await response.Content.LoadIntoBufferAsync(ct);
        return response.StatusCode;
    }

    /// <summary>A GET of the story on behalf of the user whose token is given.</summary>
    public async Task<HttpStatusCode> GetStoryStatusAsync(Guid storyId, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stories/{storyId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        await response.Content.LoadIntoBufferAsync(ct);
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> GetStoryStatusAsync(Guid storyId, CancellationToken ct)
    {
        using var response = await http.GetAsync($"/api/stories/{storyId}", ct);
        await response.Content.LoadIntoBufferAsync(ct);
        return response.StatusCode;
    }

    public async Task<JobView> GetJobAsync(Guid jobId, CancellationToken ct) =>
        (await http.GetFromJsonAsync<JobView>($"/api/image_jobs/{jobId}", Json, ct))!;

    /// <summary>Starts a job of the kind whose routes are <paramref name="routes"/>; a refusal is a failed bench.</summary>
    public async Task<JobView> StartAsync(JobRoutes routes, Guid storyId, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(routes.Generate, new { story_id = storyId }, Json, ct);
        await EnsureAsync(response, HttpStatusCode.Accepted, ct);
        return (await response.Content.ReadFromJsonAsync<JobView>(Json, ct))!;
    }

    public async Task<JobView> GetJobAsync(JobRoutes routes, Guid jobId, CancellationToken ct) =>
        (await http.GetFromJsonAsync<JobView>($"{routes.Collection}/{jobId}", Json, ct))!;

    /// <summary>Polls the job until it completes; any other end, or <paramref name="timeout"/>, fails the bench.</summary>
    public async Task<JobView> CompletedAsync(JobRoutes routes, Guid jobId, TimeSpan poll, TimeSpan timeout, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var job = await GetJobAsync(routes, jobId, ct);
            if (job.Status == JobStatus.Completed)
            {
                return job;
            }
            if (job.Status != JobStatus.Processing || clock.Elapsed > timeout)
            {
                throw new BenchFailedException($"A {job.Kind} job ended {job.Status} after {clock.Elapsed.TotalSeconds:0.0} s: {job.Error}");
            }
            await Task.Delay(poll, ct);
        }
    }

    public async Task<StoryView> GetStoryAsync(Guid storyId, CancellationToken ct) =>
        (await http.GetFromJsonAsync<StoryView>($"/api/stories/{storyId}", Json, ct))!;

    public Task<byte[]> GetBytesAsync(string url, CancellationToken ct) => http.GetByteArrayAsync(url, ct);

    /// <summary>Opens the pool's connections (and JIT-compiles both sides) before anything is measured.</summary>
    public Task WarmUpAsync(Guid storyId, int parallel, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => GetStoryStatusAsync(storyId, ct)));

    public void Dispose() => http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, not {(int)expected}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
