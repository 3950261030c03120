using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using StoryMedia.Data;
using StoryMedia.Http;
using StoryMedia.Media;

namespace StoryMedia.Jobs;

/// <summary>A scene's new media that a running job has made, before its completion publishes it.</summary>
/// <param name="Url">The owner-only route that serves it while the job runs (not a <c>/media/</c> URL).</param>
public sealed record JobPreview(Guid SceneId, string Url);

/// <summary>
/// Previews: what a processing job of a kind that has them (<see cref="IJobKind.PreviewsOfJob"/>) has made so far, listed in
/// its job view and served only to the job's owner, with their bearer token, while the job runs. The media's key is never
/// shown before publication, so <c>/media/{key}</c> cannot serve an unpublished file to anyone who was not given it.
/// </summary>
public static class JobPreviews
{
    public static string UrlOf(JobRoutes routes, Guid jobId, Guid sceneId) => $"{routes.Collection}/{jobId}/previews/{sceneId}";

    /// <summary>The job's previews, read as its user: null for a kind without them, empty once the job ended.</summary>
    public static async Task<IReadOnlyList<JobPreview>?> OfAsync(Database database, IJobKind kind, Job job, CancellationToken cancellationToken)
    {
        // A job no worker has claimed yet (a new start, most 409s) has made nothing: no read for it.
        if (kind.PreviewsOfJob is null || !job.IsProcessing || job.Attempts == 0)
        {
            return kind.PreviewsOfJob is null ? null : [];
        }
        await using var scope = await database.BeginReadAsUserAsync(job.UserId, cancellationToken);
        return [.. (await ReadAsync(new JobScope(database, scope), kind, job.Id, job.UserId, cancellationToken))
            .Select(p => new JobPreview(p.SceneId, UrlOf(kind.Routes, job.Id, p.SceneId)))];
    }

    /// <summary><c>GET {collection}/{id}/previews/{scene_id}</c> for every kind with previews.</summary>
    public static RouteGroupBuilder MapJobPreviews(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").RequireAuthorization();
        foreach (var kind in routes.ServiceProvider.GetRequiredService<JobKinds>().All.Where(k => k.PreviewsOfJob is not null))
        {
            string[] types = [.. kind.MediaTypes.Keys];
            group.MapGet($"{kind.Routes.Collection}/{{id:guid}}/previews/{{sceneId:guid}}",
                    (Guid id, Guid sceneId, ClaimsPrincipal user, Database database, MediaStore media, HttpContext http, ILogger<MediaStore> logger, CancellationToken ct) =>
                        GetAsync(kind, id, sceneId, user.UserId(), database, media, http, logger, ct))
                .WithName($"Get{JobKinds.Pascal(kind.Name)}Preview")
                .WithTags(kind.Activity)
                .WithSummary("A scene's new media that the running job has made, not yet published; the job's owner only, while it runs.")
                .Produces<Stream>(StatusCodes.Status200OK, types[0], types[1..])
                .ProducesProblem(StatusCodes.Status404NotFound);
        }
        return group;
    }

    private static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> GetAsync(
        IJobKind kind, Guid jobId, Guid sceneId, Guid userId, Database database, MediaStore media, HttpContext http, ILogger<MediaStore> logger, CancellationToken ct)
    {
        List<(Guid SceneId, string Key)> previews;
        await using (var scope = await database.BeginReadAsUserAsync(userId, ct))
        {
            previews = await ReadAsync(new JobScope(database, scope), kind, jobId, userId, ct);
        }
        var preview = previews.FirstOrDefault(p => p.SceneId == sceneId);
        if (preview.Key is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Preview not found.",
                detail: $"Job {jobId} is not running, or it has made nothing for scene {sceneId} yet.");
        }
        // Served only while the job runs: no cache may keep it.
        return await MediaApi.ServeAsync(media, preview.Key, "private, no-store", http, logger, ct);
    }

    private static Task<List<(Guid SceneId, string Key)>> ReadAsync(JobScope scope, IJobKind kind, Guid jobId, Guid userId, CancellationToken ct) =>
        scope.ReadAsync(kind.PreviewsOfJob!,
            r => (r.GetGuid(r.GetOrdinal("scene_id")), r.GetString(r.GetOrdinal("media_key"))), ct, ("job_id", jobId), ("user_id", userId));
}
