using System.Data.Common;

namespace StoryMedia.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One database dialect: how to open a connection, how to begin a transaction, and the few bits of SQL and
/// parameter binding that differ. The stores keep one set of SQL for both dialects.
/// Transactions run as someone: a user (what the user may see and do, enforced by Row Level Security on
/// PostgreSQL) or the service's workers. <see cref="OpenAsync"/> alone connects as the login itself (migrations).
/// </summary>
public abstract class Database
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>Appended to a SELECT inside a write transaction to lock the rows it reads until the commit.</summary>
    public abstract string LockRows { get; }

    /// <summary>Like <see cref="LockRows"/>, but shared: holders of the share lock do not wait for each other, only for <see cref="LockRows"/>.</summary>
    public abstract string ShareRows { get; }

    /// <summary>
    /// Serialises the decisions about one user's jobs (a claim counting the user's running jobs, a start counting the
    /// user's waiting ones) across every instance, until the transaction ends. With <paramref name="wait"/> false it
    /// answers false at once when another transaction holds the user, so a claim moves on to the next user.
    /// </summary>
    public abstract Task<bool> LockUserAsync(DatabaseTransaction scope, Guid userId, bool wait, CancellationToken cancellationToken);

    /// <summary>
    /// Serialises the appends to one story's change log until the transaction ends, so its events commit in the order of
    /// their sequence numbers (<see cref="Events.StoryEventLog"/>).
    /// </summary>
    public abstract Task LockStoryEventsAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken);

    /// <summary>A connection as the service's login, which owns the tables: for migrations and maintenance only.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A worker's write transaction; on SQLite it takes the write lock up front so a read never has to upgrade.</summary>
    public Task<DatabaseTransaction> BeginWriteAsync(CancellationToken cancellationToken) => BeginAsync(null, write: true, cancellationToken);

    /// <summary>A worker's read transaction.</summary>
    public Task<DatabaseTransaction> BeginReadAsync(CancellationToken cancellationToken) => BeginAsync(null, write: false, cancellationToken);

    /// <summary>A write transaction on behalf of a signed-in user: it sees and changes only what the user may.</summary>
    public Task<DatabaseTransaction> BeginWriteAsUserAsync(Guid userId, CancellationToken cancellationToken) => BeginAsync(userId, write: true, cancellationToken);

    /// <summary>A read transaction on behalf of a signed-in user.</summary>
    public Task<DatabaseTransaction> BeginReadAsUserAsync(Guid userId, CancellationToken cancellationToken) => BeginAsync(userId, write: false, cancellationToken);

    /// <summary>Begins a transaction as <paramref name="userId"/>, or as the workers when it is null.</summary>
    protected abstract Task<DatabaseTransaction> BeginAsync(Guid? userId, bool write, CancellationToken cancellationToken);

    /// <summary>One worker statement in a transaction of its own; answers the rows it changed.</summary>
    public virtual async Task<int> ExecuteAsWorkerAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var scope = await BeginWriteAsync(cancellationToken);
        int changed;
        await using (var command = Command(scope, sql, parameters))
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await scope.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>One worker read statement in a read transaction of its own; answers its rows, each mapped by <paramref name="row"/>.</summary>
    public async Task<List<T>> ReadAsWorkerAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var scope = await BeginReadAsync(cancellationToken);
        await using var command = Command(scope, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }
        return rows;
    }

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

    public DbCommand Command(DatabaseTransaction scope, string sql, params (string Name, object? Value)[] parameters) =>
        Command(scope.Connection, sql, scope.Transaction, parameters);

    protected abstract object Bind(object value);
}

/// <summary>A connection with an open transaction; disposing without commit rolls back.</summary>
public sealed class DatabaseTransaction(DbConnection connection, DbTransaction transaction, IDisposable? gate) : IAsyncDisposable
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
