using System.Diagnostics;
using System.Net;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>Stale means silent: with StaleAfter of seconds, a job that stops heartbeating is cleared by the next start; one that heartbeats never is.</summary>
public sealed class StaleJobTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_silent_job_blocks_the_story_until_it_is_stale_and_the_next_start_clears_it(string provider)
    {
        var staleAfter = TimeSpan.FromSeconds(1);
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "0",
            ["Jobs:StaleAfter"] = staleAfter.ToString(),
            ["Jobs:HeartbeatInterval"] = "00:00:00.100",
        });
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync();
        var silent = await client.StartAsync(story.Id);
        var clock = Stopwatch.StartNew();

        HttpStatusCode status;
        var conflicts = 0;
        do
        {
            using var response = await client.GenerateAsync(story.Id);
            status = response.StatusCode;
            conflicts += status == HttpStatusCode.Conflict ? 1 : 0;
            await Task.Delay(50);
        }
        while (status == HttpStatusCode.Conflict && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(conflicts > 0, "the job was refused while it was fresh");
        Assert.True(clock.Elapsed >= staleAfter - TimeSpan.FromMilliseconds(100), $"cleared after {clock.Elapsed}, before it was stale");
        var cleared = await client.GetJobAsync(silent.Id);
        Assert.Equal(JobStatus.Failed, cleared.Status);
        Assert.Contains("no heartbeat for more than 1 second", cleared.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_job_that_heartbeats_is_never_cleared_although_it_runs_longer_than_stale_after(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?>
        {
            // Fifteen heartbeats to a stale period, so a loaded machine's pauses do not make the job look silent.
            ["Jobs:WorkerConcurrency"] = "1",
            ["Jobs:StaleAfter"] = "00:00:03",
            ["Jobs:HeartbeatInterval"] = "00:00:00.200",
            ["Jobs:LeaseDuration"] = "00:00:03",
            ["Images:Builtin:DelayPerImage"] = "00:00:00.500",
        });
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 9);
        var job = await client.StartAsync(story.Id);
        var clock = Stopwatch.StartNew();

        // Starts are refused for as long as the job runs; the first one accepted must come after it completed.
        var refused = 0;
        while (true)
        {
            using var response = await client.GenerateAsync(story.Id);
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                break;
            }
            refused++;
            await Task.Delay(100);
        }

        var done = await client.GetJobAsync(job.Id);
        Assert.Equal((JobStatus.Completed, 1, (string?)null), (done.Status, done.Attempts, done.Error));
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), $"the job ran {clock.Elapsed}, not longer than StaleAfter");
        Assert.True(refused > 5);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_job_waiting_behind_a_busy_worker_is_not_stale_however_long_it_waits(string provider)
    {
        var staleAfter = TimeSpan.FromSeconds(2);
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "1",
            ["Jobs:StaleAfter"] = staleAfter.ToString(),
            ["Jobs:HeartbeatInterval"] = "00:00:00.200",
            ["Jobs:LeaseDuration"] = "00:00:02",
            ["Images:Builtin:DelayPerImage"] = "00:00:00.500",
        });
        var client = instance.Client(Guid.NewGuid());
        var busy = await client.StartAsync((await client.CreateStoryAsync(scenes: 12)).Id);
        await client.WaitForJobAsync(busy.Id, j => j.Attempts == 1);
        var story = await client.CreateStoryAsync(scenes: 1);
        var waiting = await client.StartAsync(story.Id);
        var clock = Stopwatch.StartNew();

        // The one worker is busy for longer than StaleAfter, and every start meanwhile is refused.
        while (clock.Elapsed < staleAfter * 1.5)
        {
            using var again = await client.GenerateAsync(story.Id);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal(0, (await client.GetJobAsync(waiting.Id)).Attempts);
            await Task.Delay(100);
        }

        var done = await client.WaitUntilFinishedAsync(waiting.Id);
        Assert.Equal((JobStatus.Completed, 1, (string?)null), (done.Status, done.Attempts, done.Error));
        Assert.Equal(JobStatus.Completed, (await client.GetJobAsync(busy.Id)).Status);
    }
}
