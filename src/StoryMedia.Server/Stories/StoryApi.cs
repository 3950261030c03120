using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using StoryMedia.Http;
using StoryMedia.Media;

namespace StoryMedia.Stories;

public sealed record CreateStoryRequest(string? Title, string? Style, IReadOnlyList<SceneInput?>? Scenes);

public sealed record SceneInput(string? Text);

public sealed record SceneView(Guid Id, int Position, string Text, string? ImageUrl);

public sealed record StoryView(Guid Id, string Title, string Style, DateTimeOffset CreatedAt, IReadOnlyList<SceneView> Scenes, string? VideoUrl)
{
    public static StoryView Of(Story story) => new(
        story.Id, story.Title, story.Style, story.CreatedAt,
        [.. story.Scenes.Select(s => new SceneView(s.Id, s.Position, s.Text, s.ImageKey is null ? null : MediaStore.UrlOf(s.ImageKey)))],
        story.VideoKey is null ? null : MediaStore.UrlOf(story.VideoKey));
}

public static class StoryApi
{
    public const int MaxTitleLength = 200;
    public const int MaxStyleLength = 100;
    public const int MaxScenes = 200;
    public const int MaxSceneTextLength = 2000;
    private const int ListLimit = 100;

    public static RouteGroupBuilder MapStories(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/stories").RequireAuthorization().WithTags("Stories");
        group.MapPost("", CreateAsync).WithName("CreateStory").WithSummary("Creates a story from a title, a style and its scenes.");
        group.MapGet("", ListAsync).WithName("ListStories").WithSummary("The user's stories, newest first.");
        group.MapGet("{id:guid}", GetAsync).WithName("GetStory").WithSummary("A story with its scenes and each scene's current image.")
            .ProducesProblem(StatusCodes.Status404NotFound);
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

    private static async Task<Ok<IEnumerable<StoryView>>> ListAsync(ClaimsPrincipal user, StoryStore stories, CancellationToken ct) =>
        TypedResults.Ok((await stories.ListAsync(user.UserId(), ListLimit, ct)).Select(StoryView.Of));

    private static async Task<Results<Ok<StoryView>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal user, StoryStore stories, CancellationToken ct) =>
        await stories.GetAsync(id, user.UserId(), ct) is { } story ? TypedResults.Ok(StoryView.Of(story)) : Problems.StoryNotFound(id);
}
