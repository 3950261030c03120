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
    // Reader connections kept open between reads (beyond this many idle ones, a returned reader is closed).
    private const int MaxIdleReaders = 16;

    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly Lock idleLock = new();
    private readonly Stack<PreparedSqliteConnection> idleReaders = new();
    private int walEnabled;
    private bool disposed;

    // The one connection write transactions use, opened (and its pragmas set) once; guarded by the write gate.
    private PreparedSqliteConnection? writer;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    // A write transaction already holds the database's single write lock.
    public override string LockRows => "";

    public override string ShareRows => "";

    // Every commit empties each reader connection's page cache, so a read before every start re-reads its pages (and
    // takes SQLite's shared-memory locks beside the writer), where the write transaction reads the story's processing job
    // anyway, on the writer's own cache (docs/benchmarks.md, the SQLite store's row). A burst's losers still answer from a
    // read, the one after UserStartGate.
    public override bool ReadsLiveJobBeforeStart => false;

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

    private static readonly IReadOnlyList<object> HeldRow = [true];

    /// <summary>One statement after the other; a lock the write transaction already holds (<see cref="Held"/>) is answered without running one.</summary>
    public override async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAsync(DatabaseTransaction scope, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        var results = new List<IReadOnlyList<object>>(statements.Count);
        foreach (var statement in statements)
        {
            results.Add(ReferenceEquals(statement, Held) ? HeldRow : await RunOneAsync(scope, statement, cancellationToken));
        }
        return results;
    }

    /// <summary>SQLite has no roles or Row Level Security: the stores filter every user's query by owner.</summary>
    protected override async Task<DatabaseTransaction> BeginAsync(Guid? userId, bool write, CancellationToken cancellationToken)
    {
        if (!write)
        {
            var reader = TakeIdleReader() ?? new PreparedSqliteConnection((SqliteConnection)await OpenAsync(cancellationToken));
            try
            {
                // A deferred transaction takes no lock until it reads, and readers never block in WAL mode.
                return new DatabaseTransaction(reader.Connection, reader.Connection.BeginTransaction(deferred: true), new ReaderReturn(this, reader),
                    keepConnection: true, reader.CommandFor);
            }
            catch
            {
                reader.Dispose();
                throw;
            }
        }
        await writeGate.WaitAsync(cancellationToken);
        var release = new WriterRelease(this);
        try
        {
            writer ??= new PreparedSqliteConnection((SqliteConnection)await OpenAsync(cancellationToken));
            // BeginTransaction() without deferred is BEGIN IMMEDIATE: the write lock is taken before any read.
            return new DatabaseTransaction(writer.Connection, writer.Connection.BeginTransaction(), release, keepConnection: true, writer.CommandFor);
        }
        catch
        {
            // A writer that cannot begin is opened afresh by the next write.
            writer?.Dispose();
            writer = null;
            release.Dispose();
            throw;
        }
    }

    // One statement reads one consistent snapshot by itself (autocommit): no BEGIN and ROLLBACK around it.
    public override Task<List<T>> ReadAsUserAsync<T>(Guid userId, string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ReadAloneAsync(sql, row, parameters, cancellationToken);

    public override Task<List<T>> ReadAsWorkerAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ReadAloneAsync(sql, row, parameters, cancellationToken);

    private async Task<List<T>> ReadAloneAsync<T>(string sql, Func<DbDataReader, T> row, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        var reader = TakeIdleReader() ?? new PreparedSqliteConnection((SqliteConnection)await OpenAsync(cancellationToken));
        try
        {
            await using var command = Bound(reader.CommandFor(sql), null, parameters);
            return await ReadAsync(command, row, cancellationToken);
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    private PreparedSqliteConnection? TakeIdleReader()
    {
        lock (idleLock)
        {
            return idleReaders.TryPop(out var reader) ? reader : null;
        }
    }

    // A reader whose transaction ended cleanly waits for the next read, its statements still prepared.
    private void ReturnReader(PreparedSqliteConnection reader)
    {
        if (reader.Ready)
        {
            lock (idleLock)
            {
                if (!disposed && idleReaders.Count < MaxIdleReaders)
                {
                    idleReaders.Push(reader);
                    return;
                }
            }
        }
        reader.Dispose();
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

    public void Dispose()
    {
        writer?.Dispose();
        lock (idleLock)
        {
            disposed = true;
            while (idleReaders.TryPop(out var reader))
            {
                reader.Dispose();
            }
        }
        writeGate.Dispose();
    }

    private sealed class ReaderReturn(SqliteDatabase database, PreparedSqliteConnection reader) : IDisposable
    {
        private int returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref returned, 1) == 0)
            {
                database.ReturnReader(reader);
            }
        }
    }

    // Ends a write transaction's hold on the writer: one left inside a transaction (a failed rollback) is closed, and the
    // next write opens another; then the gate lets the next writer in.
    private sealed class WriterRelease(SqliteDatabase database) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) != 0)
            {
                return;
            }
            if (database.writer is { Ready: false } broken)
            {
                broken.Dispose();
                database.writer = null;
            }
            database.writeGate.Release();
        }
    }
}
