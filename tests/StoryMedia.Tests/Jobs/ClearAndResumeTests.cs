using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>Clearing stops the worker and changes nothing the story shows; a job whose worker died is resumed where it stopped.</summary>
public sealed class ClearAndResumeTests
{
    private static Dictionary<string, string?> SlowJobs(string delay = "00:00:00.300") => new()
    {
        ["Jobs:WorkerConcurrency"] = "1",
        ["Jobs:HeartbeatInterval"] = "00:00:00.200",
        ["Jobs:LeaseDuration"] = "00:00:02",
        ["Images:Builtin:DelayPerImage"] = delay,
    };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Clearing_a_running_job_stops_its_worker_leaves_the_story_unchanged_and_lets_a_new_job_start(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), SlowJobs());
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 8);
        var job = await client.StartAsync(story.Id);
        await client.WaitForJobAsync(job.Id, j => j.Progress > 0);

        var cleared = await client.ClearAsync(story.Id);

        Assert.True(cleared.Cleared);
        Assert.Equal((job.Id, JobStatus.Failed, JobGuard.ClearedByUser), (cleared.Job!.Id, cleared.Job.Status, cleared.Job.Error));
        var running = instance.Get<RunningJobs>();
        await Eventually.TrueAsync(() => !running.IsRunning(job.Id), TimeSpan.FromMilliseconds(200));
        var recorded = await instance.Get<ImageJobOutputs>().SceneImagesAsync(job.Id, CancellationToken.None);
        Assert.InRange(recorded.Count, 1, 7);
        Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.Null(s.ImageUrl));
        Assert.Equal(JobStatus.Failed, (await client.GetJobAsync(job.Id)).Status);

        var retry = await client.StartAsync(story.Id);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync(retry.Id)).Status);
        Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.NotNull(s.ImageUrl));
        Assert.Equal(recorded.Count, (await instance.Get<ImageJobOutputs>().SceneImagesAsync(job.Id, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Clearing_when_nothing_runs_answers_that_nothing_was_cleared()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync();

        var cleared = await client.ClearAsync(story.Id);

        Assert.False(cleared.Cleared);
        Assert.Null(cleared.Job);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_job_whose_worker_died_is_claimed_by_another_that_renders_only_the_remaining_scenes(string provider)
    {
        var backend = await Backend.CreateAsync(provider);
        var user = Guid.NewGuid();
        Guid jobId;
        Guid firstSceneId;
        await using (var stores = await Stores.CreateAsync(backend))
        {
            var story = await stores.NewStoryAsync(user, scenes: 3);
            firstSceneId = story.Scenes[0].Id;
            var past = DateTimeOffset.UtcNow.AddMinutes(-1);
            var started = (StartOutcome.Started)await stores.Jobs.StartAsync(ImageJobKind.Kind, new NewJob(story.Id, user, null, null), Stores.Unbounded, past, past.AddMinutes(-5), "stale", CancellationToken.None);
            // A worker claims the job, makes the first image and dies: its short lease ran out long ago.
            var dead = (await stores.Jobs.ClaimAsync("dead-worker", past, TimeSpan.FromSeconds(1), 3, int.MaxValue, CancellationToken.None)).Claimed!;
            Assert.True(await stores.RecordSceneImageAsync(new JobLease(ImageJobKind.Kind, dead.Id, story.Id, "dead-worker", 1), firstSceneId, "0123456789abcdef0123456789abcdef.png", Stores.Made, CancellationToken.None));
            jobId = started.Job.Id;
        }

        await using var instance = await ServiceInstance.StartAsync(backend, SlowJobs("00:00:00"));
        var client = instance.Client(user);
        var done = await client.WaitUntilFinishedAsync(jobId);

        Assert.Equal((JobStatus.Completed, 2), (done.Status, done.Attempts));
        var scenes = (await client.GetStoryAsync(done.StoryId)).Scenes;
        Assert.Equal("/media/0123456789abcdef0123456789abcdef.png", scenes.Single(s => s.Id == firstSceneId).ImageUrl);
        Assert.Equal(2, Directory.GetFiles(instance.Get<StoryMedia.Media.FileMediaStore>().Root, "*.png").Length);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task An_idle_runner_takes_over_a_dead_workers_job_when_its_lease_runs_out_not_at_its_next_poll(string provider)
    {
        var backend = await Backend.CreateAsync(provider);
        var user = Guid.NewGuid();
        var pollInterval = TimeSpan.FromSeconds(30);
        Guid jobId;
        await using (var stores = await Stores.CreateAsync(backend))
        {
            var story = await stores.NewStoryAsync(user, scenes: 1);
            var now = DateTimeOffset.UtcNow;
            jobId = ((StartOutcome.Started)await stores.Jobs.StartAsync(ImageJobKind.Kind, new NewJob(story.Id, user, null, null), Stores.Unbounded, now, now.AddMinutes(-5), "stale", CancellationToken.None)).Job.Id;
            // A worker claims the job with a two-second lease and dies.
            Assert.NotNull((await stores.Jobs.ClaimAsync("dead-worker", now, TimeSpan.FromSeconds(2), 3, int.MaxValue, CancellationToken.None)).Claimed);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await using var instance = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "1",
            ["Jobs:PollInterval"] = pollInterval.ToString(),
        });
        var done = await instance.Client(user).WaitUntilFinishedAsync(jobId, pollInterval);

        Assert.Equal((JobStatus.Completed, 2), (done.Status, done.Attempts));
        Assert.True(clock.Elapsed < pollInterval / 2, $"taken over after {clock.Elapsed}: the runner waited for its poll, not for the lease");
    }
}
