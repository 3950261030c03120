using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>
/// The guard's storage, one suite run against both databases and every registered kind of job, the tests' throwaway third
/// kind included (it proves the guard needs no edit for a new kind). Times are passed in, so nothing sleeps, but for one
/// test's short window in which nothing may happen.
/// </summary>
public sealed class JobStoreTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid user = Guid.NewGuid();
    private readonly DateTimeOffset t0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    public static TheoryData<string> Kinds => new(KindUnderTest.All.Select(kind => kind.Name));

    public static TheoryData<string, string> ProvidersAndKinds
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var provider in new[] { Backend.Sqlite, Backend.Postgres })
            {
                foreach (var kind in KindUnderTest.All)
                {
                    data.Add(provider, kind.Name);
                }
            }
            return data;
        }
    }

    private Task<StartOutcome> StartAsync(Stores stores, string kind, Guid storyId, DateTimeOffset now, TimeSpan? staleAfter = null) =>
        stores.Jobs.StartAsync(kind, new NewJob(storyId, user, null, null), Stores.Unbounded, now, now - (staleAfter ?? TimeSpan.FromMinutes(5)), "stale", None);

    /// <summary>A story a job of this kind can start on.</summary>
    private Task<Story> StoryForAsync(Stores stores, string kind, int scenes = 3) => KindUnderTest.Of(kind).StoryFor(stores, user, scenes);

    /// <summary>A worker's fenced output write: a scene's image for an image job, the video for a video job, and so on.</summary>
    private static Task<bool> RecordOutputAsync(Stores stores, JobLease lease, Scene scene, string key) =>
        KindUnderTest.Of(lease.Kind).RecordOutput(stores, lease, scene, key);

    private static Task<IReadOnlyList<string>> RecordedOutputsAsync(Stores stores, Job job) =>
        KindUnderTest.Of(job.Kind).RecordedOutputs(stores, job.Id);

    /// <summary>Every media key the story shows, whatever kind made it.</summary>
    private async Task<IReadOnlyList<string?>> ShownAsync(Stores stores, Guid storyId) =>
        await KindUnderTest.ShownAsync(stores, (await stores.Stories.GetAsync(storyId, user, None))!);

    private static JobLease LeaseOf(Job job) => JobLease.Of(job);

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_second_start_for_the_same_story_is_refused_with_the_running_job(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);

        var first = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var second = Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, kind, story.Id, t0.AddSeconds(1)));

        Assert.Equal(first.Job.Id, second.Job.Id);
        Assert.Equal(JobStatus.Processing, first.Job.Status);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_second_start_on_PostgreSQL_is_refused_from_a_read_while_a_table_lock_stops_every_write(string kind)
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var story = await StoryForAsync(stores, kind);
        var first = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));

        // Taken as the owner (no service role may lock a whole table): reads go through, every write waits.
        await using var owner = await stores.Database.OpenAsync(None);
        await using var ownerTransaction = await owner.BeginTransactionAsync(None);
        await using (var lockTable = stores.Database.Command(owner, $"lock table {Stores.Kinds[kind].Table} in exclusive mode", ownerTransaction))
        {
            await lockTable.ExecuteNonQueryAsync(None);
        }
        var second = await StartAsync(stores, kind, story.Id, t0.AddSeconds(1)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(first.Job.Id, Assert.IsType<StartOutcome.AlreadyRunning>(second).Job.Id);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_second_start_on_SQLite_is_refused_by_its_own_transaction_once_the_one_writer_is_free(string kind)
    {
        await using var stores = await Stores.CreateAsync(Backend.Sqlite);
        var story = await StoryForAsync(stores, kind);
        var first = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));

        // SQLite reads no live job before a start's transaction (SqliteDatabase.ReadsLiveJobBeforeStart): the duplicate
        // waits for the writer, and its transaction finds the running job.
        Task<StartOutcome> second;
        await using (await stores.Database.BeginWriteAsync(None))
        {
            second = StartAsync(stores, kind, story.Id, t0.AddSeconds(1));
            await Task.Delay(TimeSpan.FromMilliseconds(300), None);
            Assert.False(second.IsCompleted, "A duplicate start was answered while another transaction held SQLite's one writer.");
        }

        Assert.Equal(first.Job.Id, Assert.IsType<StartOutcome.AlreadyRunning>(await second.WaitAsync(TimeSpan.FromSeconds(30))).Job.Id);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_story_of_another_user_cannot_be_started_or_cleared(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(Guid.NewGuid());

        Assert.IsType<StartOutcome.StoryNotFound>(await StartAsync(stores, kind, story.Id, t0));
        Assert.IsType<ClearOutcome.StoryNotFound>(await stores.Jobs.ClearAsync(kind, story.Id, user, "x", t0, None));
        Assert.Null(await stores.Jobs.ListAsync(kind, story.Id, user, 10, None));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task Concurrent_starts_on_one_story_have_exactly_one_winner(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);

        using var gate = new ManualResetEventSlim();
        var starts = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await StartAsync(stores, kind, story.Id, t0);
        })).ToList();
        gate.Set();
        var outcomes = await Task.WhenAll(starts);

        var winner = Assert.Single(outcomes.OfType<StartOutcome.Started>());
        Assert.All(outcomes.OfType<StartOutcome.AlreadyRunning>(), o => Assert.Equal(winner.Job.Id, o.Job.Id));
        Assert.Equal(99, outcomes.OfType<StartOutcome.AlreadyRunning>().Count());
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_silent_job_is_cleared_by_the_next_start_once_stale_and_not_before(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        var staleAfter = TimeSpan.FromMinutes(5);
        var old = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0)).Job;

        Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, kind, story.Id, t0 + staleAfter - TimeSpan.FromSeconds(1), staleAfter));
        var started = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0 + staleAfter + TimeSpan.FromSeconds(1), staleAfter));

        Assert.Equal(old.Id, Assert.Single(started.ClearedStale).Id);
        var cleared = await stores.Jobs.GetAsync(kind, old.Id, user, None);
        Assert.Equal(JobStatus.Failed, cleared!.Status);
        Assert.Equal("stale", cleared.Error);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_job_that_keeps_heartbeating_is_never_stale_however_long_it_runs(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        var staleAfter = TimeSpan.FromMinutes(5);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var job = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;

        for (var minute = 1; minute <= 30; minute++)
        {
            var now = t0.AddMinutes(minute);
            Assert.True(await stores.Jobs.HeartbeatAsync(job, minute, now, now + Lease, None));
            Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, kind, story.Id, now.AddSeconds(10), staleAfter));
        }
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_cleared_job_fences_out_its_worker(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var job = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        var lease = LeaseOf(job);
        var shown = await ShownAsync(stores, story.Id);
        Assert.True(await RecordOutputAsync(stores, lease, story.Scenes[0], "a.png"));

        var cleared = Assert.IsType<ClearOutcome.Cleared>(await stores.Jobs.ClearAsync(kind, story.Id, user, "cleared", t0.AddSeconds(1), None));
        Assert.Equal(job.Id, cleared.Job?.Id);

        Assert.False(await stores.Jobs.HeartbeatAsync(job, 50, t0.AddSeconds(2), t0.AddSeconds(32), None));
        Assert.False(await RecordOutputAsync(stores, lease, story.Scenes[1], "b.png"));
        Assert.False(await stores.Jobs.CompleteAsync(lease, t0.AddSeconds(3), None));
        Assert.False(await stores.Jobs.FailAsync(lease, "late", t0.AddSeconds(3), None));
        var after = await stores.Jobs.GetAsync(kind, job.Id, user, None);
        Assert.Equal((JobStatus.Failed, "cleared"), (after!.Status, after.Error));
        Assert.Equal(shown, await ShownAsync(stores, story.Id));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_live_runner_vouches_for_waiting_and_orphaned_jobs_but_not_for_one_a_worker_holds(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, (await StoryForAsync(stores, kind)).Id, t0));
        var held = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        var waitingStory = await StoryForAsync(stores, kind);
        var waiting = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, waitingStory.Id, t0.AddSeconds(1))).Job;

        var vouched = await stores.Jobs.VouchForWaitingAsync(kind, t0.AddSeconds(20), t0.AddSeconds(15), None);

        Assert.Equal(1, vouched);
        Assert.Equal(t0.AddSeconds(20), (await stores.Jobs.GetAsync(kind, waiting.Id, user, None))!.HeartbeatAt);
        Assert.Equal(t0, (await stores.Jobs.GetAsync(kind, held.Id, user, None))!.HeartbeatAt);
        // Waiting past StaleAfter counted from its start, the vouched-for job is not cleared.
        Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, kind, waitingStory.Id, t0.AddMinutes(5).AddSeconds(10)));
        // Once the holder's lease has run out, its job waits for a worker like any other.
        Assert.Equal(2, await stores.Jobs.VouchForWaitingAsync(kind, t0 + Lease + TimeSpan.FromSeconds(1), t0 + Lease, None));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_claim_that_finds_nothing_says_when_the_soonest_lease_runs_out(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        Assert.Null((await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).NextLeaseExpiry);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, (await StoryForAsync(stores, kind)).Id, t0));
        Assert.NotNull((await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed);

        var idle = await stores.Jobs.ClaimAsync("w2", t0.AddSeconds(5), Lease, 3, int.MaxValue, None);

        Assert.Null(idle.Claimed);
        Assert.Equal(t0 + Lease, idle.NextLeaseExpiry);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_worker_whose_lease_ran_out_is_fenced_out_by_the_worker_that_took_over(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var first = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        Assert.True(await RecordOutputAsync(stores, LeaseOf(first), story.Scenes[0], "first.png"));

        Assert.Null((await stores.Jobs.ClaimAsync("w2", t0 + Lease - TimeSpan.FromSeconds(1), Lease, 3, int.MaxValue, None)).Claimed);
        var second = (await stores.Jobs.ClaimAsync("w2", t0 + Lease + TimeSpan.FromSeconds(1), Lease, 3, int.MaxValue, None)).Claimed!;

        Assert.Equal((first.Id, 2, "w2"), (second.Id, second.Attempts, second.WorkerId));
        Assert.False(await stores.Jobs.HeartbeatAsync(first, 90, t0.AddMinutes(1), t0.AddMinutes(2), None));
        Assert.False(await RecordOutputAsync(stores, LeaseOf(first), story.Scenes[1], "zombie.png"));
        Assert.False(await stores.Jobs.CompleteAsync(LeaseOf(first), t0.AddMinutes(1), None));
        Assert.Equal(["first.png"], await RecordedOutputsAsync(stores, first));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Completing_publishes_every_scene_image_at_once(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0));
        var lease = LeaseOf((await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!);
        foreach (var scene in story.Scenes)
        {
            Assert.True(await stores.RecordSceneImageAsync(lease, scene.Id, $"{scene.Position}.png", Stores.Made, None));
        }
        Assert.All((await stores.Stories.GetAsync(story.Id, user, None))!.Scenes, s => Assert.Null(s.ImageKey));

        Assert.True(await stores.Jobs.CompleteAsync(lease, t0.AddSeconds(5), None));

        var published = (await stores.Stories.GetAsync(story.Id, user, None))!.Scenes;
        Assert.Equal(["1.png", "2.png", "3.png"], published.Select(s => s.ImageKey));
        var job = await stores.Jobs.GetAsync(ImageJobKind.Kind, lease.JobId, user, None);
        Assert.Equal((JobStatus.Completed, 100), (job!.Status, job.Progress));
        Assert.False(await stores.Jobs.FailAsync(lease, "after the fact", t0.AddSeconds(6), None));
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0.AddSeconds(7)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_scenes_image_reported_with_its_progress_is_recorded_with_it_and_a_worker_that_lost_the_job_records_neither(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var started = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0)).Job;
        var first = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;
        Task<bool> ReportAsync(Job claimed, Scene scene, string key, int progress, DateTimeOffset now) =>
            stores.Jobs.ReportProgressAsync(claimed, progress, changed: true, [ImageJobOutputs.SceneImage(scene.Id, key, Stores.Made)], now, now + Lease, None);

        Assert.True(await ReportAsync(first, story.Scenes[0], "first.png", 33, t0.AddSeconds(1)));
        // Its lease runs out and another worker takes the job over: the job is still processing, under another attempt.
        var second = (await stores.Jobs.ClaimAsync("w2", t0 + Lease + TimeSpan.FromSeconds(2), Lease, 3, int.MaxValue, None)).Claimed!;
        var events = (await stores.Events.ReadAsync(story.Id, user, 0, 100, None)).Count;

        Assert.False(await ReportAsync(first, story.Scenes[1], "zombie.png", 66, t0.AddMinutes(1)));

        Assert.Equal(["first.png"], await RecordedOutputsAsync(stores, started));
        Assert.Equal(33, (await stores.Jobs.GetAsync(ImageJobKind.Kind, started.Id, user, None))!.Progress);
        Assert.Equal(events, (await stores.Events.ReadAsync(story.Id, user, 0, 100, None)).Count);
        // Cleared, the job fences out the worker that took it over too.
        Assert.IsType<ClearOutcome.Cleared>(await stores.Jobs.ClearAsync(ImageJobKind.Kind, story.Id, user, "cleared", t0.AddMinutes(2), None));
        Assert.False(await ReportAsync(second, story.Scenes[2], "late.png", 100, t0.AddMinutes(3)));
        Assert.Equal(["first.png"], await RecordedOutputsAsync(stores, started));
        Assert.Equal(["started", "progress", "progress", "progress", "cleared"], (await stores.Events.ReadAsync(story.Id, user, 0, 100, None)).Select(e => e.Type));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_job_whose_workers_keep_dying_fails_with_the_reason_after_max_attempts(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        var started = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var now = t0;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.Equal(attempt, (await stores.Jobs.ClaimAsync($"w{attempt}", now, Lease, 2, int.MaxValue, None)).Claimed!.Attempts);
            now += Lease + TimeSpan.FromSeconds(1);
        }

        var last = await stores.Jobs.ClaimAsync("w3", now, Lease, 2, int.MaxValue, None);

        Assert.Null(last.Claimed);
        var failed = Assert.Single(last.Exhausted);
        Assert.Equal(started.Job.Id, failed.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("Gave up after 2 attempts", failed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task A_released_job_is_claimed_again_at_once(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await StoryForAsync(stores, kind);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        var first = (await stores.Jobs.ClaimAsync("w1", t0, Lease, 3, int.MaxValue, None)).Claimed!;

        Assert.True(await stores.Jobs.ReleaseAsync(LeaseOf(first), None));
        var second = (await stores.Jobs.ClaimAsync("w2", t0.AddSeconds(1), Lease, 3, int.MaxValue, None)).Claimed!;

        Assert.Equal((first.Id, 2), (second.Id, second.Attempts));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndKinds))]
    public async Task Concurrent_claimers_never_hold_the_same_job(string provider, string kind)
    {
        await using var stores = await Stores.CreateAsync(provider);
        for (var i = 0; i < 20; i++)
        {
            var story = await StoryForAsync(stores, kind, scenes: 1);
            Assert.IsType<StartOutcome.Started>(await StartAsync(stores, kind, story.Id, t0));
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => stores.Jobs.ClaimAsync($"w{i}", t0, Lease, 3, int.MaxValue, None))));

        var claimed = claims.Select(c => c.Claimed).OfType<Job>().ToList();
        Assert.Equal(20, claimed.Count);
        Assert.Equal(20, claimed.Select(j => j.Id).Distinct().Count());
    }
}
