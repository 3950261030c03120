namespace StoryMedia.Jobs;

/// <summary>Jobs as the API shows them: the stored job, with its queue position while it waits and its kind's previews.</summary>
public sealed class JobViews(JobStore store, QueuePositions positions)
{
    /// <param name="queue">The job's user's place in the queue, when the caller read it already.</param>
    public async Task<JobView> OfAsync(Job job, DateTimeOffset now, CancellationToken cancellationToken, UserInQueue? queue = null) =>
        JobView.Of(job) with
        {
            QueuePosition = await positions.OfAsync(job, now, cancellationToken, queue),
            Previews = await JobPreviews.OfAsync(store.Database, store.Kinds[job.Kind], job, cancellationToken),
        };
}
