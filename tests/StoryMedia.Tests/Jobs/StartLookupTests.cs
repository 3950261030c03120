using System.Text.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>A start's lookups on a big job table whose statistics date from a quiet moment (docs/scaling.md).</summary>
public sealed class StartLookupTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_start_looks_up_only_its_storys_jobs_even_when_the_statistics_say_nothing_waits_and_thousands_do()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var user = Guid.NewGuid();
        // Analysed while no job was processing, then a backlog: the state autoanalyze leaves for a while on a big table.
        await using (var connection = await stores.Database.OpenAsync(None))
        {
            await using var setup = stores.Database.Command(connection, """
                insert into stories (user_id, title) select @user_id, 'finished' from generate_series(1, 3000);
                insert into image_generation_jobs (story_id, user_id, status, completed_at) select id, user_id, 'failed', now() from stories;
                analyze;
                insert into stories (user_id, title) select @user_id, 'waiting' from generate_series(1, 3000);
                insert into image_generation_jobs (story_id, user_id, status) select id, user_id, 'processing' from stories where title = 'waiting';
                """, null, ("user_id", user));
            await setup.ExecuteNonQueryAsync(None);
        }
        Guid story;
        await using (var read = await stores.Database.BeginReadAsync(None))
        {
            story = (await stores.Database.ReadAsync(read, "select id from stories where title = 'waiting' limit 1", r => r.GetGuid(0), None))[0];
        }
        var q = new JobSql(new ImageJobKind(), stores.Database.LockRows, stores.Database.ShareRows);
        var now = DateTimeOffset.UtcNow;
        (string Name, string Sql, (string, object?)[] Parameters)[] lookups =
        [
            ("the live read", q.RunningLive, [("story_id", story), ("user_id", user), ("stale_before", now.AddMinutes(-5))]),
            ("the story's processing job", q.Running, [("story_id", story)]),
            ("the stale clear", q.ClearStale, [("story_id", story), ("stale_before", now.AddMinutes(-5)), ("now", now), ("error", "stale")]),
        ];

        foreach (var (name, sql, parameters) in lookups)
        {
            // As the request role, as a start runs them; rolled back (the stale clear writes).
            await using var scope = await stores.Database.BeginWriteAsUserAsync(user, None);
            await using var explain = stores.Database.Command(scope, $"explain (analyze, format json) {sql}", parameters);
            using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(None))!);

            var examined = RowsExamined(plan.RootElement[0].GetProperty("Plan"));

            Assert.True(examined <= 10, $"{name} examined {examined} job rows to find one story's job among 3,000 waiting.");
        }
    }

    /// <summary>The rows every scan of the plan read: those it returned and those its filter removed.</summary>
    private static double RowsExamined(JsonElement node)
    {
        var own = node.GetProperty("Node Type").GetString()!.Contains("Scan", StringComparison.Ordinal)
            ? node.GetProperty("Actual Rows").GetDouble() * node.GetProperty("Actual Loops").GetDouble()
              + (node.TryGetProperty("Rows Removed by Filter", out var removed) ? removed.GetDouble() : 0)
            : 0;
        return own + (node.TryGetProperty("Plans", out var children) ? children.EnumerateArray().Sum(RowsExamined) : 0);
    }
}
