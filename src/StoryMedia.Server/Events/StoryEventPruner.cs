using Microsoft.Extensions.Options;
using StoryMedia.Jobs;

namespace StoryMedia.Events;

/// <summary>Deletes change-log events older than <see cref="JobOptions.EventRetention"/>, at start and then a few times per retention.</summary>
public sealed partial class StoryEventPruner(StoryEventLog log, IOptions<JobOptions> options, TimeProvider time, ILogger<StoryEventPruner> logger) : BackgroundService
{
    private static readonly TimeSpan LongestPause = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.EventRetention;
        var pause = retention / 4 < LongestPause ? retention / 4 : LongestPause;
        using var timer = new PeriodicTimer(pause, time);
        try
        {
            do
            {
                try
                {
                    var pruned = await log.PruneAsync(time.GetUtcNow() - retention, stoppingToken);
                    if (pruned > 0)
                    {
                        Pruned(pruned, retention);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Pruning the story change log failed; it runs again in {Pause}", pause);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} story events older than {Retention}")]
    private partial void Pruned(int count, TimeSpan retention);
}
