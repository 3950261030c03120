using Microsoft.Extensions.Options;
using StoryMedia.Data;

namespace StoryMedia.Webhooks;

/// <summary>
/// This instance's deliverer: claims due deliveries by lease (any instance may send any delivery; the database decides
/// who holds it), sends them, and records each answer: delivered, retried with exponential backoff and jitter, or dead
/// once <c>Webhooks:RetryFor</c> has passed since the event.
/// </summary>
public sealed class WebhookDeliverer(
    WebhookStore store,
    WebhookSender sender,
    DeliveryWakeups wakeups,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliverer> logger) : BackgroundService
{
    public string WorkerId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:webhooks:{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            logger.LogInformation("Webhooks are off: Webhooks:Secret is not set");
            return;
        }
        logger.LogInformation("Webhook deliverer {WorkerId} starts", WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                var claimed = await store.ClaimAsync(WorkerId, time.GetUtcNow(), o.Concurrency, stoppingToken);
                sent = claimed.Count;
                await Task.WhenAll(claimed.Select(d => DeliverAsync(d, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Webhook deliverer {WorkerId} could not claim deliveries; trying again", WorkerId);
            }
            if (sent == 0)
            {
                await wakeups.WaitAsync(o.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task DeliverAsync(ClaimedDelivery delivery, CancellationToken stoppingToken)
    {
        var answer = await sender.SendAsync(delivery, stoppingToken);
        var now = time.GetUtcNow();
        DateTimeOffset? retryAt = answer.Delivered ? null : now + Backoff(delivery.Attempt);
        if (retryAt > delivery.RetryUntil)
        {
            retryAt = null;
        }
        try
        {
            if (!await store.RecordAsync(delivery, WorkerId, answer, now, retryAt, CancellationToken.None))
            {
                logger.LogWarning("Delivery {DeliveryId} of job {JobId} was taken over before its answer was recorded", delivery.Id, delivery.JobId);
            }
            else if (answer.Delivered)
            {
                logger.LogInformation("Delivered {Event} of {Kind} job {JobId} (delivery {DeliveryId}, attempt {Attempt})", delivery.Event, delivery.Kind, delivery.JobId, delivery.Id, delivery.Attempt);
            }
            else if (retryAt is null)
            {
                logger.LogWarning("Delivery {DeliveryId} of job {JobId} is dead after {Attempt} attempts: {Error}", delivery.Id, delivery.JobId, delivery.Attempt, answer.Error);
            }
            else
            {
                logger.LogInformation("Delivery {DeliveryId} of job {JobId} failed (attempt {Attempt}: {Error}); next at {RetryAt:o}", delivery.Id, delivery.JobId, delivery.Attempt, answer.Error, retryAt);
            }
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex))
        {
            // The lease runs out and another attempt is made: at least once, never lost.
            logger.LogWarning("Could not record delivery {DeliveryId}: the database is unavailable ({Reason})", delivery.Id, ex.Message);
        }
    }

    /// <summary>First retry after Webhooks:FirstRetryAfter, doubling up to Webhooks:MaxRetryInterval, each between half and all of that.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var o = options.Value;
        var full = TimeSpan.FromTicks(Math.Min(o.FirstRetryAfter.Ticks * (1L << Math.Min(attempt - 1, 20)), o.MaxRetryInterval.Ticks));
        return full / 2 + full / 2 * Random.Shared.NextDouble();
    }
}
