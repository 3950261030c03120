using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;
using StoryMedia.Idempotency;
using StoryMedia.Webhooks;

namespace StoryMedia.Jobs;

/// <summary>The same handlers under every registered kind's routes, and the list of kinds the page builds its panels from.</summary>
public static class JobApi
{
    public const int MaxStyleLength = 100;
    public const int MaxInstructionsLength = 2000;
    private const int HistoryLimit = 50;

    public static IReadOnlyList<RouteGroupBuilder> MapJobs(this IEndpointRouteBuilder routes)
    {
        var kinds = routes.ServiceProvider.GetRequiredService<JobKinds>();
        var catalog = routes.MapGroup("/api/job_kinds").RequireAuthorization().WithTags("Jobs");
        catalog.MapGet("", (JobKinds registered) => TypedResults.Ok(registered.All.Select(JobKindView.Of)))
            .WithName("ListJobKinds")
            .WithSummary("The kinds of job this service runs, with their routes, in the order the story page shows them.");
        return [catalog, .. kinds.All.Select(kind => routes.MapKind(kind))];
    }

    private static RouteGroupBuilder MapKind(this IEndpointRouteBuilder routes, IJobKind kind)
    {
        var group = routes.MapGroup("").RequireAuthorization().WithTags(kind.Activity);
        var name = JobKinds.Pascal(kind.Name);
        var paths = kind.Routes;

        var generate = group.MapPost(paths.Generate, (GenerateRequest? body, ClaimsPrincipal user, JobGuard guard, JobViews views, JobKinds kinds, WebhookStart webhooks, IOptions<JobOptions> options, TimeProvider time, HttpContext http, CancellationToken ct) =>
                GenerateAsync(kind, body, user, guard, views, kinds, webhooks, options.Value, time, http, ct))
            .WithName($"Generate{name}")
            .RequireRateLimiting(RateLimits.Starts)
            .WithSummary($"Starts a {kind.Activity.ToLowerInvariant()} job for a story, unless one is already in progress.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<JobConflictProblem>(StatusCodes.Status409Conflict, "application/problem+json")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        IdempotentStart.Apply(generate);
        if (kind.ChecksStart)
        {
            generate.ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        }

        group.MapPost(paths.Clear, (ClearRequest? body, ClaimsPrincipal user, JobGuard guard, CancellationToken ct) =>
                ClearAsync(kind, body, user, guard, ct))
            .WithName($"Clear{name}Job")
            .RequireRateLimiting(RateLimits.Clears)
            .WithSummary("Marks the story's processing job failed and stops its worker.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet(paths.Collection, (string? story_id, ClaimsPrincipal user, JobStore store, JobViews views, TimeProvider time, CancellationToken ct) =>
                ListAsync(kind, story_id, user, store, views, time, ct))
            .WithName($"List{name}Jobs")
            .WithSummary("The story's jobs, newest first.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet($"{paths.Collection}/{{id:guid}}", (Guid id, ClaimsPrincipal user, JobStore store, JobViews views, TimeProvider time, CancellationToken ct) =>
                GetAsync(kind, id, user, store, views, time, ct))
            .WithName($"Get{name}Job")
            .WithSummary("One job.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet($"{paths.Collection}/{{id:guid}}/events", (Guid id, ClaimsPrincipal user, JobEvents events, CancellationToken ct) =>
                events.StreamAsync(kind.Name, id, user.UserId(), ct))
            .WithName($"Watch{name}Job")
            .RequireRateLimiting(RateLimits.EventStreams)
            .WithSummary("The job's progress as Server-Sent Events until it ends, from whichever instance runs it.")
            .Produces<JobView>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            // A stream lasts as long as its job, far past the request timeout.
            .DisableRequestTimeout();

        return group;
    }

    private static async Task<Results<Accepted<JobView>, ProblemHttpResult, ValidationProblem>> GenerateAsync(
        IJobKind kind, GenerateRequest? body, ClaimsPrincipal user, JobGuard guard, JobViews views, JobKinds kinds, WebhookStart webhooks, JobOptions options, TimeProvider time, HttpContext http, CancellationToken ct)
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
        if (!SceneChoice.TryParse(kind, body, out var sceneIds, out invalid))
        {
            return invalid!;
        }
        if (!webhooks.TryRead(body.WebhookUrl, body.WebhookEvents, out var webhook, out invalid))
        {
            return invalid!;
        }
        var own = kind.ReadStart(body.Members ?? []);
        if (own.InvalidField is { } field)
        {
            return Problems.Invalid(field, own.Invalid!);
        }
        var style = own.Style ?? (string.IsNullOrWhiteSpace(body.Style) ? null : body.Style.Trim());
        var instructions = string.IsNullOrWhiteSpace(body.Instructions) ? null : body.Instructions.Trim();
        var outcome = await guard.StartAsync(
            kind.Name, new NewJob(storyId, user.UserId(), style, instructions, SceneIds: sceneIds, SameSeed: body.SameSeed ?? false, Options: own.Value, Webhook: webhook), ct);
        var now = time.GetUtcNow();
        switch (outcome)
        {
            case StartOutcome.Started started:
                return TypedResults.Accepted($"{kind.Routes.Collection}/{started.Job.Id}", await views.OfAsync(started.Job, now, ct, started.Queue));
            case StartOutcome.AlreadyRunning { Job: var running }:
                return Conflict(await views.OfAsync(running, now, ct), options, now, http.Response,
                    title: $"{kind.Activity} already in progress.",
                    detail: $"A job for this story started {Durations.Describe(now - running.StartedAt)} ago and is at {running.Progress} %; " +
                            $"its last heartbeat was {Durations.Describe(now - running.HeartbeatAt)} ago. " +
                            $"If it is stuck, clear it with POST {kind.Routes.Clear} and try again.");
            case StartOutcome.BlockedBy { Job: var blocking }:
                var other = kinds[blocking.Kind];
                var rule = kinds.BlockersOf(kind.Name).First(r => r.Blocker == blocking.Kind);
                return Conflict(await views.OfAsync(blocking, now, ct), options, now, http.Response,
                    title: $"{other.Activity} is in progress for this story.",
                    detail: $"{rule.Reason} That job started {Durations.Describe(now - blocking.StartedAt)} ago and is at {blocking.Progress} %. " +
                            $"Wait until it finishes, or clear it with POST {other.Routes.Clear}, and try again.");
            case StartOutcome.NotReady notReady:
                return TypedResults.Problem(
                    statusCode: notReady.Status, title: notReady.Title, detail: notReady.Detail,
                    extensions: new Dictionary<string, object?>(notReady.Facts));
            case StartOutcome.OverUserBound over:
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(over.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: $"Over your limit: {over.Setting} = {over.Limit}.",
                    detail: over.Detail,
                    extensions: new Dictionary<string, object?> { ["limit"] = over.Setting, ["limit_value"] = over.Limit });
            case StartOutcome.Contended:
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "The story's jobs are changing too fast to start one now.",
                    detail: "Every try met a job that ended before it could be read. Try again in a moment.");
            default:
                return Problems.StoryNotFound(storyId);
        }
    }

    /// <summary>
    /// The one 409 of every refusal because of a processing job, whichever route refuses and whatever the job's kind: the job
    /// in the body (with its <c>kind</c> and, while it waits, its <c>queue_position</c>), and a Retry-After of when that job
    /// would count as stale if it stopped heartbeating now.
    /// </summary>
    public static ProblemHttpResult Conflict(JobView job, JobOptions options, DateTimeOffset now, HttpResponse response, string title, string detail)
    {
        var untilStale = job.HeartbeatAt + options.StaleAfter - now;
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(untilStale.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: title,
            detail: detail,
            extensions: new Dictionary<string, object?> { ["job"] = job });
    }

    private static async Task<Results<Ok<ClearResponse>, ProblemHttpResult, ValidationProblem>> ClearAsync(
        IJobKind kind, ClearRequest? body, ClaimsPrincipal user, JobGuard guard, CancellationToken ct)
    {
        if (!Problems.TryParseId(body?.StoryId, "story_id", out var storyId, out var invalid))
        {
            return invalid!;
        }
        return await guard.ClearAsync(kind.Name, storyId, user.UserId(), JobGuard.ClearedByUser, ct) switch
        {
            ClearOutcome.Cleared { Job: { } job } => TypedResults.Ok(new ClearResponse(true, JobView.Of(job))),
            ClearOutcome.Cleared => TypedResults.Ok(new ClearResponse(false, null)),
            _ => Problems.StoryNotFound(storyId),
        };
    }

    private static async Task<Results<Ok<IEnumerable<JobView>>, ProblemHttpResult, ValidationProblem>> ListAsync(
        IJobKind kind, string? storyIdText, ClaimsPrincipal user, JobStore store, JobViews views, TimeProvider time, CancellationToken ct)
    {
        if (!Problems.TryParseId(storyIdText, "story_id", out var storyId, out var invalid))
        {
            return invalid!;
        }
        var jobs = await store.ListAsync(kind.Name, storyId, user.UserId(), HistoryLimit, ct);
        if (jobs is null)
        {
            return Problems.StoryNotFound(storyId);
        }
        var now = time.GetUtcNow();
        var shown = new List<JobView>(jobs.Count);
        foreach (var job in jobs)
        {
            shown.Add(await views.OfAsync(job, now, ct));
        }
        return TypedResults.Ok<IEnumerable<JobView>>(shown);
    }

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> GetAsync(IJobKind kind, Guid id, ClaimsPrincipal user, JobStore store, JobViews views, TimeProvider time, CancellationToken ct)
    {
        var job = await store.GetAsync(kind.Name, id, user.UserId(), ct);
        return job is null ? Problems.JobNotFound(id) : TypedResults.Ok(await views.OfAsync(job, time.GetUtcNow(), ct));
    }
}
