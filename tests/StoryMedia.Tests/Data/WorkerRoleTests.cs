using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Data;

public sealed class WorkerRoleTests
{
    [Fact]
    public async Task A_worker_statement_runs_as_the_worker_role_which_cannot_touch_what_it_was_not_granted()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);

        var denied = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            stores.Database.ExecuteAsWorkerAsync("update schema_migrations set applied_at = applied_at", CancellationToken.None));
        var story = await stores.NewStoryAsync(Guid.NewGuid(), scenes: 2);
        var changed = await stores.Database.ExecuteAsWorkerAsync(
            "update scenes set image_key = null where story_id = @story_id", CancellationToken.None, ("story_id", story.Id));

        Assert.Equal("42501", denied.SqlState);
        Assert.Equal(2, changed);
    }
}
