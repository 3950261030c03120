using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>
/// Deploys: SIGTERM to a real server process while it runs a job, with another instance on the same database.
/// Each test has a cluster of its own: server processes keep pools of connections that would crowd the shared one.
/// </summary>
public sealed class ShutdownTests
{
    private readonly Guid user = Guid.NewGuid();

    private static Dictionary<string, string?> Settings(string grace) => new()
    {
        ["Jobs:HeartbeatInterval"] = "00:00:00.500",
        // Far longer than the test waits for a takeover: a resumed job proves the lease was handed back.
        ["Jobs:LeaseDuration"] = "00:00:30",
        ["Jobs:ShutdownGrace"] = grace,
        ["Images:Builtin:DelayPerImage"] = "00:00:00.600",
    };

    private static bool HeldBy(JobTable.Row row, ServerProcess server) => row.WorkerId?.Contains($":{server.Id}:", StringComparison.Ordinal) == true;

    [Fact]
    public async Task A_job_on_an_instance_stopped_with_SIGTERM_is_resumed_by_the_other_instance_at_once_and_completes_once()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        var backend = new Backend(Backend.Postgres, await cluster.CreateDatabaseAsync());
        var table = new JobTable(backend.ConnectionString);
        var settings = Settings(grace: "00:00:00.200");
        var starting = new[] { ServerProcess.StartAsync(backend, settings), ServerProcess.StartAsync(backend, settings) };
        await using var first = await starting[0];
        await using var second = await starting[1];
        await using var probe = DoubleProcessingProbe.Start(backend.ConnectionString);
        using var client = first.Client(user);
        var story = await client.CreateStoryAsync(scenes: 8);
        var job = await client.StartAsync(story.Id);

        var held = await table.WaitForAsync(job.Id, r => r.Progress > 0 && r.WorkerId is not null, TimeSpan.FromSeconds(30), "the first scene");
        var (holder, other) = HeldBy(held, first) ? (first, second) : (second, first);
        holder.Terminate();

        Assert.Equal(0, await holder.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var afterExit = await table.GetAsync(job.Id);
        Assert.False(HeldBy(afterExit, holder), $"The stopped instance kept its lease: {afterExit}");
        var resumed = await table.WaitForAsync(job.Id, r => HeldBy(r, other), TimeSpan.FromSeconds(10), "the takeover by the other instance");
        Assert.Equal(2, resumed.Attempts);

        using var otherClient = other.Client(user);
        var done = await otherClient.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.All((await otherClient.GetStoryAsync(story.Id)).Scenes, s => Assert.NotNull(s.ImageUrl));
        Assert.Single(await table.AllAsync());
        Assert.Equal(0, probe.Violations);
        // Logs name a job's kind as the API does.
        Assert.Contains("Handed image job", holder.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_finishes_within_the_shutdown_grace_completes_on_the_stopping_instance()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        var backend = new Backend(Backend.Postgres, await cluster.CreateDatabaseAsync());
        var table = new JobTable(backend.ConnectionString);
        await using var server = await ServerProcess.StartAsync(backend, Settings(grace: "00:00:30"));
        using var client = server.Client(user);
        var story = await client.CreateStoryAsync(scenes: 3);
        var job = await client.StartAsync(story.Id);
        await table.WaitForAsync(job.Id, r => r.Progress > 0, TimeSpan.FromSeconds(30), "the first scene");

        server.Terminate();

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var row = await table.GetAsync(job.Id);
        Assert.Equal(JobStatus.Completed, row.Status);
        Assert.Equal(1, row.Attempts);
    }
}
