using StoryMedia.Data;

namespace StoryMedia.Idempotency;

/// <summary>A request sent with an Idempotency-Key: what it was, and its answer once it has one.</summary>
public sealed record IdempotentRequest(string Fingerprint, DateTimeOffset CreatedAt, StoredAnswer? Answer);

/// <summary>A final answer as it was sent: status, content type, Location and body.</summary>
public sealed record StoredAnswer(int StatusCode, string? ContentType, string? Location, string Body);

/// <summary>The idempotency keys of starts, per user, in the service's database (table idempotent_requests).</summary>
public sealed class IdempotencyStore(Database database)
{
    public async Task<IdempotentRequest?> FindAsync(Guid userId, string key, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var find = database.Command(scope, IdempotencySql.Find, ("user_id", userId), ("idempotency_key", key));
        await using var row = await find.ExecuteReaderAsync(cancellationToken);
        if (!await row.ReadAsync(cancellationToken))
        {
            return null;
        }
        var status = row.GetOrdinal("status_code");
        var answer = row.IsDBNull(status)
            ? null
            : new StoredAnswer(
                Convert.ToInt32(row.GetValue(status), System.Globalization.CultureInfo.InvariantCulture),
                Text(row, "content_type"), Text(row, "location"), Text(row, "response_body") ?? "");
        return new IdempotentRequest(row.GetString(row.GetOrdinal("fingerprint")), row.GetFieldValue<DateTimeOffset>(row.GetOrdinal("created_at")), answer);
    }

    /// <summary>Takes the key for this request: its claim id, or null when another request holds it.</summary>
    public async Task<Guid?> ClaimAsync(Guid userId, string key, string fingerprint, DateTimeOffset now, IdempotencyOptions options, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        await using (var forget = database.Command(scope, IdempotencySql.ForgetExpired, ("user_id", userId), ("expired_before", now - options.Window)))
        {
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        var claimId = Guid.NewGuid();
        await using var claim = database.Command(scope, IdempotencySql.Claim,
            ("user_id", userId), ("idempotency_key", key), ("fingerprint", fingerprint), ("claim_id", claimId), ("now", now),
            ("abandoned_before", now - options.InFlightTimeout));
        var claimed = await claim.ExecuteScalarAsync(cancellationToken) is not null;
        await scope.CommitAsync(cancellationToken);
        return claimed ? claimId : null;
    }

    public async Task RecordAsync(Guid userId, string key, Guid claimId, StoredAnswer answer, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        await using var record = database.Command(scope, IdempotencySql.Record,
            ("user_id", userId), ("idempotency_key", key), ("claim_id", claimId), ("status_code", answer.StatusCode),
            ("content_type", answer.ContentType), ("location", answer.Location), ("response_body", answer.Body));
        await record.ExecuteNonQueryAsync(cancellationToken);
        await scope.CommitAsync(cancellationToken);
    }

    public async Task ReleaseAsync(Guid userId, string key, Guid claimId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        await using var release = database.Command(scope, IdempotencySql.Release, ("user_id", userId), ("idempotency_key", key), ("claim_id", claimId));
        await release.ExecuteNonQueryAsync(cancellationToken);
        await scope.CommitAsync(cancellationToken);
    }

    private static string? Text(System.Data.Common.DbDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
    }
}
