using StoryMedia.Data;

namespace StoryMedia.Events;

/// <summary>
/// Each story's change log (migration 0012, docs/events.md). Writers append in the transaction of the change they report;
/// the append takes the story's log lock (<see cref="Database.LockStoryEvents"/>) and holds it to commit, so seq
/// order is commit order and a reader polling <c>seq &gt; last</c> misses nothing. Appends come last in a transaction
/// and, for several stories, in story order, so the lock adds no deadlock. Each event's <paramref name="sinks"/> add their
/// statements right after its append, in the same batch (the webhooks' outbox), so what they write commits or rolls back with it.
/// </summary>
public sealed class StoryEventLog(Database database, IEnumerable<IStoryEventSink>? sinks = null)
{
    /// <summary>In a sink's statement: the seq of the event just appended (the append holds the story's log lock).</summary>
    public const string AppendedSeq = "(select max(seq) from story_events where story_id = @story_id)";

    private readonly IStoryEventSink[] sinks = [.. sinks ?? []];

    private static string AppendWhere(string condition) => $"""
        insert into story_events (story_id, seq, user_id, type, job_kind, job_id, data, created_at)
        select @story_id, coalesce({AppendedSeq}, 0) + 1, @user_id, @type, @job_kind, @job_id, @data, @now
         where {condition}
        returning seq
        """;

    // The condition of an append that nothing guards.
    private const string Always = "1 = 1";

    public static readonly string Append = AppendWhere(Always);

    private const string Since = """
        select seq, type, job_kind, job_id, data, created_at
          from story_events
         where story_id = @story_id and user_id = @user_id and seq > @after
         order by seq
         limit @limit
        """;

    private const string Kept = """
        select min(seq) as oldest, max(seq) as newest
          from story_events
         where story_id = @story_id and user_id = @user_id
        """;

    // The newest event of each story stays, so a reader can always tell where the story's log stands.
    private const string Prune = """
        delete from story_events
         where created_at < @before
           and seq < (select max(l.seq) from story_events l where l.story_id = story_events.story_id)
        """;

    public Database Database => database;

    /// <summary>Appends the events in the caller's transaction, in one batch (one round trip on PostgreSQL).</summary>
    public async Task AppendAsync(DatabaseTransaction scope, IEnumerable<StoryEvent> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Appends(events, now) is { Count: > 0 } statements)
        {
            await database.BatchAsync(scope, statements, cancellationToken);
        }
    }

    /// <summary>
    /// The statements that append the events, for a caller that sends them in a batch of its own: each story's lock, then
    /// its events. With <paramref name="onlyIf"/> (a condition over <paramref name="onlyIfParameters"/>), an event is
    /// appended only when the condition holds as the statement runs: after a fenced write earlier in the same batch.
    /// </summary>
    public IReadOnlyList<BatchStatement> Appends(IEnumerable<StoryEvent> events, DateTimeOffset now, string? onlyIf = null, params (string Name, object? Value)[] onlyIfParameters)
    {
        var condition = onlyIf ?? Always;
        var append = onlyIf is null ? Append : AppendWhere(onlyIf);
        var guard = onlyIfParameters.Where(p => p.Name != "job_id").ToArray();
        var statements = new List<BatchStatement>();
        Guid? locked = null;
        foreach (var e in events.OrderBy(e => e.StoryId))
        {
            if (locked != e.StoryId)
            {
                statements.Add(database.LockStoryEvents(e.StoryId));
                locked = e.StoryId;
            }
            statements.Add(new BatchStatement(append, r => r.GetInt64(r.GetOrdinal("seq")),
                [("story_id", e.StoryId), ("user_id", e.UserId), ("type", e.Type), ("job_kind", e.JobKind), ("job_id", e.JobId),
                 ("data", e.Data), ("now", now), .. guard]));
            statements.AddRange(sinks.SelectMany(sink => sink.Statements(e, now, condition))
                .Select(statement => statement with { Parameters = [.. statement.Parameters, .. guard.Where(g => statement.Parameters.All(p => p.Name != g.Name))] }));
        }
        return statements;
    }

    public Task AppendAsync(DatabaseTransaction scope, StoryEvent e, DateTimeOffset now, CancellationToken cancellationToken) =>
        AppendAsync(scope, [e], now, cancellationToken);

    /// <summary>The user's story's events after <paramref name="afterSeq"/>, oldest first, read as the user.</summary>
    public async Task<IReadOnlyList<LoggedStoryEvent>> ReadAsync(Guid storyId, Guid userId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = database.Command(scope, Since, ("story_id", storyId), ("user_id", userId), ("after", afterSeq), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<LoggedStoryEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var jobId = reader.GetOrdinal("job_id");
            var jobKind = reader.GetOrdinal("job_kind");
            events.Add(new LoggedStoryEvent(
                reader.GetInt64(reader.GetOrdinal("seq")),
                reader.GetString(reader.GetOrdinal("type")),
                reader.IsDBNull(jobKind) ? null : reader.GetString(jobKind),
                reader.IsDBNull(jobId) ? null : reader.GetGuid(jobId),
                reader.GetString(reader.GetOrdinal("data")),
                reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at"))));
        }
        return events;
    }

    /// <summary>The oldest and newest sequence numbers the story's log still holds; (0, 0) for a story with none.</summary>
    public async Task<(long Oldest, long Newest)> KeptAsync(Guid storyId, Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = database.Command(scope, Kept, ("story_id", storyId), ("user_id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (oldest, newest) = (reader.GetOrdinal("oldest"), reader.GetOrdinal("newest"));
        return reader.IsDBNull(newest) ? (0, 0) : (reader.GetInt64(oldest), reader.GetInt64(newest));
    }

    /// <summary>Deletes events older than <paramref name="before"/>, keeping each story's newest; answers how many went.</summary>
    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.ExecuteAsWorkerAsync(Prune, cancellationToken, ("before", before));
}

/// <summary>Something that records an event in the transaction that appends it (the webhooks' outbox).</summary>
public interface IStoryEventSink
{
    /// <summary>
    /// Statements to run right after the event's append, in its batch: each returns a result set, may read the event's
    /// seq as <see cref="StoryEventLog.AppendedSeq"/> with the parameter <c>story_id</c>, and writes only where
    /// <paramref name="onlyIf"/> holds: the condition the append itself was written under (its parameters are added).
    /// </summary>
    IEnumerable<BatchStatement> Statements(StoryEvent e, DateTimeOffset now, string onlyIf);
}
