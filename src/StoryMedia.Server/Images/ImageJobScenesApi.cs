using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using StoryMedia.Data;
using StoryMedia.Http;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Images;

/// <summary>One scene of an image job: the seed it is drawn with, and its image once made (while the job runs, its owner-only preview).</summary>
public sealed record ImageJobSceneView(Guid SceneId, int Position, long? Seed, string? ImageUrl);

/// <summary>The scenes an image job makes: <see cref="WholeStory"/> when it makes every scene of the story.</summary>
public sealed record ImageJobScenesView(Guid JobId, bool WholeStory, IReadOnlyList<ImageJobSceneView> Scenes);

/// <summary><c>GET /api/image_jobs/{id}/scenes</c>: which scenes a job makes and what it has made so far.</summary>
public static class ImageJobScenesApi
{
    public static RouteGroupBuilder MapImageJobScenes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(ImageJobKind.Paths.Collection).RequireAuthorization().WithTags("Image generation");
        group.MapGet("{id:guid}/scenes", GetAsync)
            .WithName("GetImageJobScenes")
            .WithSummary("The scenes an image job makes, each with its seed and, once made, its image (published only when the job completes).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<ImageJobScenesView>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, JobStore jobs, Database database, CancellationToken ct)
    {
        var userId = user.UserId();
        var job = await jobs.GetAsync(ImageJobKind.Kind, id, userId, ct);
        if (job is null)
        {
            return Problems.JobNotFound(id);
        }
        await using var scope = await database.BeginReadAsUserAsync(userId, ct);
        var scenes = new List<ImageJobSceneView>();
        await using (var command = database.Command(scope, ImageJobSql.ScenesOfJob, ("job_id", id), ("user_id", userId)))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                scenes.Add(new ImageJobSceneView(
                    reader.GetGuid(reader.GetOrdinal("scene_id")),
                    reader.GetInt32(reader.GetOrdinal("position")),
                    reader.IsDBNull(reader.GetOrdinal("seed")) ? null : reader.GetInt64(reader.GetOrdinal("seed")),
                    reader.IsDBNull(reader.GetOrdinal("image_key")) ? null : ImageUrl(job, reader.GetGuid(reader.GetOrdinal("scene_id")), reader.GetString(reader.GetOrdinal("image_key")))));
            }
        }
        await using var count = database.Command(scope, ImageJobSql.ScenesOfStory, ("story_id", job.StoryId));
        var storyScenes = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        return TypedResults.Ok(new ImageJobScenesView(id, scenes.Count == storyScenes, scenes));
    }

    /// <summary>A running job's image is its owner-only preview; a completed job's is published; a failed job's is never shown.</summary>
    private static string? ImageUrl(Job job, Guid sceneId, string key) => job.Status switch
    {
        JobStatus.Processing => JobPreviews.UrlOf(ImageJobKind.Paths, job.Id, sceneId),
        JobStatus.Completed => MediaStore.UrlOf(key),
        _ => null,
    };
}
