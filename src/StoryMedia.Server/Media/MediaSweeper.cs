using Microsoft.Extensions.Options;
using StoryMedia.Data;
using StoryMedia.Jobs;

namespace StoryMedia.Media;

/// <summary>What a sweep found: files deleted (or that would be, in a dry run), their bytes, and old files kept.</summary>
public sealed record SweepResult(int Deleted, long DeletedBytes, int Kept);

/// <summary>
/// Deletes media files that nothing can show or use any more: what jobs that were cleared or failed made, what a later
/// job replaced once no running job uses it, and temporary files a crash left.
/// It lists the store, a directory or a bucket alike. Only the store's own files older than
/// <see cref="MediaOptions.SweepMinAge"/> are looked at.
/// </summary>
public sealed class MediaSweeper(Database database, JobKinds kinds, MediaStore media, IOptions<MediaOptions> options, TimeProvider time, ILogger<MediaSweeper> logger)
{
    /// <summary>
    /// Every key a story shows or a processing job may still use, as each registered kind says. One statement, so one snapshot.
    /// </summary>
    private readonly string referencedKeys = string.Join("\nunion ", kinds.All.Select(k => k.MediaKeysInUse));

    public async Task<SweepResult> SweepAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var cutOff = time.GetUtcNow() - options.Value.SweepMinAge;
        // Files are listed before the references are read. A key gains a reference only when a worker records a
        // file it has just written (younger than the cut-off) or when one already referenced is copied (a start's
        // snapshot, a completion publishing its job's media), so an old file unreferenced now stays unreferenced.
        var candidates = new List<StoredFile>();
        await foreach (var file in media.ListAsync(cancellationToken))
        {
            if (media.Types.IsOwnFile(file.Name) && file.LastModified < cutOff)
            {
                candidates.Add(file);
            }
        }
        if (candidates.Count == 0)
        {
            return new SweepResult(0, 0, 0);
        }
        var referenced = (await database.ReadAsWorkerAsync(referencedKeys, r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var garbage = candidates.Where(file => media.Types.KeyOfFile(file.Name) is not { } key || !referenced.Contains(key)).ToList();
        var deleted = 0;
        var bytes = 0L;
        foreach (var file in garbage)
        {
            if (!dryRun)
            {
                try
                {
                    await media.DeleteAsync(file.Name, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(ex, "Could not delete media file {File}", file.Name);
                    continue;
                }
            }
            deleted++;
            bytes += file.Length;
        }
        var result = new SweepResult(deleted, bytes, candidates.Count - garbage.Count);
        logger.LogInformation("Media sweep{DryRun}: {Deleted} unreferenced files ({Bytes} bytes) deleted, {Kept} older files still in use",
            dryRun ? " (dry run)" : "", result.Deleted, result.DeletedBytes, result.Kept);
        return result;
    }
}

/// <summary>Runs a sweep at start and every <see cref="MediaOptions.SweepInterval"/>, unless that is zero.</summary>
public sealed class MediaSweepService(MediaSweeper sweeper, IOptions<MediaOptions> options, TimeProvider time, ILogger<MediaSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    await sweeper.SweepAsync(dryRun: false, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "The media sweep failed; it runs again in {Interval}", interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
