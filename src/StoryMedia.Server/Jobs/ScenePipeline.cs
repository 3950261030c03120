using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace StoryMedia.Jobs;

/// <summary>
/// Makes a job's scenes and records each one as it is ready, one record at a time in the order they were made, while the
/// next scenes are being made: storing a scene's media and its progress report overlap the next render rather than
/// following it. At most <c>atOnce</c> scenes are made at once and at most as many wait for their record.
/// </summary>
public static class ScenePipeline
{
    /// <summary>
    /// A failed record stops the making and is what this throws. A failed make stops the making too, but the scenes
    /// already made are recorded first, so no finished work is lost.
    /// </summary>
    public static async Task RunAsync<TScene, TMade>(
        IEnumerable<TScene> scenes, int atOnce, Func<TScene, CancellationToken, Task<TMade>> make, Func<TMade, CancellationToken, Task> record,
        CancellationToken cancellationToken)
    {
        atOnce = Math.Max(1, atOnce);
        var made = Channel.CreateBounded<TMade>(new BoundedChannelOptions(atOnce) { SingleReader = true, SingleWriter = atOnce == 1 });
        using var stopMaking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var recording = RecordInOrderAsync(made.Reader, record, stopMaking, cancellationToken);
        ExceptionDispatchInfo? makingFailed = null;
        try
        {
            await Parallel.ForEachAsync(scenes, new ParallelOptions { MaxDegreeOfParallelism = atOnce, CancellationToken = stopMaking.Token },
                // A made scene waits for room even after another scene's make failed: only a failed record (or the job's
                // own cancellation) drops it.
                async (scene, token) => await made.Writer.WriteAsync(await make(scene, token), stopMaking.Token));
        }
        catch (Exception ex)
        {
            makingFailed = ExceptionDispatchInfo.Capture(ex);
        }
        made.Writer.Complete();
        // A record's failure comes first: it is why the making stopped.
        await recording;
        makingFailed?.Throw();
    }

    private static async Task RecordInOrderAsync<TMade>(
        ChannelReader<TMade> made, Func<TMade, CancellationToken, Task> record, CancellationTokenSource stopMaking, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in made.ReadAllAsync(cancellationToken))
            {
                await record(item, cancellationToken);
            }
        }
        catch
        {
            await stopMaking.CancelAsync();
            throw;
        }
    }
}
