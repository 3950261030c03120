namespace StoryMedia.Idempotency;

/// <summary>The statements of idempotent starts, the same on both databases, always run as the key's user.</summary>
public static class IdempotencySql
{
    /// <summary>The key's request and, once it was answered, the answer.</summary>
    public const string Find = """
        select fingerprint, created_at, status_code, content_type, location, response_body
        from idempotent_requests
        where user_id = @user_id and idempotency_key = @idempotency_key
        """;

    /// <summary>This user's keys past the window are forgotten, so a key can be used again after it.</summary>
    public const string ForgetExpired = """
        delete from idempotent_requests where user_id = @user_id and created_at < @expired_before
        """;

    /// <summary>
    /// The first request with a key runs; the primary key decides between simultaneous ones. A request that stayed
    /// unanswered past Idempotency:InFlightTimeout (its instance died) is taken over. No row back: another request holds it.
    /// </summary>
    public const string Claim = """
        insert into idempotent_requests (user_id, idempotency_key, fingerprint, claim_id, created_at)
        values (@user_id, @idempotency_key, @fingerprint, @claim_id, @now)
        on conflict (user_id, idempotency_key) do update
          set fingerprint = excluded.fingerprint, claim_id = excluded.claim_id, created_at = excluded.created_at
          where idempotent_requests.status_code is null and idempotent_requests.created_at < @abandoned_before
        returning claim_id
        """;

    /// <summary>The final answer, kept for the window; only by the claim that ran the request.</summary>
    public const string Record = """
        update idempotent_requests
        set status_code = @status_code, content_type = @content_type, location = @location, response_body = @response_body
        where user_id = @user_id and idempotency_key = @idempotency_key and claim_id = @claim_id and status_code is null
        """;

    /// <summary>An answer that is not final (409, 429, 5xx, an error) is not kept: a retry with the key runs again.</summary>
    public const string Release = """
        delete from idempotent_requests
        where user_id = @user_id and idempotency_key = @idempotency_key and claim_id = @claim_id and status_code is null
        """;
}
