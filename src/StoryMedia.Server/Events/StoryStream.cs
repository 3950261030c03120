using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Data;
using StoryMedia.Http;
using StoryMedia.Jobs;

namespace StoryMedia.Events;

/// <summary>
/// <c>GET /api/stories/{id}/events</c>: every change of the user's story, from any instance, as Server-Sent Events read
/// from the story's change log (<see cref="StoryEventLog"/>, docs/events.md). Each event's id is its <c>seq</c>, its name
/// its type, its data the logged JSON. <c>Last-Event-ID</c> resumes after that seq; an id the log cannot continue from
/// (pruned, past the head, not a number) gets one <c>reset</c> event, whose id is the head, and the client refetches.
/// The stream ends when the bearer token expires, so no stream outlives the right to read it.
/// </summary>
public sealed class StoryStream(StoryEventLog log, IOptions<JobOptions> options, TimeProvider time)
{
    public const string Reset = "reset";

    // Events read per query; a reader far behind catches up a batch at a time without waiting for the poll.
    private const int Batch = 100;

    public static RouteGroupBuilder MapStoryStream(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/stories").RequireAuthorization().WithTags("Stories");
        group.MapGet("{id:guid}/events", (Guid id, ClaimsPrincipal user, StoryStream stream, HttpContext http, CancellationToken ct) =>
                stream.StreamAsync(id, user, http, ct))
            .WithName("WatchStory")
            .RequireRateLimiting(RateLimits.EventStreams)
            .WithSummary("Every change of the story (its jobs of every kind, its media, its scenes) as Server-Sent Events, from whichever instance makes it.")
            .Produces<JsonElement>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            // A stream lasts until the token expires, far past the request timeout.
            .DisableRequestTimeout();
        return group;
    }

    public async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamAsync(Guid storyId, ClaimsPrincipal user, HttpContext http, CancellationToken cancellationToken)
    {
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        var userId = user.UserId();
        if (!await OwnsAsync(storyId, userId, cancellationToken))
        {
            return Problems.StoryNotFound(storyId);
        }
        var (oldest, newest) = await log.KeptAsync(storyId, userId, cancellationToken);
        string? reset = null;
        var after = newest;
        if (lastEventId.Length > 0)
        {
            if (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var seen) || seen > newest)
            {
                reset = "ahead";
            }
            else if (seen < oldest - 1)
            {
                reset = "behind";
            }
            else
            {
                after = seen;
            }
        }
        // Authentication requires exp (a NumericDate, which may have a fraction).
        var expires = DateTimeOffset.UnixEpoch.AddSeconds(double.Parse(user.FindFirstValue("exp")!, CultureInfo.InvariantCulture));
        return TypedResults.ServerSentEvents(FollowAsync(http.Response, storyId, userId, after, reset, expires, cancellationToken));
    }

    private async IAsyncEnumerable<SseItem<string>> FollowAsync(
        HttpResponse response, Guid storyId, Guid userId, long after, string? reset, DateTimeOffset expires, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The answer's headers go at once, though nothing may happen for a while: the client knows it is connected.
        await response.Body.FlushAsync(cancellationToken);
        if (reset is not null)
        {
            yield return ResetEvent(reset, after);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await log.ReadAsync(storyId, userId, after, Batch, cancellationToken);
            if (events.Count > 0 && events[0].Seq > after + 1)
            {
                // The pruner took events this stream had not sent yet: the client must refetch.
                after = (await log.KeptAsync(storyId, userId, cancellationToken)).Newest;
                yield return ResetEvent("behind", after);
                continue;
            }
            foreach (var e in events)
            {
                yield return new SseItem<string>(e.Data, e.Type) { EventId = e.Seq.ToString(CultureInfo.InvariantCulture) };
                after = e.Seq;
            }
            if (events.Count == Batch)
            {
                continue;
            }
            var left = expires - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                yield break;
            }
            try
            {
                await Task.Delay(left < options.Value.EventPollInterval ? left : options.Value.EventPollInterval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <param name="reason"><c>behind</c>: older than the oldest event kept; <c>ahead</c>: not an id of this story's log.</param>
    private static SseItem<string> ResetEvent(string reason, long head) =>
        new(JsonSerializer.Serialize(new Dictionary<string, object> { ["reason"] = reason, ["seq"] = head }), Reset)
        {
            EventId = head.ToString(CultureInfo.InvariantCulture),
        };

    private async Task<bool> OwnsAsync(Guid storyId, Guid userId, CancellationToken cancellationToken)
    {
        var database = log.Database;
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = database.Command(scope, JobSql.StoryOwned, ("story_id", storyId), ("user_id", userId));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
