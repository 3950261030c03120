using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace StoryMedia.Http;

/// <summary>The <c>RateLimits</c> configuration section: per user, so one user's burst never slows another.</summary>
public sealed class RateLimitOptions
{
    /// <summary>
    /// Jobs a user may start per <see cref="Window"/>, over every kind and every instance: counted in the database from
    /// the jobs the user created (<c>JobStore.StartAsync</c>), so a refused start costs nothing.
    /// </summary>
    public int StartsPerWindow { get; set; } = 20;

    /// <summary>
    /// Start requests a user may make per <see cref="Window"/> to one instance, refused or not: the first line against a
    /// flood, before any database work. Above <see cref="StartsPerWindow"/> so refused starts can be retried.
    /// </summary>
    public int StartRequestsPerWindow { get; set; } = 60;

    /// <summary>Job clears a user may make per <see cref="Window"/>.</summary>
    public int ClearsPerWindow { get; set; } = 20;

    /// <summary>Stories created and scene edits saved, together, that a user may make per <see cref="Window"/>.</summary>
    public int StoryWritesPerWindow { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Event streams a user may hold open at once (each is a connection and a database poll).</summary>
    public int EventStreamsPerUser { get; set; } = 10;
}

/// <summary>ASP.NET Core rate limiting, partitioned by the signed-in user; over the limit is a 429 problem with Retry-After.</summary>
public static class RateLimits
{
    public const string Starts = "job-starts";
    public const string Clears = "job-clears";
    public const string EventStreams = "event-streams";
    public const string StoryWrites = "story-writes";

    public static IServiceCollection AddStoryMediaRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("RateLimits");
        var options = section.Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddOptions<RateLimitOptions>().Bind(section);
        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Starts, http => PerWindow(http, options.StartRequestsPerWindow, options.Window));
            limiter.AddPolicy(Clears, http => PerWindow(http, options.ClearsPerWindow, options.Window));
            limiter.AddPolicy(StoryWrites, http => PerWindow(http, options.StoryWritesPerWindow, options.Window));
            limiter.AddPolicy(EventStreams, http => RateLimitPartition.GetConcurrencyLimiter(
                UserOf(http), _ => new ConcurrencyLimiterOptions { PermitLimit = options.EventStreamsPerUser, QueueLimit = 0 }));
            limiter.OnRejected = RejectAsync;
        });
    }

    private static RateLimitPartition<string> PerWindow(HttpContext http, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(UserOf(http), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
        });

    // The limited routes require a signed-in user, whose token has a UUID sub.
    private static string UserOf(HttpContext http) => http.User.FindFirstValue("sub") ?? "";

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        string detail;
        if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            detail = $"You have made too many of these requests; try again in {seconds} s.";
        }
        else
        {
            http.Response.Headers.RetryAfter = "5";
            detail = "You have too many of these open at once; close one and try again.";
        }
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests.", Detail = detail },
        });
    }
}
