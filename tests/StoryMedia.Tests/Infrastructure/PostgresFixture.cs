namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL cluster for the whole test run (xunit v2 has no assembly fixtures), started on first use.
/// It is never disposed explicitly: its reaper stops it and deletes its directory when the test host exits.
/// Each test gets its own database from <see cref="CreateDatabaseAsync"/>; tests that stop the server must
/// start their own <see cref="PostgresCluster"/> instead, since test classes run in parallel.
/// </summary>
public static class SharedPostgres
{
    private static readonly Lazy<Task<PostgresCluster>> Cluster = new(() => PostgresCluster.StartAsync());

    public static Task<PostgresCluster> GetAsync() => Cluster.Value;

    public static async Task<string> CreateDatabaseAsync(CancellationToken ct = default)
    {
        var cluster = await GetAsync();
        return await cluster.CreateDatabaseAsync(ct: ct);
    }
}
