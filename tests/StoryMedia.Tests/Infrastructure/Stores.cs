using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>The stores over a fresh, migrated database, without HTTP, for the store test suite.</summary>
public sealed class Stores : IAsyncDisposable
{
    public Stores(Database database)
    {
        Database = database;
        Jobs = new(database);
        Stories = new(database, Jobs);
    }

    public Database Database { get; }

    public JobStore Jobs { get; }

    public StoryStore Stories { get; }

    public static async Task<Stores> CreateAsync(string provider) => await CreateAsync(await Backend.CreateAsync(provider));

    public static async Task<Stores> CreateAsync(Backend backend)
    {
        Database database = backend.Provider == Backend.Postgres
            ? new PostgresDatabase(NpgsqlDataSource.Create(backend.ConnectionString))
            : new SqliteDatabase(backend.ConnectionString);
        await new Migrator(database, TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        return new Stores(database);
    }

    public Task<Story> NewStoryAsync(Guid user, int scenes = 3) =>
        Stories.CreateAsync(user, new NewStory("A story", "watercolor", [.. Enumerable.Range(1, scenes).Select(i => $"Scene {i}")]), DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>A story whose scenes have images (<c>scene-N.png</c>), made by an image job run through the guard.</summary>
    public async Task<Story> NewIllustratedStoryAsync(Guid user, int scenes = 3)
    {
        var story = await NewStoryAsync(user, scenes);
        var now = DateTimeOffset.UtcNow;
        var none = CancellationToken.None;
        Assert.IsType<StartOutcome.Started>(await Jobs.StartAsync(JobKind.Image, new NewJob(story.Id, user, null, null), now, now.AddMinutes(-5), "stale", none));
        var job = (await Jobs.ClaimAsync(JobKind.Image, "illustrator", now, TimeSpan.FromMinutes(1), 3, none)).Claimed!;
        var lease = new JobLease(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts);
        foreach (var scene in story.Scenes)
        {
            Assert.True(await Jobs.RecordSceneImageAsync(lease, scene.Id, $"scene-{scene.Position}.png", none));
        }
        Assert.True(await Jobs.CompleteAsync(lease, now, none));
        return (await Stories.GetAsync(story.Id, user, none))!;
    }

    public ValueTask DisposeAsync()
    {
        switch (Database)
        {
            case PostgresDatabase postgres:
                return postgres.DataSource.DisposeAsync();
            case SqliteDatabase sqlite:
                sqlite.Dispose();
                break;
        }
        return ValueTask.CompletedTask;
    }
}
