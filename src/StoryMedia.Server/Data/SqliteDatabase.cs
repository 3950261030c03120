using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace StoryMedia.Data;

/// <summary>
/// Embedded SQLite in WAL mode. SQLite has one writer at a time; writers of this process queue on an
/// async gate instead of spinning on SQLITE_BUSY, and busy_timeout covers other processes on the file.
/// </summary>
public sealed class SqliteDatabase(string connectionString) : Database, IDisposable
{
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private int walEnabled;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;


    // A write transaction already holds the database's single write lock.
    public override string LockRows => "";

    public override string ShareRows => "";

    public string ConnectionString => connectionString;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var pragma = connection.CreateCommand();
            // WAL lets readers run beside the one writer; it is a property of the file, so set once per process.
            var wal = Interlocked.Exchange(ref walEnabled, 1) == 0 ? "pragma journal_mode = wal;" : "";
            pragma.CommandText = $"pragma busy_timeout = 5000; pragma foreign_keys = on; pragma synchronous = normal; {wal}";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // A write transaction already holds SQLite's one write lock: no other decision runs meanwhile.
    public override BatchStatement LockUser(Guid userId, bool wait) => Held;

    public override BatchStatement LockStoryEvents(Guid storyId) => Held;

    private static readonly BatchStatement Held = new("select 1 as locked", r => r.GetBoolean(0));

    /// <summary>SQLite has no roles or Row Level Security: the stores filter every user's query by owner.</summary>
    protected override async Task<DatabaseTransaction> BeginAsync(Guid? userId, bool write, CancellationToken cancellationToken)
    {
        if (!write)
        {
            var reader = (SqliteConnection)await OpenAsync(cancellationToken);
            try
            {
                // A deferred transaction takes no lock until it reads, and readers never block in WAL mode.
                return new DatabaseTransaction(reader, reader.BeginTransaction(deferred: true), gate: null);
            }
            catch
            {
                await reader.DisposeAsync();
                throw;
            }
        }
        await writeGate.WaitAsync(cancellationToken);
        var release = new GateRelease(writeGate);
        try
        {
            var connection = (SqliteConnection)await OpenAsync(cancellationToken);
            // BeginTransaction() without deferred is BEGIN IMMEDIATE: the write lock is taken before any read.
            return new DatabaseTransaction(connection, connection.BeginTransaction(), release);
        }
        catch
        {
            release.Dispose();
            throw;
        }
    }

    /// <summary>Guids as canonical text and instants as fixed-width UTC text, so that text comparison is time order.</summary>
    protected override object Bind(object value) => value switch
    {
        Guid guid => guid.ToString("D"),
        DateTimeOffset instant => Format(instant),
        _ => value,
    };

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public void Dispose() => writeGate.Dispose();

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
