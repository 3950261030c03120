using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>A full run with every log level on: no token, JWT secret or database password appears in any line.</summary>
public sealed class LogSecrecyTests
{
    private const string Password = "pg-password-that-must-never-be-logged-4711";

    [Fact]
    public async Task A_full_run_logs_no_token_no_jwt_secret_and_no_database_password()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        // The throwaway cluster trusts local logins, so a password is accepted and never checked.
        var withPassword = new NpgsqlConnectionStringBuilder(backend.ConnectionString) { Password = Password }.ConnectionString;
        var capture = new LogCapture();
        var user = Guid.NewGuid();
        var tokens = new List<string>
        {
            TestTokens.For(user),
            TestTokens.For(user, expires: DateTime.UtcNow.AddMinutes(-5)),
            TestTokens.For(user, secret: "a-wrong-secret-that-is-long-enough-0123456789"),
            TestTokens.For(user, audience: "anon"),
        };
        await using (var service = await ServiceInstance.StartAsync(
            backend with { ConnectionString = withPassword },
            new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" },
            services: s => s.AddSingleton<ILoggerProvider>(capture)))
        {
            using var client = service.Client();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[0]);
            var story = await client.CreateStoryAsync(scenes: 2);
            var job = await client.StartAsync(story.Id);
            using (var anonymous = service.Client())
            using (var events = await anonymous.GetAsync($"/api/image_jobs/{job.Id}/events?access_token={tokens[0]}"))
            {
                // The stream ends when the job does.
                Assert.Contains("event: completed", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            var image = (await client.GetStoryAsync(story.Id)).Scenes[0].ImageUrl!;
            using (var media = await client.GetAsync(image))
            {
                Assert.Equal(HttpStatusCode.OK, media.StatusCode);
            }
            await client.StartAsync(story.Id);
            await client.ClearAsync(story.Id);
            foreach (var bad in tokens.Skip(1))
            {
                using var anonymous = service.Client();
                anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bad);
                using var refused = await anonymous.GetAsync("/api/stories");
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                using var refusedEvents = await anonymous.GetAsync($"/api/image_jobs/{job.Id}/events?access_token={bad}");
                Assert.Equal(HttpStatusCode.Unauthorized, refusedEvents.StatusCode);
            }
            using (var queryElsewhere = await service.Client().GetAsync($"/api/stories?access_token={tokens[0]}"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, queryElsewhere.StatusCode);
            }
        }

        var lines = capture.Lines.ToList();
        Assert.True(lines.Count > 100, $"Only {lines.Count} log lines were captured; the capture is not seeing the run.");
        Assert.Contains(lines, l => l.Contains("StoryMedia.Jobs", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("JwtBearer", StringComparison.Ordinal));
        // A whole token, or just its signature, would let someone replay or forge it.
        var secrets = tokens.SelectMany(t => new[] { t, t[(t.LastIndexOf('.') + 1)..] })
            .Append(TestTokens.Secret).Append(Password).ToList();
        var leaks = lines.Where(l => secrets.Any(s => l.Contains(s, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} of {lines.Count} log lines hold a secret, e.g.:{Environment.NewLine}{string.Join(Environment.NewLine, leaks.Take(3))}");
    }
}
