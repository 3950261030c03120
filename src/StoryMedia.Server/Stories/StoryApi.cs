using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Stories;

public sealed record CreateStoryRequest(string? Title, IReadOnlyList<SceneInput?>? Scenes, string? Style = null);

public sealed record SceneInput(string? Text);

public sealed record EditScenesRequest(IReadOnlyList<SceneEditInput?>? Scenes);

public sealed record SceneEditInput(string? Id, string? Text);

/// <param name="NarrationOutOfDate">The scene has narration, of a text it has since been edited away from.</param>
/// <param name="ImageProvenance">How the current image was made, where that was recorded.</param>
public sealed record SceneView(
    Guid Id, int Position, string Text, string? ImageUrl, string? AudioUrl = null, double? AudioSeconds = null, bool NarrationOutOfDate = false,
    ImageProvenance? ImageProvenance = null);

/// <param name="ScenesToNarrate">The positions of the scenes without narration of their current text.</param>
public sealed record StoryView(
    Guid Id, string Title, string Style, DateTimeOffset CreatedAt, IReadOnlyList<SceneView> Scenes, string? VideoUrl, string? SubtitlesUrl, IReadOnlyList<int> ScenesToNarrate)
{
    public static StoryView Of(Story story, IReadOnlyDictionary<Guid, ImageProvenance>? provenance = null) => new(
        story.Id, story.Title, story.Style, story.CreatedAt,
        [.. story.Scenes.Select(s => new SceneView(
            s.Id, s.Position, s.Text, UrlOf(s.ImageKey), UrlOf(s.AudioKey), s.AudioSeconds, s.AudioKey is not null && !s.IsNarrated,
            s.ImageKey is null ? null : provenance?.GetValueOrDefault(s.Id)))],
        UrlOf(story.VideoKey), UrlOf(story.SubtitlesKey),
        [.. story.Scenes.Where(s => !s.IsNarrated).Select(s => s.Position)]);

    private static string? UrlOf(string? key) => key is null ? null : MediaStore.UrlOf(key);
}

/// <summary>A story in the list: enough to show and open it, without its scenes.</summary>
public sealed record StorySummaryView(Guid Id, string Title, string Style, DateTimeOffset CreatedAt, int SceneCount, string? CoverImageUrl)
{
    public static StorySummaryView Of(StorySummary story) => new(
        story.Id, story.Title, story.Style, story.CreatedAt, story.SceneCount, story.CoverImageKey is null ? null : MediaStore.UrlOf(story.CoverImageKey));
}

public static class StoryApi
{
    public const int MaxTitleLength = 200;
    public const int MaxStyleLength = 100;
    public const int MaxScenes = 200;
    public const int MaxSceneTextLength = 2000;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static RouteGroupBuilder MapStories(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/stories").RequireAuthorization().WithTags("Stories");
        group.MapPost("", CreateAsync).WithName("CreateStory").WithSummary("Creates a story from a title, a style and its scenes.")
            .RequireRateLimiting(RateLimits.StoryWrites);
        group.MapGet("", ListAsync).WithName("ListStories")
            .WithSummary("A page of the user's stories, newest first: each with its scene count and cover image.")
            .WithDescription($"At most `limit` stories ({DefaultPageSize} unless given, at most {MaxPageSize}). When there are more, " +
                             "the `Link` header names the next page (`rel=\"next\"`), whose `after` parameter is an opaque cursor: follow the link as it is.");
        group.MapGet("{id:guid}", GetAsync).WithName("GetStory").WithSummary("A story with its scenes and each scene's current image, with how it was made.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("{id:guid}/scenes", EditScenesAsync).WithName("EditScenes")
            .WithSummary("Sets the text and order of the story's scenes: its scenes' ids in their new order, each with its text. Images stay with their scenes.")
            .RequireRateLimiting(RateLimits.StoryWrites)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<JobConflictProblem>(StatusCodes.Status409Conflict, "application/problem+json");
        return group;
    }

    private static async Task<Results<Created<StoryView>, ValidationProblem>> CreateAsync(
        CreateStoryRequest? body, ClaimsPrincipal user, StoryStore stories, TimeProvider time, CancellationToken ct)
    {
        if (Validate(body) is { } invalid)
        {
            return invalid;
        }
        var story = await stories.CreateAsync(
            user.UserId(),
            new NewStory(body!.Title!.Trim(), body.Style?.Trim() ?? "", [.. body.Scenes!.Select(s => s!.Text!.Trim())]),
            time.GetUtcNow(),
            ct);
        return TypedResults.Created($"/api/stories/{story.Id}", StoryView.Of(story));
    }

    private static ValidationProblem? Validate(CreateStoryRequest? body)
    {
        if (string.IsNullOrWhiteSpace(body?.Title))
        {
            return Problems.Invalid("title", "is required.");
        }
        if (Problems.TooLong(body.Title, MaxTitleLength, "title", out var invalid) || Problems.TooLong(body.Style, MaxStyleLength, "style", out invalid))
        {
            return invalid;
        }
        if (body.Scenes is not { Count: > 0 } scenes)
        {
            return Problems.Invalid("scenes", "must list at least one scene.");
        }
        if (scenes.Count > MaxScenes)
        {
            return Problems.Invalid("scenes", $"must list at most {MaxScenes} scenes.");
        }
        for (var i = 0; i < scenes.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(scenes[i]?.Text))
            {
                return Problems.Invalid($"scenes[{i}].text", "is required.");
            }
            if (Problems.TooLong(scenes[i]!.Text, MaxSceneTextLength, $"scenes[{i}].text", out invalid))
            {
                return invalid;
            }
        }
        return null;
    }

    private static async Task<Results<Ok<StoryView>, ProblemHttpResult, ValidationProblem>> EditScenesAsync(
        Guid id, EditScenesRequest? body, ClaimsPrincipal user, StoryStore stories, ImageProvenanceReader provenance, JobViews jobs, JobKinds kinds,
        IOptions<JobOptions> options, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (Validate(body, out var edits) is { } invalid)
        {
            return invalid;
        }
        switch (await stories.EditScenesAsync(id, user.UserId(), edits, time.GetUtcNow(), ct))
        {
            case SceneEditOutcome.Edited { Story: var story }:
                return TypedResults.Ok(StoryView.Of(story, await provenance.OfStoryAsync(story.Id, user.UserId(), ct)));
            case SceneEditOutcome.WrongScenes { Field: var field, Message: var message }:
                return Problems.Invalid(field, message);
            case SceneEditOutcome.JobRunning { Job: var running }:
                var kind = kinds[running.Kind];
                var now = time.GetUtcNow();
                return JobApi.Conflict(await jobs.OfAsync(running, now, ct), options.Value, now, http.Response,
                    title: $"{kind.Activity} is in progress for this story.",
                    detail: $"The scenes cannot change while a job makes media from them: it started {Durations.Describe(now - running.StartedAt)} ago " +
                            $"and is at {running.Progress} %. Edit the scenes when it is done, or clear it with POST {kind.Routes.Clear} if it is stuck.");
            default:
                return Problems.StoryNotFound(id);
        }
    }

    private static ValidationProblem? Validate(EditScenesRequest? body, out List<SceneEdit> edits)
    {
        edits = [];
        if (body?.Scenes is not { Count: > 0 } scenes)
        {
            return Problems.Invalid("scenes", "must list the story's scenes in their new order.");
        }
        if (scenes.Count > MaxScenes)
        {
            return Problems.Invalid("scenes", $"must list at most {MaxScenes} scenes.");
        }
        for (var i = 0; i < scenes.Count; i++)
        {
            if (!Problems.TryParseId(scenes[i]?.Id, $"scenes[{i}].id", out var sceneId, out var invalid))
            {
                return invalid;
            }
            if (string.IsNullOrWhiteSpace(scenes[i]!.Text))
            {
                return Problems.Invalid($"scenes[{i}].text", "is required.");
            }
            if (Problems.TooLong(scenes[i]!.Text, MaxSceneTextLength, $"scenes[{i}].text", out invalid))
            {
                return invalid;
            }
            edits.Add(new SceneEdit(sceneId, scenes[i]!.Text!.Trim()));
        }
        return null;
    }

    private static async Task<Results<Ok<IEnumerable<StorySummaryView>>, ValidationProblem>> ListAsync(
        [Description("How many stories a page holds: 1 to 100, 20 by default.")] string? limit,
        [Description("The cursor of the next page, as the previous page's Link header gives it.")] string? after,
        ClaimsPrincipal user, StoryStore stories, HttpContext http, CancellationToken ct)
    {
        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return Problems.Invalid("limit", $"must be a whole number from 1 to {MaxPageSize}.");
        }
        StoryCursor? cursor = null;
        if (after is not null)
        {
            if (!StoryCursor.TryDecode(after, out var decoded))
            {
                return Problems.Invalid("after", "is not a cursor this service gave out; follow the Link header of the previous page as it is.");
            }
            cursor = decoded;
        }
        // One more than the page: whether it comes back says if there is a next page.
        var page = await stories.ListAsync(user.UserId(), pageSize + 1, cursor, ct);
        if (page.Count > pageSize)
        {
            var next = StoryCursor.After(page[pageSize - 1]).Encode();
            http.Response.Headers.Link = $"<{http.Request.PathBase}/api/stories?limit={pageSize}&after={next}>; rel=\"next\"";
        }
        return TypedResults.Ok(page.Take(pageSize).Select(StorySummaryView.Of));
    }

    private static async Task<Results<Ok<StoryView>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, StoryStore stories, ImageProvenanceReader provenance, CancellationToken ct) =>
        await stories.GetAsync(id, user.UserId(), ct) is { } story
            ? TypedResults.Ok(StoryView.Of(story, await provenance.OfStoryAsync(id, user.UserId(), ct)))
            : Problems.StoryNotFound(id);
}
