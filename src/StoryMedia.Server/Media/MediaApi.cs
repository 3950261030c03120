using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using StoryMedia.Jobs;

namespace StoryMedia.Media;

public static class MediaApi
{
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder routes)
    {
        // The types the registered kinds make: the 200 and 206 of the OpenAPI document.
        string[] types = [.. routes.ServiceProvider.GetRequiredService<JobKinds>().All.SelectMany(k => k.MediaTypes.Keys).Distinct(StringComparer.OrdinalIgnoreCase)];
        routes.MapGet("/media/{key}", Get)
            .WithName("GetMedia")
            .WithSummary("A file a job made, by its unguessable key.")
            .WithTags("Media")
            .Produces<Stream>(StatusCodes.Status200OK, types[0], types[1..])
            .Produces<Stream>(StatusCodes.Status206PartialContent, types[0], types[1..])
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
        return routes;
    }

    /// <summary>
    /// Streams the file from the store through this instance, with range requests, whichever store holds it: the
    /// page stays same-origin (no Content-Security-Policy change, no presigned URL to expire in an open page).
    /// </summary>
    private static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> Get(
        string key, MediaStore media, HttpContext http, ILogger<MediaStore> logger, CancellationToken cancellationToken)
    {
        if (!media.TryParseKey(key, out _))
        {
            return TypedResults.NotFound();
        }
        // A key names one file forever, so it can be cached for good; but only by the viewer's browser, never by a
        // shared cache, as the file is the user's own and the key its only protection.
        return await ServeAsync(media, key, "private, max-age=31536000, immutable", http, logger, cancellationToken);
    }

    /// <summary>Streams the file a well-formed key names, with range requests; 404 when there is none, 503 when the store does not answer.</summary>
    internal static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> ServeAsync(
        MediaStore media, string key, string cacheControl, HttpContext http, ILogger<MediaStore> logger, CancellationToken cancellationToken)
    {
        MediaFile? file;
        try
        {
            file = await media.OpenAsync(key, cancellationToken);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not serve media {Key}", key);
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The media storage cannot be reached.",
                detail: "The file exists only in the media storage, which did not answer; try again shortly.");
        }
        if (file is null)
        {
            return TypedResults.NotFound();
        }
        http.Response.Headers.CacheControl = cacheControl;
        http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        return TypedResults.Stream(file.Content, file.ContentType, lastModified: file.LastModified, enableRangeProcessing: true);
    }
}
