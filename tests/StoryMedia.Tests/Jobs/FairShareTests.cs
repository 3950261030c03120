using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>Fair share between users: turns at the workers, a bound on running and on waiting jobs, a start budget shared by every instance, queue positions.</summary>
public sealed class FairShareTests
{
    private static Dictionary<string, string?> Settings(int workers, string delay = "00:00:00.150", params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = workers.ToString(CultureInfo.InvariantCulture),
            ["Jobs:MaxRunningPerUser"] = "2",
            ["Jobs:MaxWaitingPerUser"] = "10",
            ["Images:Builtin:DelayPerImage"] = delay,
            // Exact positions: the queue is read for every answer, not from a snapshot.
            ["Jobs:QueuePositionMaxAge"] = "00:00:00",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task With_one_worker_a_second_users_job_runs_right_after_the_first_users_running_job_and_queue_positions_count_down(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), Settings(workers: 1));
        using var a = instance.Client(Guid.NewGuid());
        using var b = instance.Client(Guid.NewGuid());
        var aJobs = new List<JobView>();
        for (var i = 0; i < 4; i++)
        {
            aJobs.Add(await a.StartAsync((await a.CreateStoryAsync(scenes: 3)).Id));
        }
        await a.WaitForJobAsync(aJobs[0].Id, j => j.Attempts > 0);
        var bStory = (await b.CreateStoryAsync(scenes: 1)).Id;

        var bJob = await b.StartAsync(bStory);

        // B waits only for A's running job; A's last job now has A's two others and B's before it.
        Assert.Equal(1, bJob.QueuePosition);
        var positions = new List<int?> { (await a.GetJobAsync(aJobs[3].Id)).QueuePosition };
        var last = await Eventually.ReadAsync(async () =>
        {
            var job = await a.GetJobAsync(aJobs[3].Id);
            positions.Add(job.QueuePosition);
            return job;
        }, j => j.Status != JobStatus.Processing, TimeSpan.FromSeconds(60), j => $"A's last job is still {j.Status}");
        Assert.Equal(JobStatus.Completed, last.Status);
        Assert.Equal(4, positions[0]);
        // Polls may miss a step, never see one go back up.
        var waiting = positions.TakeWhile(p => p is not null).Select(p => p!.Value).ToList();
        Assert.Equal(waiting.OrderDescending(), waiting);
        Assert.Equal(1, waiting[^1]);
        Assert.All(positions.SkipWhile(p => p is not null), p => Assert.Null(p));

        var bDone = await b.WaitUntilFinishedAsync(bJob.Id);
        var aDone = new List<JobView>();
        foreach (var job in aJobs)
        {
            aDone.Add(await a.WaitUntilFinishedAsync(job.Id));
        }
        Assert.True(bDone.CompletedAt > aDone[0].CompletedAt, "B's job waited for A's running job");
        Assert.All(aDone.Skip(1), queued => Assert.True(bDone.CompletedAt < queued.CompletedAt, "B's job ran before A's queued jobs"));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Under_a_burst_of_starts_from_several_users_no_user_ever_has_more_running_jobs_than_the_bound(string provider)
    {
        var backend = await Backend.CreateAsync(provider);
        // PostgreSQL: two instances of two workers each decide in one database; SQLite: one instance of four.
        var instances = new List<ServiceInstance>();
        for (var i = 0; i < (provider == Backend.Postgres ? 2 : 1); i++)
        {
            instances.Add(await ServiceInstance.StartAsync(backend, Settings(workers: provider == Backend.Postgres ? 2 : 4, delay: "00:00:00.100")));
        }
        try
        {
            var users = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
            var clients = users.SelectMany(user => instances.Select(instance => instance.Client(user))).ToList();
            var stories = new List<(HttpClient Client, Guid Story)>();
            for (var u = 0; u < users.Count; u++)
            {
                for (var i = 0; i < 4; i++)
                {
                    var client = clients[(u * instances.Count) + (i % instances.Count)];
                    stories.Add((client, (await client.CreateStoryAsync(scenes: 2)).Id));
                }
            }
            var database = instances[0].Get<Database>();
            var most = 0L;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    var running = await database.ReadAsWorkerAsync(
                        "select user_id, count(*) as running from image_generation_jobs where status = 'processing' and worker_id is not null group by user_id",
                        r => Convert.ToInt64(r.GetValue(r.GetOrdinal("running")), CultureInfo.InvariantCulture), CancellationToken.None);
                    most = Math.Max(most, running.DefaultIfEmpty(0).Max());
                    await Task.Delay(15, CancellationToken.None);
                }
            });

            var jobs = await Task.WhenAll(stories.Select(s => s.Client.StartAsync(s.Story)));
            for (var i = 0; i < jobs.Length; i++)
            {
                Assert.Equal(JobStatus.Completed, (await stories[i].Client.WaitUntilFinishedAsync(jobs[i].Id, TimeSpan.FromSeconds(60))).Status);
            }
            await sampling.CancelAsync();
            await sampler;

            Assert.InRange(most, 1, 2);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_start_beyond_the_waiting_bound_gets_429_naming_the_limit_and_writes_nothing(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider),
            Settings(workers: 0, more: ("Jobs:MaxWaitingPerUser", "2")));
        using var a = instance.Client(Guid.NewGuid());
        using var b = instance.Client(Guid.NewGuid());
        var stories = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            stories.Add((await a.CreateStoryAsync(scenes: 1)).Id);
        }
        await a.StartAsync(stories[0]);
        var second = await a.StartAsync(stories[1]);

        using var third = await a.GenerateAsync(stories[2]);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(int.TryParse(third.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds >= 1);
        var problem = await third.ProblemAsync();
        Assert.Equal("Jobs:MaxWaitingPerUser", problem.GetProperty("limit").GetString());
        Assert.Contains("Jobs:MaxWaitingPerUser = 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await a.JobsAsync(stories[2]));
        Assert.Equal(2, second.QueuePosition);
        Assert.Equal(2, (await FirstEventAsync(a, $"/api/image_jobs/{second.Id}/events")).QueuePosition);
        // Another user's waiting jobs are their own.
        Assert.Equal(JobStatus.Processing, (await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id)).Status);
    }

    [Fact]
    public async Task A_queue_position_counts_the_users_own_jobs_now_and_other_users_jobs_as_the_instances_snapshot_of_the_queue_had_them()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var snapshotting = await ServiceInstance.StartAsync(backend, Settings(workers: 0, more: ("Jobs:QueuePositionMaxAge", "00:10:00")));
        await using var exact = await ServiceInstance.StartAsync(backend, Settings(workers: 0));
        var userB = Guid.NewGuid();
        using var a = snapshotting.Client(Guid.NewGuid());
        using var b = snapshotting.Client(userB);
        using var bExact = exact.Client(userB);

        // A's first start reads the queue: A's one job. B's jobs are counted now, A's from that snapshot.
        Assert.Equal(1, (await a.StartAsync((await a.CreateStoryAsync(scenes: 1)).Id)).QueuePosition);
        Assert.Equal(2, (await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id)).QueuePosition);
        var bSecond = await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id);
        Assert.Equal(3, bSecond.QueuePosition);

        // A's second job is not in the snapshot: B's estimate leaves it out until the snapshot is ten minutes old.
        await a.StartAsync((await a.CreateStoryAsync(scenes: 1)).Id);
        Assert.Equal(3, (await b.GetJobAsync(bSecond.Id)).QueuePosition);
        Assert.Equal(4, (await bExact.GetJobAsync(bSecond.Id)).QueuePosition);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task The_snapshot_of_the_queue_is_read_again_once_it_is_older_than_Jobs_QueuePositionMaxAge(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider),
            Settings(workers: 0, more: ("Jobs:QueuePositionMaxAge", "00:00:00.500")));
        using var a = instance.Client(Guid.NewGuid());
        using var b = instance.Client(Guid.NewGuid());
        await a.StartAsync((await a.CreateStoryAsync(scenes: 1)).Id);
        await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id);
        var bSecond = await b.StartAsync((await b.CreateStoryAsync(scenes: 1)).Id);

        await a.StartAsync((await a.CreateStoryAsync(scenes: 1)).Id);

        // A's second job comes before B's second in the fair order: B's estimate counts it once the snapshot is renewed.
        await Eventually.TrueAsync(async () => (await b.GetJobAsync(bSecond.Id)).QueuePosition == 4, TimeSpan.FromSeconds(20),
            "B's estimate never counted A's second job.");
    }

    [Fact]
    public async Task The_start_budget_is_shared_by_two_instances_and_a_refused_start_costs_nothing()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var settings = Settings(workers: 0, more: [("RateLimits:StartsPerWindow", "3"), ("RateLimits:Window", "00:10:00")]);
        await using var one = await ServiceInstance.StartAsync(backend, settings);
        await using var two = await ServiceInstance.StartAsync(backend, settings);
        var user = Guid.NewGuid();
        using var viaOne = one.Client(user);
        using var viaTwo = two.Client(user);
        var stories = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            stories.Add((await viaOne.CreateStoryAsync(scenes: 1)).Id);
        }

        var first = await viaOne.StartAsync(stories[0]);
        using var again = await viaTwo.GenerateAsync(stories[0]);
        await viaTwo.StartAsync(stories[1]);
        await viaOne.StartAsync(stories[2]);
        using var fourth = await viaTwo.GenerateAsync(stories[3]);
        using var fifth = await viaOne.GenerateAsync(stories[3]);

        // The double start is refused with the waiting job, its place in the queue, and costs no start.
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var conflict = (await again.ProblemAsync()).GetProperty("job");
        Assert.Equal(first.Id, conflict.GetProperty("id").GetGuid());
        Assert.Equal(1, conflict.GetProperty("queue_position").GetInt32());
        foreach (var refused in new[] { fourth, fifth })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(int.TryParse(refused.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds is > 500 and <= 600);
            Assert.Equal("RateLimits:StartsPerWindow", (await refused.ProblemAsync()).GetProperty("limit").GetString());
        }
        Assert.Empty(await viaOne.JobsAsync(stories[3]));
    }

    /// <summary>The first event of a job's stream (a waiting job's stream goes on while no worker runs).</summary>
    private static async Task<JobView> FirstEventAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonSerializer.Deserialize<JobView>(line["data: ".Length..], Api.Json)!;
            }
        }
        throw new InvalidOperationException($"The stream {path} ended without an event.");
    }
}
