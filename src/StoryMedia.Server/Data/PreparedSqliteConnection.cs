using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace StoryMedia.Data;

/// <summary>
/// An open SQLite connection (its pragmas set once, when it opened) with the commands it has prepared, kept by their SQL
/// text. Microsoft.Data.Sqlite prepares a new command's statements on its first execution and finalizes them when the
/// command is disposed, with no cache across commands (dotnet/efcore#14044), and preparing a start's statements cost more
/// than running them. Keeping them is safe: a connection serves one transaction at a time (the writer under the write gate,
/// a reader while it is lent), and a kept command is lent to one caller at a time; the same SQL asked for again while
/// the first caller still holds it gets a command of its own, disposed as usual.
/// </summary>
internal sealed class PreparedSqliteConnection(SqliteConnection connection) : IDisposable
{
    // More than the statements the service sends; SQL beyond it is prepared for each use, so the cache stays bounded.
    private const int MaxKept = 256;

    private readonly Dictionary<string, KeptCommand> kept = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    /// <summary>Open and outside any transaction: ready for the next one (a failed rollback leaves it neither).</summary>
    public bool Ready => connection.State == ConnectionState.Open && raw.sqlite3_get_autocommit(connection.Handle) != 0;

    /// <summary>A command for <paramref name="sql"/> on this connection; disposing it hands a kept one back, still prepared.</summary>
    public DbCommand CommandFor(string sql)
    {
        if (kept.TryGetValue(sql, out var command))
        {
            if (command.TryLend())
            {
                return command;
            }
        }
        else if (kept.Count < MaxKept)
        {
            command = new KeptCommand(sql, connection);
            kept.Add(sql, command);
            command.TryLend();
            return command;
        }
        var once = connection.CreateCommand();
        once.CommandText = sql;
        return once;
    }

    /// <summary>Finalizes the kept statements, then closes the connection (closing alone would leave them to the finalizer).</summary>
    public void Dispose()
    {
        foreach (var command in kept.Values)
        {
            command.Release();
        }
        kept.Clear();
        connection.Dispose();
    }

    private sealed class KeptCommand(string sql, SqliteConnection connection) : SqliteCommand(sql, connection)
    {
        private bool lent;
        private bool released;

        public bool TryLend()
        {
            if (lent)
            {
                return false;
            }
            lent = true;
            return true;
        }

        public void Release()
        {
            released = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !released)
            {
                // The caller is done: its reader's disposal has reset the statements, which stay prepared for the next one.
                DataReader?.Dispose();
                Transaction = null;
                lent = false;
                return;
            }
            base.Dispose(disposing);
        }
    }
}
