using System.Data.Common;

namespace StoryMedia.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One database dialect: how to open a connection, how to begin a write transaction, and the few
/// bits of SQL and parameter binding that differ. The stores keep one set of SQL for both dialects.
/// </summary>
public abstract class Database
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>Appended to a claim's inner SELECT so that concurrent claimers skip each other's rows.</summary>
    public abstract string SkipLocked { get; }

    /// <summary>Appended to a SELECT inside a write transaction to lock the rows it reads until the commit.</summary>
    public abstract string LockRows { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that writes; on SQLite it takes the write lock up front so a read never has to upgrade.</summary>
    public abstract Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken);

    public DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value is null ? DBNull.Value : Bind(value);
            command.Parameters.Add(parameter);
        }
        return command;
    }

    protected abstract object Bind(object value);
}

/// <summary>A connection with an open write transaction; disposing without commit rolls back.</summary>
public sealed class WriteScope(DbConnection connection, DbTransaction transaction, IDisposable? gate) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
        finally
        {
            gate?.Dispose();
        }
    }
}
