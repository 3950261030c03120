using System.Text.Json;
using StoryMedia.Events;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Events;

/// <summary>
/// The story's change log on both databases: every change of a job's state is logged by the transaction that makes it,
/// in order, and a reader polling for what is new never skips an event that commits late.
/// </summary>
public sealed class StoryEventLogTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid user = Guid.NewGuid();
    private readonly DateTimeOffset t0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private Task<StartOutcome> StartAsync(Stores stores, Guid storyId, DateTimeOffset now) =>
        stores.Jobs.StartAsync(ImageJobKind.Kind, new NewJob(storyId, user, null, null), Stores.Unbounded, now, now - TimeSpan.FromMinutes(5), "stale", None);

    private static string Status(LoggedStoryEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString()!;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_jobs_life_is_logged_in_order_started_running_progress_completed_and_the_images_changed(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        var job = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0)).Job;
        var claimed = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        var lease = JobLease.Of(claimed);
        Assert.True(await stores.Jobs.HeartbeatAsync(claimed, 0, t0.AddSeconds(1), t0.AddSeconds(31), None));
        Assert.True(await stores.Jobs.HeartbeatAsync(claimed, 50, t0.AddSeconds(2), t0.AddSeconds(32), None));
        Assert.True(await stores.Jobs.HeartbeatAsync(claimed, 50, t0.AddSeconds(3), t0.AddSeconds(33), None));
        Assert.True(await stores.Jobs.CompleteAsync(lease, t0.AddSeconds(4), None));

        var events = await stores.Events.ReadAsync(story.Id, user, 0, 100, None);

        Assert.Equal(["started", "progress", "progress", "completed", "story_changed"], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Seq));
        Assert.All(events, e => Assert.Equal(job.Id, e.JobId));
        Assert.All(events, e => Assert.Equal(ImageJobKind.Kind, e.JobKind));
        Assert.Equal(50, JsonDocument.Parse(events[2].Data).RootElement.GetProperty("progress").GetInt32());
        Assert.Equal("completed", Status(events[3]));
        Assert.Equal("images", JsonDocument.Parse(events[4].Data).RootElement.GetProperty("what").GetString());
        Assert.Equal([4L, 5], (await stores.Events.ReadAsync(story.Id, user, 3, 100, None)).Select(e => e.Seq));
        Assert.Empty(await stores.Events.ReadAsync(story.Id, Guid.NewGuid(), 0, 100, None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_clear_a_stale_clear_and_a_failure_are_logged_and_a_refused_start_logs_nothing(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, story.Id, t0.AddSeconds(1)));
        Assert.IsType<ClearOutcome.Cleared>(await stores.Jobs.ClearAsync(ImageJobKind.Kind, story.Id, user, "cleared", t0.AddSeconds(2), None));
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0.AddSeconds(3)));
        // Silent for longer than five minutes: the next start clears it.
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0.AddMinutes(10)));
        var lease = JobLease.Of((await stores.Jobs.ClaimAsync("w1", t0.AddMinutes(10), Lease, 3, int.MaxValue, None)).Claimed!);
        Assert.True(await stores.Jobs.FailAsync(lease, "the provider refused", t0.AddMinutes(11), None));

        var events = await stores.Events.ReadAsync(story.Id, user, 0, 100, None);

        Assert.Equal(["started", "cleared", "started", "failed", "started", "progress", "failed"], events.Select(e => e.Type));
        Assert.Equal(["processing", "failed", "processing", "failed", "processing", "processing", "failed"], events.Select(Status));
        Assert.Equal("stale", JsonDocument.Parse(events[3].Data).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_worker_that_lost_its_job_logs_no_progress(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var claimed = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        Assert.IsType<ClearOutcome.Cleared>(await stores.Jobs.ClearAsync(ImageJobKind.Kind, story.Id, user, "cleared", t0.AddSeconds(1), None));

        Assert.False(await stores.Jobs.ReportProgressAsync(claimed, 50, t0.AddSeconds(2), t0.AddSeconds(32), None));

        Assert.Equal(["started", "progress", "cleared"], (await stores.Events.ReadAsync(story.Id, user, 0, 100, None)).Select(e => e.Type));
    }

    [Fact]
    public async Task Appends_from_many_transactions_commit_in_seq_order_so_a_polling_reader_never_skips_one()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var story = await stores.NewStoryAsync(user);
        const int writers = 6, perWriter = 40;
        using var done = new CancellationTokenSource();

        // A reader that trusts "seq > last": a late commit of a lower seq would be skipped for good.
        var reader = Task.Run(async () =>
        {
            var seen = new List<long>();
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var batch = await stores.Events.ReadAsync(story.Id, user, seen.Count == 0 ? 0 : seen[^1], 1000, None);
                seen.AddRange(batch.Select(e => e.Seq));
                if (finished && batch.Count == 0)
                {
                    return seen;
                }
            }
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await using var scope = await stores.Database.BeginWriteAsUserAsync(user, None);
                await stores.Events.AppendAsync(scope, StoryEvent.Changed(story.Id, user, "scenes"), t0, None);
                // Hold the transaction open a moment after the append: the next writer's append must wait for it.
                await Task.Delay(Random.Shared.Next(0, 3));
                await scope.CommitAsync(None);
            }
        })));
        await done.CancelAsync();
        var seen = await reader;

        Assert.Equal(Enumerable.Range(1, writers * perWriter).Select(i => (long)i), seen);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Pruning_drops_old_events_but_keeps_each_storys_newest(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var (story, other) = (await stores.NewStoryAsync(user), await stores.NewStoryAsync(user));
        await using (var scope = await stores.Database.BeginWriteAsUserAsync(user, None))
        {
            await stores.Events.AppendAsync(scope, [.. Enumerable.Repeat(StoryEvent.Changed(story.Id, user, "scenes"), 3)], t0, None);
            await stores.Events.AppendAsync(scope, StoryEvent.Changed(other.Id, user, "scenes"), t0, None);
            await stores.Events.AppendAsync(scope, StoryEvent.Changed(story.Id, user, "scenes"), t0.AddHours(2), None);
            await scope.CommitAsync(None);
        }

        Assert.Equal(3, await stores.Events.PruneAsync(t0.AddHours(1), None));

        Assert.Equal((4L, 4L), await stores.Events.KeptAsync(story.Id, user, None));
        Assert.Equal((1L, 1L), await stores.Events.KeptAsync(other.Id, user, None));
        Assert.Equal((0L, 0L), await stores.Events.KeptAsync(story.Id, Guid.NewGuid(), None));
    }
}
