using System.Text.Json;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Jobs;

/// <summary>A start's and a claim's lookups on a big job table whose statistics date from a quiet moment (docs/scaling.md).</summary>
public sealed class StartLookupTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_start_looks_up_only_its_storys_and_its_users_jobs_even_when_the_statistics_say_nothing_waits_and_thousands_do()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var user = Guid.NewGuid();
        // Analysed while no job was processing, then a backlog of 3,000 other users' jobs and one of the user's own: the
        // state autoanalyze leaves for a while on a big table.
        await using (var connection = await stores.Database.OpenAsync(None))
        {
            await using var setup = stores.Database.Command(connection, """
                insert into stories (user_id, title) select gen_random_uuid(), 'finished' from generate_series(1, 3000);
                insert into image_generation_jobs (story_id, user_id, status, completed_at) select id, user_id, 'failed', now() from stories;
                analyze;
                insert into stories (user_id, title) select gen_random_uuid(), 'waiting' from generate_series(1, 3000);
                insert into stories (user_id, title) values (@user_id, 'waiting');
                insert into image_generation_jobs (story_id, user_id, status) select id, user_id, 'processing' from stories where title = 'waiting';
                """, null, ("user_id", user));
            await setup.ExecuteNonQueryAsync(None);
        }
        Guid story;
        await using (var read = await stores.Database.BeginReadAsync(None))
        {
            story = (await stores.Database.ReadAsync(read, "select id from stories where user_id = @user_id", r => r.GetGuid(0), None, ("user_id", user)))[0];
        }
        var q = new JobSql(new ImageJobKind(), stores.Database.LockRows, stores.Database.ShareRows);
        var fair = new FairShareSql(Stores.Kinds.All);
        var now = DateTimeOffset.UtcNow;
        (string Name, string Sql, (string, object?)[] Parameters)[] lookups =
        [
            ("the live read", q.RunningLive, [("story_id", story), ("user_id", user), ("stale_before", now.AddMinutes(-5))]),
            ("the story's processing job", q.Running, [("story_id", story)]),
            ("the stale clear", q.ClearStale, [("story_id", story), ("stale_before", now.AddMinutes(-5)), ("now", now), ("error", "stale")]),
            ("the user's bounds", fair.UserBounds, [("user_id", user), ("now", now), ("window_start", now.AddMinutes(-1)), ("max_waiting", 20), ("max_started", 60)]),
            ("the user's queue", fair.QueueOfUser, [("user_id", user), ("now", now), ("job_id", Guid.NewGuid()), ("created_at", now)]),
            ("the claim's running count", fair.RunningOfUser, [("user_id", user), ("now", now)]),
            ("the claim's oldest waiting job", fair.OldestWaitingOfUser, [("user_id", user), ("now", now), ("max_attempts", 3)]),
        ];

        foreach (var (name, sql, parameters) in lookups)
        {
            // As the request role, as a start runs them; rolled back (the stale clear writes).
            await using var scope = await stores.Database.BeginWriteAsUserAsync(user, None);
            await using var explain = stores.Database.Command(scope, $"explain (analyze, format json) {sql}", parameters);
            using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(None))!);

            var examined = RowsExamined(plan.RootElement[0].GetProperty("Plan"));

            Assert.True(examined <= 10, $"{name} examined {examined} job rows to find one story's or user's job among 3,001 waiting.");
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
