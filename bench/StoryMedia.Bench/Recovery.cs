using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using StoryMedia.Jobs;

namespace StoryMedia.Bench;

/// <summary>Scenario 4: how long a job stays stuck after its worker's machine dies, and after its worker goes silent.</summary>
public static class Recovery
{
    private sealed record Row(string? WorkerId, int Attempts, int Progress, string Status, DateTimeOffset HeartbeatAt, DateTimeOffset? LeaseExpiresAt);

    /// <summary>
    /// What a kill showed, on the server's clock: the instant of the kill, the killed worker's last heartbeat and the
    /// end of its lease, the attempts of the killed and the taking instance (by process id), and the job's change log.
    /// </summary>
    public sealed record Takeover(
        double Seconds, DateTimeOffset KilledAt, DateTimeOffset LastHeartbeat, DateTimeOffset LeaseEnd,
        int KilledPid, int KilledAttempt, int TakerPid, int TakerAttempt, JobHistory Job);

    /// <summary>
    /// Starts a slow job, waits until a worker has made progress on it, SIGKILLs the instance that holds it and
    /// measures the seconds until another instance has claimed it; then waits for the job to complete.
    /// </summary>
    public static async Task<Takeover> KillAsync(IReadOnlyList<ChildServer> servers, BenchClient client, NpgsqlDataSource dataSource, int scenes, CancellationToken ct)
    {
        var story = await client.CreateStoryAsync(scenes, ct);
        var (status, job) = await client.GenerateAsync(story.Id, ct);
        if (job is null)
        {
            throw new BenchFailedException($"The recovery job's start answered {(int)status}.");
        }
        var running = await WaitForAsync(dataSource, job.Id, r => r is { WorkerId: not null, Progress: > 0 }, ct);
        var pid = Pid(running);
        var victim = servers.Single(s => s.Pid == pid);
        var clock = Stopwatch.StartNew();
        var killedAt = DateTimeOffset.UtcNow;
        victim.KillHard();
        // Nothing beats for the job from here until its lease ends: the row keeps the dead worker's last heartbeat.
        var dead = await ReadAsync(dataSource, job.Id, ct);
        var resumed = await WaitForAsync(dataSource, job.Id, r => r.Attempts > running.Attempts && r.WorkerId is not null, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        if (Pid(resumed) == pid)
        {
            throw new BenchFailedException("The killed instance still claimed the job.");
        }
        await WaitForAsync(dataSource, job.Id, r => r.Status == JobStatus.Completed, ct);
        var history = await JobHistory.ReadAsync(dataSource, [job.Id], ct);
        return new Takeover(seconds, killedAt, dead.HeartbeatAt, dead.LeaseExpiresAt ?? dead.HeartbeatAt, pid, running.Attempts, Pid(resumed), resumed.Attempts, history[job.Id]);
    }

    /// <summary>The process id in a worker id (host:pid:…), which <see cref="ChildServer.Pid"/> matches.</summary>
    private static int Pid(Row row) => int.Parse(row.WorkerId!.Split(':')[1], CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts a job on an API-only deployment (no worker anywhere), so it never heartbeats, then starts again every
    /// few milliseconds: seconds from its last heartbeat until a start clears it and wins.
    /// </summary>
    public static async Task<double> StaleAsync(BenchClient client, CancellationToken ct)
    {
        var story = await client.CreateStoryAsync(1, ct);
        var (status, silent) = await client.GenerateAsync(story.Id, ct);
        if (silent is null)
        {
            throw new BenchFailedException($"The silent job's start answered {(int)status}.");
        }
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (again, job) = await client.GenerateAsync(story.Id, ct);
            if (again == HttpStatusCode.Accepted)
            {
                var seconds = (DateTimeOffset.UtcNow - silent.HeartbeatAt).TotalSeconds;
                var cleared = await client.GetJobAsync(silent.Id, ct);
                if (cleared.Status != JobStatus.Failed || job!.Id == silent.Id)
                {
                    throw new BenchFailedException($"A start won while the silent job is {cleared.Status}.");
                }
                return seconds;
            }
            if (again != HttpStatusCode.Conflict || deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new BenchFailedException($"A start on the silent job's story answered {(int)again}.");
            }
            await Task.Delay(20, ct);
        }
    }

    private static async Task<Row> WaitForAsync(NpgsqlDataSource dataSource, Guid jobId, Func<Row, bool> done, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var row = await ReadAsync(dataSource, jobId, ct);
            if (done(row))
            {
                return row;
            }
            if (row.Status == JobStatus.Failed || deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new BenchFailedException($"Job {jobId} is {row.Status} (attempt {row.Attempts}, {row.Progress} %) and never got where the scenario waits for.");
            }
            await Task.Delay(10, ct);
        }
    }

    private static async Task<Row> ReadAsync(NpgsqlDataSource dataSource, Guid jobId, CancellationToken ct)
    {
        await using var read = dataSource.CreateCommand("select worker_id, attempts, progress, status, heartbeat_at, lease_expires_at from image_generation_jobs where id = @id");
        read.Parameters.AddWithValue("id", jobId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var worker = reader.GetOrdinal("worker_id");
        var lease = reader.GetOrdinal("lease_expires_at");
        return new Row(reader.IsDBNull(worker) ? null : reader.GetString(worker), reader.GetInt32(reader.GetOrdinal("attempts")), reader.GetInt32(reader.GetOrdinal("progress")),
            reader.GetString(reader.GetOrdinal("status")), reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("heartbeat_at")),
            reader.IsDBNull(lease) ? null : reader.GetFieldValue<DateTimeOffset>(lease));
    }
}
