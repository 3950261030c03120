using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;

namespace StoryMedia.Jobs;

/// <summary>The routes of one kind of job; image and video jobs map the same handlers under their own names.</summary>
public sealed record JobRoutes(JobKind Kind, string Generate, string Clear, string Collection, string Activity)
{
    public static readonly JobRoutes Image = new(JobKind.Image, "/api/generate_images", "/api/clear_image_job", "/api/image_jobs", "Image generation");

    public static readonly JobRoutes Video = new(JobKind.Video, "/api/generate_video", "/api/clear_video_job", "/api/video_jobs", "Video generation");

    public static JobRoutes Of(JobKind kind) => kind == JobKind.Image ? Image : Video;
}

public static class JobApi
{
    public const int MaxStyleLength = 100;
    public const int MaxInstructionsLength = 2000;
    private const int HistoryLimit = 50;

    public static RouteGroupBuilder MapJobs(this IEndpointRouteBuilder routes, JobRoutes names)
    {
        var group = routes.MapGroup("").RequireAuthorization().WithTags(names.Activity);
        var kind = names.Kind;
        var prefix = kind.ToString();

        group.MapPost(names.Generate, (GenerateRequest? body, ClaimsPrincipal user, JobGuard guard, IOptions<JobOptions> options, TimeProvider time, HttpContext http, CancellationToken ct) =>
                GenerateAsync(names, body, user, guard, options.Value, time, http, ct))
            .WithName($"Generate{prefix}")
            .RequireRateLimiting(RateLimits.Starts)
            .WithSummary($"Starts a {names.Activity.ToLowerInvariant()} job for a story, unless one is already in progress.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost(names.Clear, (ClearRequest? body, ClaimsPrincipal user, JobGuard guard, CancellationToken ct) =>
                ClearAsync(kind, body, user, guard, ct))
            .WithName($"Clear{prefix}Job")
            .RequireRateLimiting(RateLimits.Clears)
            .WithSummary("Marks the story's processing job failed and stops its worker.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet(names.Collection, (string? story_id, ClaimsPrincipal user, JobStore store, CancellationToken ct) =>
                ListAsync(kind, story_id, user, store, ct))
            .WithName($"List{prefix}Jobs")
            .WithSummary("The story's jobs, newest first.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet($"{names.Collection}/{{id:guid}}", (Guid id, ClaimsPrincipal user, JobStore store, CancellationToken ct) =>
                GetAsync(kind, id, user, store, ct))
            .WithName($"Get{prefix}Job")
            .WithSummary("One job.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet($"{names.Collection}/{{id:guid}}/events", (Guid id, ClaimsPrincipal user, JobEvents events, CancellationToken ct) =>
                events.StreamAsync(kind, id, user.UserId(), ct))
            .WithName($"Watch{prefix}Job")
            .RequireRateLimiting(RateLimits.EventStreams)
            .WithSummary("The job's progress as Server-Sent Events until it ends, from whichever instance runs it.")
            .Produces<JobView>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            // A stream lasts as long as its job, far past the request timeout.
            .DisableRequestTimeout();

        return group;
    }

    private static async Task<Results<Accepted<JobView>, ProblemHttpResult, ValidationProblem>> GenerateAsync(
        JobRoutes names, GenerateRequest? body, ClaimsPrincipal user, JobGuard guard, JobOptions options, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (!Problems.TryParseId(body?.StoryId, "story_id", out var storyId, out var invalid))
        {
            return invalid!;
        }
        if (Problems.TooLong(body!.Style, MaxStyleLength, "style", out invalid) ||
            Problems.TooLong(body.Instructions, MaxInstructionsLength, "instructions", out invalid))
        {
            return invalid!;
        }
        var style = string.IsNullOrWhiteSpace(body.Style) ? null : body.Style.Trim();
        var instructions = string.IsNullOrWhiteSpace(body.Instructions) ? null : body.Instructions.Trim();
        var outcome = await guard.StartAsync(names.Kind, new NewJob(storyId, user.UserId(), style, instructions), ct);
        switch (outcome)
        {
            case StartOutcome.Started started:
                return TypedResults.Accepted($"{names.Collection}/{started.Job.Id}", JobView.Of(started.Job));
            case StartOutcome.AlreadyRunning { Job: var running }:
                var now = time.GetUtcNow();
                return InProgress(running, options, now, http.Response,
                    title: $"{names.Activity} already in progress.",
                    detail: $"A job for this story started {Durations.Describe(now - running.StartedAt)} ago and is at {running.Progress} %; " +
                            $"its last heartbeat was {Durations.Describe(now - running.HeartbeatAt)} ago. " +
                            $"If it is stuck, clear it with POST {names.Clear} and try again.");
            case StartOutcome.BlockedBy { Job: var blocking }:
                var other = JobRoutes.Of(blocking.Kind);
                var since = time.GetUtcNow() - blocking.StartedAt;
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: $"{other.Activity} is in progress for this story.",
                    detail: $"A video is made from the story's images, and a job that replaces them started {Durations.Describe(since)} ago " +
                            $"and is at {blocking.Progress} %. Wait until it finishes, or clear it with POST {other.Clear}, and try again.",
                    extensions: new Dictionary<string, object?> { [$"{blocking.Kind.ToString().ToLowerInvariant()}_job"] = JobView.Of(blocking) });
            case StartOutcome.ImagesMissing { ScenePositions: var missing }:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Some scenes have no image yet.",
                    detail: $"A video shows every scene's image, and {(missing.Count == 1 ? "scene" : "scenes")} {string.Join(", ", missing)} " +
                            $"{(missing.Count == 1 ? "has" : "have")} none. Generate the story's images first (POST {JobRoutes.Image.Generate}).",
                    extensions: new Dictionary<string, object?> { ["scenes_without_image"] = missing });
            default:
                return Problems.StoryNotFound(storyId);
        }
    }

    /// <summary>
    /// The 409 for a request refused because of the story's processing job: the job in the body, and a Retry-After of
    /// when that job would count as stale if it stopped heartbeating now.
    /// </summary>
    public static ProblemHttpResult InProgress(Job running, JobOptions options, DateTimeOffset now, HttpResponse response, string title, string detail)
    {
        var untilStale = running.HeartbeatAt + options.StaleAfter - now;
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(untilStale.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: title,
            detail: detail,
            extensions: new Dictionary<string, object?> { ["job"] = JobView.Of(running) });
    }

    private static async Task<Results<Ok<ClearResponse>, ProblemHttpResult, ValidationProblem>> ClearAsync(
        JobKind kind, ClearRequest? body, ClaimsPrincipal user, JobGuard guard, CancellationToken ct)
    {
        if (!Problems.TryParseId(body?.StoryId, "story_id", out var storyId, out var invalid))
        {
            return invalid!;
        }
        return await guard.ClearAsync(kind, storyId, user.UserId(), ct) switch
        {
            ClearOutcome.Cleared { Job: { } job } => TypedResults.Ok(new ClearResponse(true, JobView.Of(job))),
            ClearOutcome.Cleared => TypedResults.Ok(new ClearResponse(false, null)),
            _ => Problems.StoryNotFound(storyId),
        };
    }

    private static async Task<Results<Ok<IEnumerable<JobView>>, ProblemHttpResult, ValidationProblem>> ListAsync(
        JobKind kind, string? storyIdText, ClaimsPrincipal user, JobStore store, CancellationToken ct)
    {
        if (!Problems.TryParseId(storyIdText, "story_id", out var storyId, out var invalid))
        {
            return invalid!;
        }
        var jobs = await store.ListAsync(kind, storyId, user.UserId(), HistoryLimit, ct);
        return jobs is null ? Problems.StoryNotFound(storyId) : TypedResults.Ok(jobs.Select(JobView.Of));
    }

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> GetAsync(JobKind kind, Guid id, ClaimsPrincipal user, JobStore store, CancellationToken ct)
    {
        var job = await store.GetAsync(kind, id, user.UserId(), ct);
        return job is null ? Problems.JobNotFound(id) : TypedResults.Ok(JobView.Of(job));
    }
}
