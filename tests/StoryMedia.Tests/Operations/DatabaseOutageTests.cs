using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>PostgreSQL stopped and started again, and its connections killed, while a job runs.</summary>
public sealed class DatabaseOutageTests
{
    private readonly Guid user = Guid.NewGuid();

    private static Dictionary<string, string?> Settings(string lease = "00:00:20") => new()
    {
        ["Jobs:HeartbeatInterval"] = "00:00:00.300",
        ["Jobs:LeaseDuration"] = lease,
        ["Images:Builtin:DelayPerImage"] = "00:00:00.400",
    };

    /// <param name="leaseOutlivesOutage">
    /// With a lease longer than the outage the worker keeps its job; with a shorter one the job may be
    /// claimed again once the database is back, and the old worker's writes are then refused by the fence.
    /// </param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task While_PostgreSQL_is_stopped_the_API_answers_503_and_the_job_completes_once_it_is_back(bool leaseOutlivesOutage)
    {
        // This test stops its server, so it has a cluster of its own.
        await using var cluster = await PostgresCluster.StartAsync();
        var backend = new Backend(Backend.Postgres, await cluster.CreateDatabaseAsync());
        var table = new JobTable(backend.ConnectionString);
        await using var instance = await ServiceInstance.StartAsync(backend, Settings(leaseOutlivesOutage ? "00:00:20" : "00:00:01"));
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 6);
        var job = await client.StartAsync(story.Id);
        await table.WaitForAsync(job.Id, r => r.Progress > 0, TimeSpan.FromSeconds(30), "the first scene");
        await using var probe = DoubleProcessingProbe.Start(backend.ConnectionString);

        await cluster.StopAsync();
        try
        {
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
            {
                () => client.GetAsync(new Uri($"/api/image_jobs/{job.Id}", UriKind.Relative)),
                () => client.GenerateAsync(story.Id),
                () => client.GetAsync(new Uri($"/api/stories/{story.Id}", UriKind.Relative)),
                () => client.PostAsJsonAsync("/api/clear_image_job", new { story_id = story.Id }),
            })
            {
                using var response = await request();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
                Assert.Equal(503, (await response.ProblemAsync()).GetProperty("status").GetInt32());
            }
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("Unhealthy", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            // Long enough for the worker to hit the outage with its heartbeats and its writes.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await cluster.StartAgainAsync();
        }

        var done = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Completed, done.Status);
        if (leaseOutlivesOutage)
        {
            Assert.Equal(1, done.Attempts);
        }
        Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.NotNull(s.ImageUrl));
        Assert.Single(await table.AllAsync());
        Assert.Equal(0, probe.Violations);
        Assert.True(probe.Checks > 0 && probe.Unreachable > 0, $"The probe did not span the outage: {probe}");
        using var readyAgain = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }

    [Fact]
    public async Task When_every_service_connection_is_killed_mid_job_the_service_recovers_by_itself()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var table = new JobTable(backend.ConnectionString);
        await using var instance = await ServiceInstance.StartAsync(backend, Settings());
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 6);
        var job = await client.StartAsync(story.Id);
        await table.WaitForAsync(job.Id, r => r.Progress > 0, TimeSpan.FromSeconds(30), "the first scene");
        await using var probe = DoubleProcessingProbe.Start(backend.ConnectionString);

        var killed = 0L;
        for (var round = 0; round < 3; round++)
        {
            killed += await table.ScalarAsync(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
            await Task.Delay(300);
        }

        var done = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(60));
        Assert.True(killed > 0, "No connection was killed.");
        Assert.Equal(JobStatus.Completed, done.Status);
        // Broken pooled connections are dropped as they are found; after that every request works.
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync(new Uri($"/api/stories/{story.Id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.NotNull(s.ImageUrl));
        Assert.Single(await table.AllAsync());
        Assert.Equal(0, probe.Violations);
    }
}
