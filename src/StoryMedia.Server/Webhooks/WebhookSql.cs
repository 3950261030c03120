using StoryMedia.Events;

namespace StoryMedia.Webhooks;

/// <summary>
/// Every statement of the webhooks, one set for both databases; the claim's row locking is the one dialect difference
/// (<paramref name="skipLocked"/>: <c>for update skip locked</c> on PostgreSQL, nothing under SQLite's single writer).
/// </summary>
public sealed class WebhookSql(string skipLocked)
{
    public const string Subscribe = """
        insert into job_webhooks (job_id, job_kind, user_id, url, events, created_at)
        values (@job_id, @job_kind, @user_id, @url, @events, @now)
        """;

    /// <summary>The event's delivery to the job's own destination, if the start asked for this event; its seq is the event's.</summary>
    /// <remarks><paramref name="onlyIf"/>: the condition the event's append was written under.</remarks>
    public static string EnqueueSubscribed(string onlyIf) => $"""
        insert into webhook_deliveries (id, job_id, job_kind, user_id, event, seq, destination, url, body, status, attempts, created_at, next_attempt_at, retry_until)
        select @id, w.job_id, w.job_kind, w.user_id, @event, {StoryEventLog.AppendedSeq}, 'start', w.url, @body, 'pending', 0, @now, @now, @retry_until
          from job_webhooks w
         where w.job_id = @job_id and (',' || w.events || ',') like @event_pattern and {onlyIf}
        returning id
        """;

    /// <summary>The event's delivery to the deployment's destination (<c>Webhooks:Url</c>).</summary>
    public static string EnqueueDeployment(string onlyIf) => $"""
        insert into webhook_deliveries (id, job_id, job_kind, user_id, event, seq, destination, url, body, status, attempts, created_at, next_attempt_at, retry_until)
        select @id, @job_id, @job_kind, @user_id, @event, {StoryEventLog.AppendedSeq}, 'deployment', @url, @body, 'pending', 0, @now, @now, @retry_until
         where {onlyIf}
        returning id
        """;

    /// <summary>
    /// <paramref name="enqueue"/> (one of the two above) with a <c>NOTIFY</c> for each delivery it queues (PostgreSQL only):
    /// PostgreSQL passes it on when the transaction commits, and every instance's deliverer wakes (<see cref="DeliveryWakeups"/>).
    /// </summary>
    public static string Announced(string enqueue) => $"""
        with queued as ({enqueue})
        select q.id from queued q cross join lateral (select pg_notify('{DeliveryWakeups.Channel}', q.id::text)) as n
        """;

    /// <summary>
    /// Coalescing: a progress delivery not yet sent is dropped once a later event of its job waits for the same
    /// destination; that event carries the newer state.
    /// </summary>
    public const string SkipSuperseded = """
        update webhook_deliveries
           set status = 'skipped', last_error = 'Superseded by a later event of the job before it was sent.'
         where status = 'pending' and event = 'progress' and (lease_expires_at is null or lease_expires_at < @now)
           and exists (select 1 from webhook_deliveries later
                        where later.job_id = webhook_deliveries.job_id and later.url = webhook_deliveries.url
                          and later.seq > webhook_deliveries.seq)
        """;

    /// <summary>
    /// Claims due deliveries by lease, each the first still pending of its job and destination (a delivery waits until
    /// the one before it is delivered or dead), and a progress delivery only a second after the last one sent there.
    /// </summary>
    public string Claim => $"""
        update webhook_deliveries
           set worker_id = @worker_id, lease_expires_at = @lease_until, attempts = attempts + 1, last_attempt_at = @now
         where id in (
               select d.id from webhook_deliveries d
                where d.status = 'pending' and d.next_attempt_at <= @now
                  and (d.lease_expires_at is null or d.lease_expires_at < @now)
                  and not exists (select 1 from webhook_deliveries e
                                   where e.job_id = d.job_id and e.url = d.url and e.status = 'pending' and e.seq < d.seq)
                  and (d.event <> 'progress' or not exists (
                       select 1 from webhook_deliveries p
                        where p.job_id = d.job_id and p.url = d.url and p.event = 'progress' and p.id <> d.id
                          and p.last_attempt_at > @progress_since))
                order by d.next_attempt_at
                limit @limit
                {skipLocked})
        returning id, job_id, job_kind, event, url, body, attempts, retry_until
        """;

    private const string Fence = "id = @id and status = 'pending' and worker_id = @worker_id and attempts = @attempt";

    public const string Delivered = $"""
        update webhook_deliveries
           set status = 'delivered', delivered_at = @now, worker_id = null, lease_expires_at = null,
               last_status_code = @status_code, last_response = @response, last_error = null
         where {Fence}
        """;

    public const string Retry = $"""
        update webhook_deliveries
           set next_attempt_at = @next_attempt_at, worker_id = null, lease_expires_at = null,
               last_status_code = @status_code, last_response = @response, last_error = @error
         where {Fence}
        """;

    public const string Dead = $"""
        update webhook_deliveries
           set status = 'dead', worker_id = null, lease_expires_at = null,
               last_status_code = @status_code, last_response = @response, last_error = @error
         where {Fence}
        """;

    public const string ListOfJob = """
        select id, job_kind, event, destination, url, status, attempts, created_at, next_attempt_at, last_attempt_at,
               delivered_at, last_status_code, last_response, last_error
          from webhook_deliveries
         where job_id = @job_id and user_id = @user_id
         order by seq, destination
        """;

    /// <summary>An operator's redelivery: a delivery, or every delivery of a job, sent again (same webhook-id) with a new retry window.</summary>
    public const string Redeliver = """
        update webhook_deliveries
           set status = 'pending', next_attempt_at = @now, retry_until = @retry_until, worker_id = null, lease_expires_at = null
         where (id = @id or job_id = @id) and status in ('delivered', 'dead')
        """;

    public const string Exists = "select count(*) as deliveries from webhook_deliveries where id = @id or job_id = @id";
}
