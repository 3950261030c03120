using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;

namespace StoryMedia.Jobs;

/// <summary>
/// A job's progress as Server-Sent Events. It reads the job from the database, so it works whichever
/// instance runs the job: a "progress" event on every change (with the job's previews, when its kind has them), then
/// "completed" or "failed", then the end.
/// </summary>
public sealed class JobEvents(JobStore store, JobViews views, IOptions<JobOptions> options, TimeProvider time)
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
        var last = await views.OfAsync(job, time.GetUtcNow(), cancellationToken);
        yield return Event(last);
        while (last.Status == JobStatus.Processing && !cancellationToken.IsCancellationRequested)
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
            var view = await views.OfAsync(current, time.GetUtcNow(), cancellationToken);
            if (view.Status != last.Status || view.Progress != last.Progress || view.HeartbeatAt != last.HeartbeatAt ||
                view.QueuePosition != last.QueuePosition || view.Previews?.Count != last.Previews?.Count)
            {
                yield return Event(view);
            }
            last = view;
        }
    }

    private static SseItem<JobView> Event(JobView job) =>
        new(job, job.Status == JobStatus.Processing ? "progress" : job.Status)
        {
            EventId = $"{job.Progress}-{job.HeartbeatAt.ToUnixTimeMilliseconds()}-{job.QueuePosition}-{job.Previews?.Count}",
        };
}
