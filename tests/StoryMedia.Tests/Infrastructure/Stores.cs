using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Stories;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>The stores over a fresh, migrated database, without HTTP, for the store test suite.</summary>
public sealed class Stores(Database database) : IAsyncDisposable
{
    public Database Database { get; } = database;

    public JobStore Jobs { get; } = new(database);

    public StoryStore Stories { get; } = new(database);

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
