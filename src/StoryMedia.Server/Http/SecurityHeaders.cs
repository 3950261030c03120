using Microsoft.Net.Http.Headers;

namespace StoryMedia.Http;

/// <summary>Headers every response carries, error pages and media included.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The page's scripts and styles are files of this origin: no inline script, no third party. Who may frame the
    /// page is <c>Security:FrameAncestors</c>: nobody by default; a host app that embeds it names its origin there.
    /// </summary>
    public static string ContentSecurityPolicy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; " +
        $"connect-src 'self'; frame-ancestors {frameAncestors}; base-uri 'none'; form-action 'self'";

    /// <summary>Goes first, so that every response has them; they are set when the response starts because an exception handler clears headers.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        var frameAncestors = configuration["Security:FrameAncestors"] is { Length: > 0 } configured ? configured : "'none'";
        var policy = ContentSecurityPolicy(frameAncestors);
        var framing = frameAncestors == "'none'" ? "DENY" : null;
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                if (framing is not null)
                {
                    // For browsers older than frame-ancestors; it cannot name allowed hosts, so it is sent only for 'none'.
                    headers.XFrameOptions = framing;
                }
                // Media URLs are unguessable capabilities: a page must not hand them to other sites as a Referer.
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
