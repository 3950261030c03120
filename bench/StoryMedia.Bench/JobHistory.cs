using Npgsql;
using StoryMedia.Events;

namespace StoryMedia.Bench;

/// <summary>
/// What the change log (story_events, docs/events.md) says happened to a job, on the server's clock: its start, each
/// claim (the progress event that raised its attempts), each progress step and its end. The timeline charts draw it.
/// </summary>
public sealed record JobHistory(Guid JobId, DateTimeOffset CreatedAt, IReadOnlyList<JobHistory.Step> Steps, DateTimeOffset? EndedAt)
{
    /// <summary>A progress event: <see cref="Claim"/> when it is the first of its attempt (a worker took the job).</summary>
    public sealed record Step(int Attempt, int Progress, DateTimeOffset At, bool Claim);

    public IEnumerable<Step> Claims => Steps.Where(s => s.Claim);

    /// <summary>When attempt <paramref name="attempt"/> was claimed.</summary>
    public DateTimeOffset ClaimedAt(int attempt) =>
        Claims.FirstOrDefault(c => c.Attempt == attempt)?.At ?? throw new BenchFailedException($"Job {JobId} has no claim of attempt {attempt} in its change log.");

    public DateTimeOffset Ended => EndedAt ?? throw new BenchFailedException($"Job {JobId} has not ended in its change log.");

    private const string Events = """
        select job_id, type, (data::jsonb ->> 'attempts')::int as attempts, (data::jsonb ->> 'progress')::int as progress, created_at
          from story_events
         where job_id = any(@job_ids) and type = any(@job_events)
         order by story_id, seq
        """;

    public static async Task<IReadOnlyDictionary<Guid, JobHistory>> ReadAsync(NpgsqlDataSource data, IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        await using var read = data.CreateCommand(Events);
        read.Parameters.AddWithValue("job_ids", jobIds.ToArray());
        read.Parameters.AddWithValue("job_events", StoryEventTypes.JobEvents.ToArray());
        var rows = new List<(Guid Job, string Type, int Attempts, int Progress, DateTimeOffset At)>();
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetGuid(reader.GetOrdinal("job_id")), reader.GetString(reader.GetOrdinal("type")), reader.GetInt32(reader.GetOrdinal("attempts")),
                    reader.GetInt32(reader.GetOrdinal("progress")), reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at"))));
            }
        }
        return rows.GroupBy(r => r.Job).ToDictionary(g => g.Key, g =>
        {
            var created = g.FirstOrDefault(r => r.Type == StoryEventTypes.Started);
            if (created.Type is null)
            {
                throw new BenchFailedException($"Job {g.Key} has no start in its change log.");
            }
            var steps = new List<Step>();
            var attempt = 0;
            foreach (var r in g.Where(r => r.Type == StoryEventTypes.Progress))
            {
                steps.Add(new Step(r.Attempts, r.Progress, r.At, r.Attempts > attempt));
                attempt = Math.Max(attempt, r.Attempts);
            }
            var ended = g.FirstOrDefault(r => r.Type is StoryEventTypes.Completed or StoryEventTypes.Failed or StoryEventTypes.Cleared);
            return new JobHistory(g.Key, created.At, steps, ended.Type is null ? null : ended.At);
        });
    }
}
