using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Stories;
using StoryMedia.Tests.Jobs.NoteKind;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// The stores over a fresh, migrated database, without HTTP, for the store test suite: the service's kinds of job and the
/// tests' throwaway third kind (<see cref="NoteJobKind"/>), whose migration runs beside the service's.
/// </summary>
public sealed class Stores : IAsyncDisposable
{
    /// <summary>Bounds no store test reaches: the fairness tests set their own.</summary>
    public static readonly UserBounds Unbounded = new(int.MaxValue, int.MaxValue, TimeSpan.FromMinutes(1));

    public Stores(Database database)
    {
        Database = database;
        Events = new(database);
        Jobs = new(database, Kinds, Events);
        Stories = new(database, Jobs, Events);
        Images = new(Jobs);
        Videos = new(Jobs);
        Notes = new(Jobs);
        Narration = new(Jobs);
    }

    public static JobKinds Kinds { get; } = new([new ImageJobKind(), new NarrationJobKind(), new VideoJobKind(), new NoteJobKind()]);

    /// <summary>The provenance the store tests record with each image they make by hand.</summary>
    public static ImageProvenance Made { get; } = new("builtin", BuiltinRenderer.Model, "768x432", 42, "Scene", null, 5, 1, DateTimeOffset.UtcNow);

    public Database Database { get; }

    public StoryEventLog Events { get; }

    public JobStore Jobs { get; }

    public StoryStore Stories { get; }

    public ImageJobOutputs Images { get; }

    public VideoJobOutputs Videos { get; }

    public NoteOutputs Notes { get; }

    public NarrationJobOutputs Narration { get; }

    /// <summary>A scene's image recorded on its own, as a worker's fenced write (the executor sends it with its progress report).</summary>
    public Task<bool> RecordSceneImageAsync(JobLease lease, Guid sceneId, string imageKey, ImageProvenance made, CancellationToken cancellationToken) =>
        FencedAsync(lease, ImageJobOutputs.SceneImage(sceneId, imageKey, made), cancellationToken);

    /// <summary>A scene's audio recorded on its own, as a worker's fenced write.</summary>
    public Task<bool> RecordSceneAudioAsync(JobLease lease, Guid sceneId, string audioKey, double seconds, CancellationToken cancellationToken) =>
        FencedAsync(lease, NarrationJobOutputs.SceneAudio(sceneId, audioKey, seconds), cancellationToken);

    private Task<bool> FencedAsync(JobLease lease, FencedWrite write, CancellationToken cancellationToken) =>
        Jobs.FencedAsync(lease, write.Sql, cancellationToken, write.Parameters);

    public static async Task<Stores> CreateAsync(string provider) => await CreateAsync(await Backend.CreateAsync(provider));

    public static async Task<Stores> CreateAsync(Backend backend)
    {
        Database database = backend.Provider == Backend.Postgres
            ? new PostgresDatabase(NpgsqlDataSource.Create(backend.ConnectionString))
            : new SqliteDatabase(backend.ConnectionString);
        await MigratorFor(database).MigrateAsync(CancellationToken.None);
        return new Stores(database);
    }

    /// <summary>The service's migrations and the third kind's.</summary>
    public static Migrator MigratorFor(Database database) =>
        new(database, [new(typeof(Migrator).Assembly), new(typeof(NoteJobKind).Assembly)], TimeProvider.System, NullLogger<Migrator>.Instance);

    public Task<Story> NewStoryAsync(Guid user, int scenes = 3) =>
        Stories.CreateAsync(user, new NewStory("A story", "watercolor", [.. Enumerable.Range(1, scenes).Select(i => $"Scene {i}")]), DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>
    /// A story whose scenes have images (<c>scene-N.png</c>), written by the tables' owner: a job run through the guard
    /// would take the fair claim's turn from the jobs a test waits to claim.
    /// </summary>
    public async Task<Story> NewIllustratedStoryAsync(Guid user, int scenes = 3)
    {
        var story = await NewStoryAsync(user, scenes);
        await using (var connection = await Database.OpenAsync(CancellationToken.None))
        await using (var draw = Database.Command(connection, "update scenes set image_key = 'scene-' || position || '.png' where story_id = @story_id", null, ("story_id", story.Id)))
        {
            await draw.ExecuteNonQueryAsync();
        }
        return (await Stories.GetAsync(story.Id, user, CancellationToken.None))!;
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
