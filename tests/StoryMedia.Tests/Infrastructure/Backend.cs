namespace StoryMedia.Tests.Infrastructure;

/// <summary>A fresh, empty database of one provider: a file for SQLite, a new database in the shared cluster for PostgreSQL.</summary>
public sealed record Backend(string Provider, string ConnectionString)
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static async Task<Backend> CreateAsync(string provider) => provider switch
    {
        Sqlite => new Backend(Sqlite, $"Data Source={Path.Combine(TempDirectory.Create("sqlite"), "storymedia.db")}"),
        Postgres => new Backend(Postgres, await SharedPostgres.CreateDatabaseAsync()),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public override string ToString() => Provider;
}

public static class TempDirectory
{
    /// <summary>./test.sh gives each run a directory of its own (STORYMEDIA_TEST_TMP) and removes it at the end.</summary>
    private static readonly string Root = Environment.GetEnvironmentVariable("STORYMEDIA_TEST_TMP") is { Length: > 0 } run
        ? run
        : Path.Combine(Path.GetTempPath(), "storymedia-tests");

    public static string Create(string purpose)
    {
        var path = Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
