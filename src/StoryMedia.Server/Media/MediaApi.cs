using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace StoryMedia.Media;

public static class MediaApi
{
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/media/{key}", Get)
            .WithName("GetMedia")
            .WithSummary("A generated image or video, by its unguessable key.")
            .AllowAnonymous();
        return routes;
    }

    private static Results<PhysicalFileHttpResult, NotFound> Get(string key, MediaStore media, HttpContext http)
    {
        if (!media.TryResolve(key, out var path, out var contentType))
        {
            return TypedResults.NotFound();
        }
        // A key names one file forever, so it can be cached for good; but only by the viewer's browser, never by a
        // shared cache, as the file is the user's own and the key its only protection.
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        return TypedResults.PhysicalFile(path, contentType, enableRangeProcessing: true);
    }
}
