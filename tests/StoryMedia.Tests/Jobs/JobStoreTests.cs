using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>The guard's storage, one suite run against both databases. Times are passed in, so nothing sleeps.</summary>
public sealed class JobStoreTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid user = Guid.NewGuid();
    private readonly DateTimeOffset t0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private Task<StartOutcome> StartAsync(Stores stores, Guid storyId, DateTimeOffset now, TimeSpan? staleAfter = null) =>
        stores.Jobs.StartAsync(JobKind.Image, new NewJob(storyId, user, null, null), now, now - (staleAfter ?? TimeSpan.FromMinutes(5)), "stale", None);

    private static JobLease LeaseOf(Job job) => new(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_second_start_for_the_same_story_is_refused_with_the_running_job(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        var first = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var second = Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, story.Id, t0.AddSeconds(1)));

        Assert.Equal(first.Job.Id, second.Job.Id);
        Assert.Equal(JobStatus.Processing, first.Job.Status);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_story_of_another_user_cannot_be_started_or_cleared(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(Guid.NewGuid());

        Assert.IsType<StartOutcome.StoryNotFound>(await StartAsync(stores, story.Id, t0));
        Assert.IsType<ClearOutcome.StoryNotFound>(await stores.Jobs.ClearAsync(JobKind.Image, story.Id, user, "x", t0, None));
        Assert.Null(await stores.Jobs.ListAsync(JobKind.Image, story.Id, user, 10, None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Concurrent_starts_on_one_story_have_exactly_one_winner(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        using var gate = new ManualResetEventSlim();
        var starts = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            gate.Wait();
            return await StartAsync(stores, story.Id, t0);
        })).ToList();
        gate.Set();
        var outcomes = await Task.WhenAll(starts);

        var winner = Assert.Single(outcomes.OfType<StartOutcome.Started>());
        Assert.All(outcomes.OfType<StartOutcome.AlreadyRunning>(), o => Assert.Equal(winner.Job.Id, o.Job.Id));
        Assert.Equal(99, outcomes.OfType<StartOutcome.AlreadyRunning>().Count());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_silent_job_is_cleared_by_the_next_start_once_stale_and_not_before(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var staleAfter = TimeSpan.FromMinutes(5);
        var old = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0)).Job;

        Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, story.Id, t0 + staleAfter - TimeSpan.FromSeconds(1), staleAfter));
        var started = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0 + staleAfter + TimeSpan.FromSeconds(1), staleAfter));

        Assert.Equal(old.Id, started.ClearedStale?.Id);
        var cleared = await stores.Jobs.GetAsync(JobKind.Image, old.Id, user, None);
        Assert.Equal(JobStatus.Failed, cleared!.Status);
        Assert.Equal("stale", cleared.Error);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_job_that_keeps_heartbeating_is_never_stale_however_long_it_runs(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var staleAfter = TimeSpan.FromMinutes(5);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var job = (await stores.Jobs.ClaimAsync(JobKind.Image, "w1", t0, Lease, 3, None)).Claimed!;

        for (var minute = 1; minute <= 30; minute++)
        {
            var now = t0.AddMinutes(minute);
            Assert.True(await stores.Jobs.HeartbeatAsync(LeaseOf(job), minute, now, now + Lease, None));
            Assert.IsType<StartOutcome.AlreadyRunning>(await StartAsync(stores, story.Id, now.AddSeconds(10), staleAfter));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_cleared_job_fences_out_its_worker(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var job = (await stores.Jobs.ClaimAsync(JobKind.Image, "w1", t0, Lease, 3, None)).Claimed!;
        var lease = LeaseOf(job);
        Assert.True(await stores.Jobs.RecordSceneImageAsync(lease, story.Scenes[0].Id, "a.png", None));

        var cleared = Assert.IsType<ClearOutcome.Cleared>(await stores.Jobs.ClearAsync(JobKind.Image, story.Id, user, "cleared", t0.AddSeconds(1), None));
        Assert.Equal(job.Id, cleared.Job?.Id);

        Assert.False(await stores.Jobs.HeartbeatAsync(lease, 50, t0.AddSeconds(2), t0.AddSeconds(32), None));
        Assert.False(await stores.Jobs.RecordSceneImageAsync(lease, story.Scenes[1].Id, "b.png", None));
        Assert.False(await stores.Jobs.CompleteAsync(lease, t0.AddSeconds(3), None));
        Assert.False(await stores.Jobs.FailAsync(lease, "late", t0.AddSeconds(3), None));
        var after = await stores.Jobs.GetAsync(JobKind.Image, job.Id, user, None);
        Assert.Equal((JobStatus.Failed, "cleared"), (after!.Status, after.Error));
        Assert.All((await stores.Stories.GetAsync(story.Id, user, None))!.Scenes, s => Assert.Null(s.ImageKey));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_worker_whose_lease_ran_out_is_fenced_out_by_the_worker_that_took_over(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var first = (await stores.Jobs.ClaimAsync(JobKind.Image, "w1", t0, Lease, 3, None)).Claimed!;
        Assert.True(await stores.Jobs.RecordSceneImageAsync(LeaseOf(first), story.Scenes[0].Id, "first.png", None));

        Assert.Null((await stores.Jobs.ClaimAsync(JobKind.Image, "w2", t0 + Lease - TimeSpan.FromSeconds(1), Lease, 3, None)).Claimed);
        var second = (await stores.Jobs.ClaimAsync(JobKind.Image, "w2", t0 + Lease + TimeSpan.FromSeconds(1), Lease, 3, None)).Claimed!;

        Assert.Equal((first.Id, 2, "w2"), (second.Id, second.Attempts, second.WorkerId));
        Assert.False(await stores.Jobs.HeartbeatAsync(LeaseOf(first), 90, t0.AddMinutes(1), t0.AddMinutes(2), None));
        Assert.False(await stores.Jobs.RecordSceneImageAsync(LeaseOf(first), story.Scenes[1].Id, "zombie.png", None));
        Assert.False(await stores.Jobs.CompleteAsync(LeaseOf(first), t0.AddMinutes(1), None));
        Assert.Equal(["first.png"], (await stores.Jobs.SceneImagesAsync(first.Id, None)).Values);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Completing_publishes_every_scene_image_at_once(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var lease = LeaseOf((await stores.Jobs.ClaimAsync(JobKind.Image, "w1", t0, Lease, 3, None)).Claimed!);
        foreach (var scene in story.Scenes)
        {
            Assert.True(await stores.Jobs.RecordSceneImageAsync(lease, scene.Id, $"{scene.Position}.png", None));
        }
        Assert.All((await stores.Stories.GetAsync(story.Id, user, None))!.Scenes, s => Assert.Null(s.ImageKey));

        Assert.True(await stores.Jobs.CompleteAsync(lease, t0.AddSeconds(5), None));

        var published = (await stores.Stories.GetAsync(story.Id, user, None))!.Scenes;
        Assert.Equal(["1.png", "2.png", "3.png"], published.Select(s => s.ImageKey));
        var job = await stores.Jobs.GetAsync(JobKind.Image, lease.JobId, user, None);
        Assert.Equal((JobStatus.Completed, 100), (job!.Status, job.Progress));
        Assert.False(await stores.Jobs.FailAsync(lease, "after the fact", t0.AddSeconds(6), None));
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0.AddSeconds(7)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_job_whose_workers_keep_dying_fails_with_the_reason_after_max_attempts(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var started = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var now = t0;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.Equal(attempt, (await stores.Jobs.ClaimAsync(JobKind.Image, $"w{attempt}", now, Lease, 2, None)).Claimed!.Attempts);
            now += Lease + TimeSpan.FromSeconds(1);
        }

        var last = await stores.Jobs.ClaimAsync(JobKind.Image, "w3", now, Lease, 2, None);

        Assert.Null(last.Claimed);
        var failed = Assert.Single(last.Exhausted);
        Assert.Equal(started.Job.Id, failed.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("Gave up after 2 attempts", failed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_released_job_is_claimed_again_at_once(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        var first = (await stores.Jobs.ClaimAsync(JobKind.Image, "w1", t0, Lease, 3, None)).Claimed!;

        Assert.True(await stores.Jobs.ReleaseAsync(LeaseOf(first), None));
        var second = (await stores.Jobs.ClaimAsync(JobKind.Image, "w2", t0.AddSeconds(1), Lease, 3, None)).Claimed!;

        Assert.Equal((first.Id, 2), (second.Id, second.Attempts));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Concurrent_claimers_never_hold_the_same_job(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        for (var i = 0; i < 20; i++)
        {
            var story = await stores.NewStoryAsync(user, scenes: 1);
            Assert.IsType<StartOutcome.Started>(await StartAsync(stores, story.Id, t0));
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => stores.Jobs.ClaimAsync(JobKind.Image, $"w{i}", t0, Lease, 3, None))));

        var claimed = claims.Select(c => c.Claimed).OfType<Job>().ToList();
        Assert.Equal(20, claimed.Count);
        Assert.Equal(20, claimed.Select(j => j.Id).Distinct().Count());
    }
}
