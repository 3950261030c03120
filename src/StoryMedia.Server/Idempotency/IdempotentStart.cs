using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StoryMedia.Http;

namespace StoryMedia.Idempotency;

/// <summary>
/// The Idempotency-Key header on a start (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): the same user,
/// key, method, path and body within Idempotency:Window answer the first final answer again (status, Location, body);
/// the same key with another request is a 422; a duplicate of a request still in flight waits for its answer. Only
/// final answers are kept: a 409, 429 or 5xx is not replayed, so a retry with the key is decided afresh.
/// </summary>
public sealed class IdempotentStart
{
    public const string HeaderName = "Idempotency-Key";

    public const int MaxKeyLength = 255;

    /// <summary>Puts the header on the route: the first argument of its handler is the JSON body the key is bound to.</summary>
    public static void Apply(RouteHandlerBuilder route) =>
        route.WithMetadata(new IdempotentStart()).AddEndpointFilter(InvokeAsync);

    private static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers[HeaderName];
        if (header.Count == 0)
        {
            return await next(context);
        }
        if (header.Count > 1 || header[0] is not { Length: > 0 and <= MaxKeyLength } key || key.Any(c => c is < '!' or > '~'))
        {
            return Problems.Invalid(HeaderName, $"must be one value of 1 to {MaxKeyLength} visible ASCII characters, such as a UUID.");
        }
        var services = http.RequestServices;
        var store = services.GetRequiredService<IdempotencyStore>();
        var options = services.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var userId = http.User.UserId();
        var fingerprint = Fingerprint(http.Request, context.Arguments.Count > 0 ? context.Arguments[0] : null, json);
        var ct = http.RequestAborted;
        while (true)
        {
            var now = time.GetUtcNow();
            var existing = await store.FindAsync(userId, key, ct);
            var takeable = existing is null || existing.CreatedAt < now - options.Window ||
                           (existing.Answer is null && existing.CreatedAt < now - options.InFlightTimeout);
            if (takeable)
            {
                if (await store.ClaimAsync(userId, key, fingerprint, now, options, ct) is { } claimId)
                {
                    return await RunAsync(context, next, store, userId, key, claimId);
                }
                continue;
            }
            if (existing!.Fingerprint != fingerprint)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "This Idempotency-Key was used for a different request.",
                    detail: "A key stands for one request (method, path and body) for 24 hours; send a new key for a new request.");
            }
            if (existing.Answer is { } answer)
            {
                return new Replay(answer);
            }
            // The first request with this key is still being answered; its answer will be ours.
            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    private static async Task<object?> RunAsync(
        EndpointFilterInvocationContext context, EndpointFilterDelegate next, IdempotencyStore store, Guid userId, string key, Guid claimId)
    {
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await store.ReleaseAsync(userId, key, claimId, CancellationToken.None);
            throw;
        }
        if (result is IResult answer)
        {
            return new Recorded(answer, store, userId, key, claimId);
        }
        await store.ReleaseAsync(userId, key, claimId, CancellationToken.None);
        return result;
    }

    /// <summary>SHA-256 of the method, the path and the body as the route bound it (so JSON spacing and key order do not matter).</summary>
    private static string Fingerprint(HttpRequest request, object? body, JsonSerializerOptions json)
    {
        var text = $"{request.Method} {request.Path}\n{(body is null ? "null" : JsonSerializer.Serialize(body, body.GetType(), json))}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Whether an answer stands for good: a conflict, a rate limit or an outage may be different on a retry.</summary>
    private static bool IsFinal(int status) =>
        status < 500 && status is not (StatusCodes.Status409Conflict or StatusCodes.Status429TooManyRequests or StatusCodes.Status408RequestTimeout);

    /// <summary>Writes the handler's answer, keeps it when it is final, and only then sends it.</summary>
    private sealed class Recorded(IResult inner, IdempotencyStore store, Guid userId, string key, Guid claimId) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var body = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await inner.ExecuteAsync(http);
            }
            catch
            {
                await store.ReleaseAsync(userId, key, claimId, CancellationToken.None);
                throw;
            }
            finally
            {
                http.Response.Body = body;
            }
            var status = http.Response.StatusCode;
            if (IsFinal(status))
            {
                var answer = new StoredAnswer(status, http.Response.ContentType, http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                    Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                await store.RecordAsync(userId, key, claimId, answer, CancellationToken.None);
            }
            else
            {
                await store.ReleaseAsync(userId, key, claimId, CancellationToken.None);
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(body, http.RequestAborted);
        }
    }

    /// <summary>The first request's answer, sent again as it was.</summary>
    private sealed class Replay(StoredAnswer answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = answer.StatusCode;
            http.Response.ContentType = answer.ContentType;
            if (answer.Location is { } location)
            {
                http.Response.Headers.Location = location;
            }
            await http.Response.WriteAsync(answer.Body, http.RequestAborted);
        }
    }
}
