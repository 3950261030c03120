using System.Diagnostics;
using System.Diagnostics.Metrics;
namespace StoryMedia.Operations;

/// <summary>
/// The service's own metrics (meter <c>StoryMedia</c>) and traces (activity source <c>StoryMedia</c>):
/// what the job guard decided and how long the work took. Every instrument is tagged with the job kind.
/// </summary>
public sealed class StoryMediaTelemetry
{
    public const string Name = "StoryMedia";

    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> started;
    private readonly Counter<long> conflicts;
    private readonly Counter<long> cleared;
    private readonly Counter<long> clearedStale;
    private readonly Counter<long> takenOver;
    private readonly Counter<long> fencedWritesRejected;
    private readonly Histogram<double> jobDuration;
    private readonly Histogram<double> sceneDuration;
    private readonly UpDownCounter<long> inProgress;

    public StoryMediaTelemetry(IMeterFactory meters)
    {
        // The factory owns the meter and disposes it with the service provider.
        var meter = meters.Create(Name);
        started = meter.CreateCounter<long>("storymedia.jobs.started", "{job}", "Jobs started by a request.");
        conflicts = meter.CreateCounter<long>("storymedia.jobs.conflicts", "{request}", "Starts refused with 409 because a job was already processing.");
        cleared = meter.CreateCounter<long>("storymedia.jobs.cleared", "{job}", "Processing jobs cleared by a user or an operator.");
        clearedStale = meter.CreateCounter<long>("storymedia.jobs.cleared_stale", "{job}", "Processing jobs cleared automatically because they stopped heartbeating.");
        takenOver = meter.CreateCounter<long>("storymedia.jobs.taken_over", "{job}", "Jobs claimed again after their worker released them or its lease ran out.");
        fencedWritesRejected = meter.CreateCounter<long>("storymedia.jobs.fenced_writes_rejected", "{write}", "Worker writes refused because the job was cleared or taken over.");
        jobDuration = meter.CreateHistogram<double>("storymedia.job.duration", "s", "From a job's start to its end, by outcome.");
        sceneDuration = meter.CreateHistogram<double>("storymedia.scene.duration", "s", "Making and storing one scene's media.");
        inProgress = meter.CreateUpDownCounter<long>("storymedia.jobs.in_progress", "{job}", "Jobs this instance's workers are running now.");
    }

    public void Started(string kind) => started.Add(1, Tag(kind));

    public void Conflict(string kind) => conflicts.Add(1, Tag(kind));

    public void Cleared(string kind) => cleared.Add(1, Tag(kind));

    public void ClearedStale(string kind) => clearedStale.Add(1, Tag(kind));

    public void TakenOver(string kind) => takenOver.Add(1, Tag(kind));

    public void FencedWriteRejected(string kind) => fencedWritesRejected.Add(1, Tag(kind));

    public void JobEnded(string kind, string outcome, TimeSpan duration) =>
        jobDuration.Record(duration.TotalSeconds, Tag(kind), new("outcome", outcome));

    public void SceneDone(string kind, TimeSpan duration) => sceneDuration.Record(duration.TotalSeconds, Tag(kind));

    public void JobRunning(string kind, int delta) => inProgress.Add(delta, Tag(kind));

    /// <summary>"run Image job": the span names the kind capitalised, as dashboards built on the first releases expect.</summary>
    public static string SpanName(string verb, string kind) => $"{verb} {Jobs.JobKinds.Pascal(kind)} job";

    private static KeyValuePair<string, object?> Tag(string kind) => new("kind", kind);
}
