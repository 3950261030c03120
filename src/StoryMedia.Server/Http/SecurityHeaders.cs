using Microsoft.Net.Http.Headers;

namespace StoryMedia.Http;

/// <summary>Headers every response carries, error pages and media included.</summary>
public static class SecurityHeaders
{
    /// <summary>The page's scripts and styles are files of this origin: no inline script, no third party, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>Goes first, so that every response has them; they are set when the response starts because an exception handler clears headers.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers.XFrameOptions = "DENY";
            // Media URLs are unguessable capabilities: a page must not hand them to other sites as a Referer.
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
