using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using StoryMedia.Data;

namespace StoryMedia.Webhooks;

/// <summary>
/// Wakes this instance's deliverer as soon as a delivery is queued on any instance: on PostgreSQL the transaction that
/// queues one sends a <c>NOTIFY</c> (<see cref="WebhookSql.Announced"/>), which PostgreSQL passes on when it commits, and this
/// listens on a connection of its own. <c>Webhooks:PollInterval</c> stays the fallback: for retries that come due, on
/// SQLite, behind a transaction-mode pooler (which does not pass notifications on), and while the listening connection is down.
/// </summary>
public sealed class DeliveryWakeups(Database database, IOptions<WebhookOptions> options, TimeProvider time, ILogger<DeliveryWakeups> logger) : BackgroundService
{
    public const string Channel = "storymedia_webhook_deliveries";

    private static readonly TimeSpan Keepalive = TimeSpan.FromMinutes(1);

    private readonly Channel<bool> pulses = System.Threading.Channels.Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Waits until a delivery is announced or <paramref name="timeout"/> has passed, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = pulses.Reader.ReadAsync(waiting.Token).AsTask();
        await Task.WhenAny(woken, Task.Delay(timeout, time, waiting.Token));
        await waiting.CancelAsync();
        await ((Task)woken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || database is not PostgresDatabase postgres ||
            new NpgsqlConnectionStringBuilder(postgres.DataSource.ConnectionString).Port == PreparedStatements.TransactionPoolerPort)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await postgres.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => pulses.Writer.TryWrite(true);
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Whatever was queued while nobody listened.
                pulses.Writer.TryWrite(true);
                while (true)
                {
                    // A quiet minute: make sure the connection is still there, or a dead one would never be noticed.
                    if (!await connection.WaitAsync(Keepalive, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("select 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Only an optimisation fails here: the deliverer goes on polling, and the host goes on.
                logger.LogWarning(ex, "Listening for queued webhook deliveries failed; the deliverer polls until it listens again");
                await Task.Delay(options.Value.PollInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
