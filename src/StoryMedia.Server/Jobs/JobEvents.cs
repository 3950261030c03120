using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;

namespace StoryMedia.Jobs;

/// <summary>
/// A job's progress as Server-Sent Events. It reads the job from the database, so it works whichever
/// instance runs the job: a "progress" event on every change, then "completed" or "failed", then the end.
/// </summary>
public sealed class JobEvents(JobStore store, IOptions<JobOptions> options, TimeProvider time)
{
    public async Task<Results<ServerSentEventsResult<JobView>, ProblemHttpResult>> StreamAsync(string kind, Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(kind, jobId, userId, cancellationToken);
        return job is null
            ? Problems.JobNotFound(jobId)
            : TypedResults.ServerSentEvents(FollowAsync(job, userId, cancellationToken));
    }

    private async IAsyncEnumerable<SseItem<JobView>> FollowAsync(Job job, Guid userId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = job;
        var position = await store.QueuePositionAsync(last, time.GetUtcNow(), cancellationToken);
        yield return Event(last, position);
        while (last.IsProcessing && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.EventPollInterval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            var current = await store.GetAsync(job.Kind, job.Id, userId, cancellationToken);
            if (current is null)
            {
                yield break;
            }
            var currentPosition = await store.QueuePositionAsync(current, time.GetUtcNow(), cancellationToken);
            if (current.Status != last.Status || current.Progress != last.Progress || current.HeartbeatAt != last.HeartbeatAt || currentPosition != position)
            {
                yield return Event(current, currentPosition);
            }
            last = current;
            position = currentPosition;
        }
    }

    private static SseItem<JobView> Event(Job job, int? queuePosition) =>
        new(JobView.Of(job) with { QueuePosition = queuePosition }, job.IsProcessing ? "progress" : job.Status)
        {
            EventId = $"{job.Progress}-{job.HeartbeatAt.ToUnixTimeMilliseconds()}-{queuePosition}",
        };
}
