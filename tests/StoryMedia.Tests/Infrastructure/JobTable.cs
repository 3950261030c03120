using Npgsql;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// The image jobs table of a PostgreSQL test database, read directly: what every instance sees. Connections are
/// not pooled, so a connection killed or a server restarted by the test does not poison the next read.
/// </summary>
public sealed class JobTable(string connectionString)
{
    private readonly string unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString;

    public sealed record Row(Guid Id, Guid StoryId, string Status, int Progress, int Attempts, string? WorkerId, DateTimeOffset? LeaseExpiresAt, string? Error);

    /// <summary>Stories that have more than one processing job: must always be empty.</summary>
    public const string DoubleProcessing =
        "select count(*) from (select story_id from image_generation_jobs where status = 'processing' group by story_id having count(*) > 1) d";

    public async Task<Row> GetAsync(Guid jobId) =>
        (await QueryAsync("where id = @id", ("id", jobId))).Single();

    public Task<IReadOnlyList<Row>> AllAsync() => QueryAsync("");

    /// <summary>Polls the job's row until it satisfies <paramref name="condition"/>.</summary>
    public Task<Row> WaitForAsync(Guid jobId, Func<Row, bool> condition, TimeSpan timeout, string what) =>
        Eventually.ReadAsync(() => GetAsync(jobId), condition, timeout, row => $"Job {jobId}: {what} did not happen within {timeout}; the row is {row}.");

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<IReadOnlyList<Row>> QueryAsync(string where, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select id, story_id, status, progress, attempts, worker_id, lease_expires_at, error from image_generation_jobs {where}", connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }
}

/// <summary>
/// Checks continuously, on its own connection, that no story ever has two processing jobs. Failed probes
/// (the database is away) are counted apart; the check itself must never see a violation.
/// </summary>
public sealed class DoubleProcessingProbe : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long checks;
    private long unreachable;
    private long violations;

    private DoubleProcessingProbe(string connectionString)
    {
        loop = Task.Run(() => RunAsync(new JobTable(connectionString)));
    }

    public long Checks => Interlocked.Read(ref checks);

    public long Unreachable => Interlocked.Read(ref unreachable);

    public long Violations => Interlocked.Read(ref violations);

    public static DoubleProcessingProbe Start(string connectionString) => new(connectionString);

    public override string ToString() => $"{Checks} checks, {Violations} violations, {Unreachable} while the database was unreachable";

    private async Task RunAsync(JobTable table)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await table.ScalarAsync(JobTable.DoubleProcessing) > 0)
                {
                    Interlocked.Increment(ref violations);
                }
                Interlocked.Increment(ref checks);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                Interlocked.Increment(ref unreachable);
            }
            try
            {
                await Task.Delay(50, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
