using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using StoryMedia.Data;

namespace StoryMedia.Http;

/// <summary>
/// While the database is away a request is answered 503 with Retry-After, never 500: the client did nothing
/// wrong and the same request will work shortly.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseFaults.IsUnavailable(exception))
        {
            return false;
        }
        logger.LogWarning("The database is unavailable: {Reason}", exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = DatabaseFaults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is briefly unavailable.",
                Detail = $"The database cannot be reached right now. Try again in {DatabaseFaults.RetryAfterSeconds} seconds.",
            },
        });
    }
}
