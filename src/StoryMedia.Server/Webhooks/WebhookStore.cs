using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StoryMedia.Data;
using StoryMedia.Events;

namespace StoryMedia.Webhooks;

/// <summary>What a start asked for: where to send which events of its job.</summary>
public sealed record WebhookSubscription(string Url, IReadOnlyList<string> Events);

/// <summary>A delivery claimed by this instance; <see cref="Attempt"/> fences what it records.</summary>
public sealed record ClaimedDelivery(Guid Id, Guid JobId, string Kind, string Event, string Url, string Body, int Attempt, DateTimeOffset RetryUntil);

/// <summary>One delivery as its job's owner sees it.</summary>
/// <param name="Url">The start's destination; null for the deployment's (<c>Webhooks:Url</c>), which is the operator's.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c>, <c>dead</c> (retried for <c>Webhooks:RetryFor</c>), or <c>skipped</c> (a progress event superseded before it was sent).</param>
public sealed record WebhookDeliveryView(
    Guid Id, string Type, string Event, string Destination, string? Url, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt, int? LastStatusCode,
    string? LastResponse, string? LastError);

/// <summary>How one attempt ended: the receiver's status and an excerpt of its answer, or why there was none.</summary>
public sealed record DeliveryAnswer(int? StatusCode, string? Response, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>
/// The outbox: subscriptions written by the start, deliveries written in the transaction of the event they report,
/// claimed by lease and recorded with their last answer.
/// </summary>
public sealed class WebhookStore(Database database, IOptions<WebhookOptions> options) : IStoryEventSink
{
    private readonly WebhookSql sql = new(database.Provider == DatabaseProvider.Postgres ? "for update skip locked" : "");

    private readonly Func<string, string> queue = database.Provider == DatabaseProvider.Postgres ? WebhookSql.Announced : sql => sql;

    public Database Database => database;

    /// <summary>In the start's transaction, before its <c>started</c> event: the job's destination and events.</summary>
    public static BatchStatement Subscribe(string kind, Guid jobId, Guid userId, WebhookSubscription subscription, DateTimeOffset now) =>
        new(WebhookSql.Subscribe, BatchStatement.NoResultSet,
            ("job_id", jobId), ("job_kind", kind), ("user_id", userId), ("url", subscription.Url), ("events", WebhookEvents.Store(subscription.Events)), ("now", now));

    /// <summary>
    /// The change log's hook, in the transaction that appends the event: a delivery for each destination that wants a
    /// job's event, the job's own and the deployment's. Committed with the event or rolled back with it, never one
    /// without the other. A story's own change (<c>story_changed</c>) is no job's event.
    /// </summary>
    public IEnumerable<BatchStatement> Statements(StoryEvent e, DateTimeOffset now, string onlyIf)
    {
        var o = options.Value;
        if (!o.Enabled || e is not { JobKind: { } kind, JobId: { } jobId } || !WebhookEvents.All.Contains(e.Type, StringComparer.Ordinal))
        {
            yield break;
        }
        var body = Body(WebhookEvents.Type(kind, e.Type), now, e.Data);
        (string, object?)[] parameters =
        [
            ("job_id", jobId), ("job_kind", kind), ("user_id", e.UserId), ("event", e.Type), ("story_id", e.StoryId),
            ("body", body), ("now", now), ("retry_until", now + o.RetryFor),
        ];
        yield return new BatchStatement(queue(WebhookSql.EnqueueSubscribed(onlyIf)), BatchStatement.Ignore,
            [("id", Guid.CreateVersion7(now)), ("event_pattern", WebhookEvents.Pattern(e.Type)), .. parameters]);
        if (o.Url is { Length: > 0 } url && o.DeploymentEvents.Contains(e.Type, StringComparer.Ordinal))
        {
            yield return new BatchStatement(queue(WebhookSql.EnqueueDeployment(onlyIf)), BatchStatement.Ignore, [("id", Guid.CreateVersion7(now)), ("url", url), .. parameters]);
        }
    }

    /// <summary>The payload: <c>{"type": "image_job.completed", "timestamp": …, "data": {the job}}</c>, fixed once, so every attempt signs the same bytes.</summary>
    public static string Body(string type, DateTimeOffset at, string data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", at.ToUniversalTime());
            writer.WritePropertyName("data");
            writer.WriteRawValue(data);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Drops superseded progress deliveries, then claims up to <paramref name="limit"/> due ones.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(string workerId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await using (var skip = database.Command(scope, WebhookSql.SkipSuperseded, ("now", now)))
        {
            await skip.ExecuteNonQueryAsync(cancellationToken);
        }
        var claimed = new List<ClaimedDelivery>();
        await using (var claim = database.Command(scope, sql.Claim,
            ("worker_id", workerId), ("now", now), ("lease_until", now + options.Value.LeaseDuration),
            ("progress_since", now - ProgressInterval), ("limit", limit)))
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                claimed.Add(new ClaimedDelivery(
                    reader.GetGuid(reader.GetOrdinal("id")),
                    reader.GetGuid(reader.GetOrdinal("job_id")),
                    reader.GetString(reader.GetOrdinal("job_kind")),
                    reader.GetString(reader.GetOrdinal("event")),
                    reader.GetString(reader.GetOrdinal("url")),
                    reader.GetString(reader.GetOrdinal("body")),
                    reader.GetInt32(reader.GetOrdinal("attempts")),
                    reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("retry_until"))));
            }
        }
        await scope.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>At most one progress delivery a second per job and destination.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Records an attempt, fenced on the claim: false when the lease ran out and another instance took the delivery.</summary>
    /// <param name="retryAt">When to try again, or null: the delivery is done (delivered, or dead with this answer).</param>
    public async Task<bool> RecordAsync(ClaimedDelivery delivery, string workerId, DeliveryAnswer answer, DateTimeOffset now, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        (string, object?)[] fence = [("id", delivery.Id), ("worker_id", workerId), ("attempt", delivery.Attempt), ("status_code", answer.StatusCode), ("response", answer.Response)];
        // Each statement gets exactly its parameters: PostgreSQL cannot type a null parameter a statement does not use.
        var changed = (answer.Delivered, retryAt) switch
        {
            (true, _) => await database.ExecuteAsWorkerAsync(WebhookSql.Delivered, cancellationToken, [.. fence, ("now", now)]),
            (false, { } next) => await database.ExecuteAsWorkerAsync(WebhookSql.Retry, cancellationToken, [.. fence, ("next_attempt_at", next), ("error", answer.Error)]),
            (false, null) => await database.ExecuteAsWorkerAsync(WebhookSql.Dead, cancellationToken, [.. fence, ("error", answer.Error)]),
        };
        return changed == 1;
    }

    /// <summary>The job's deliveries in the order they are sent, read as its owner.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>> ListAsync(Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = database.Command(scope, WebhookSql.ListOfJob, ("job_id", jobId), ("user_id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<WebhookDeliveryView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = reader.GetString(reader.GetOrdinal("status"));
            var destination = reader.GetString(reader.GetOrdinal("destination"));
            var eventName = reader.GetString(reader.GetOrdinal("event"));
            deliveries.Add(new WebhookDeliveryView(
                reader.GetGuid(reader.GetOrdinal("id")),
                WebhookEvents.Type(reader.GetString(reader.GetOrdinal("job_kind")), eventName),
                eventName,
                destination,
                destination == "start" ? reader.GetString(reader.GetOrdinal("url")) : null,
                status,
                reader.GetInt32(reader.GetOrdinal("attempts")),
                reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
                status == "pending" ? Instant(reader, "next_attempt_at") : null,
                Instant(reader, "last_attempt_at"),
                Instant(reader, "delivered_at"),
                reader.IsDBNull(reader.GetOrdinal("last_status_code")) ? null : reader.GetInt32(reader.GetOrdinal("last_status_code")),
                Text(reader, "last_response"),
                Text(reader, "last_error")));
        }
        return deliveries;
    }

    /// <summary>Sends a delivery (or every delivery of a job) again; how many were queued, or null when there is no such delivery or job.</summary>
    public async Task<int?> RedeliverAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await using (var exists = database.Command(scope, WebhookSql.Exists, ("id", id)))
        {
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
        }
        int queued;
        await using (var redeliver = database.Command(scope, WebhookSql.Redeliver, ("id", id), ("now", now), ("retry_until", now + options.Value.RetryFor)))
        {
            queued = await redeliver.ExecuteNonQueryAsync(cancellationToken);
        }
        await scope.CommitAsync(cancellationToken);
        return queued;
    }

    private static DateTimeOffset? Instant(DbDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetFieldValue<DateTimeOffset>(ordinal);
    }

    private static string? Text(DbDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
    }
}
