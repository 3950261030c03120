using Microsoft.AspNetCore.Http.HttpResults;

namespace StoryMedia.Page;

/// <summary>What the page needs to know before anyone signs in.</summary>
public sealed record PageConfig(IReadOnlyList<string> HostOrigins);

/// <summary>
/// The page's settings as JSON: its Content-Security-Policy allows no inline script, so the server cannot write them
/// into the page, and the page fetches them instead.
/// </summary>
public static class PageConfigApi
{
    public static IEndpointRouteBuilder MapPageConfig(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/page_config", Get)
            .WithTags("Page")
            .WithName("GetPageConfig")
            .WithSummary("The story page's settings: the host app origins (Security:HostOrigins) that may hand it a token by postMessage.")
            .AllowAnonymous();
        return routes;
    }

    private static Ok<PageConfig> Get(HostOrigins hosts, HttpResponse response)
    {
        // A changed setting applies at the page's next load.
        response.Headers.CacheControl = "no-cache";
        return TypedResults.Ok(new PageConfig(hosts.Origins));
    }
}
