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
    /// Whether a start reads the story's live job before its write transaction, to answer a duplicate's <c>409</c> without
    /// one (<see cref="Jobs.JobStore.StartAsync"/>): worth it where a read beside the writes costs less than a turn at them.
    /// </summary>
    public abstract bool ReadsLiveJobBeforeStart { get; }

    /// <summary>
    /// Serialises the decisions about one user's jobs (a claim counting the user's running jobs, a start counting the
    /// user's waiting ones) across every instance, until the transaction ends. With <paramref name="wait"/> false it
    /// answers false at once when another transaction holds the user, so a claim moves on to the next user.
    /// </summary>
    public async Task<bool> LockUserAsync(DatabaseTransaction scope, Guid userId, bool wait, CancellationToken cancellationToken) =>
        (await BatchAsync(scope, [LockUser(userId, wait)], cancellationToken))[0] is [true];

    /// <summary><see cref="LockUserAsync"/> as a statement for a batch: one row, true when the lock is held.</summary>
    public abstract BatchStatement LockUser(Guid userId, bool wait);

    /// <summary>
    /// Serialises the appends to one story's change log until the transaction ends, so its events commit in the order of
    /// their sequence numbers (<see cref="Events.StoryEventLog"/>); a statement for a batch.
    /// </summary>
    public abstract BatchStatement LockStoryEvents(Guid storyId);

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
    public virtual async Task<List<T>> ReadAsWorkerAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var scope = await BeginReadAsync(cancellationToken);
        return await ReadAsync(scope, sql, row, cancellationToken, parameters);
    }

    /// <summary>One statement's rows in the caller's transaction, each mapped by <paramref name="row"/>.</summary>
    public async Task<List<T>> ReadAsync<T>(DatabaseTransaction scope, string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(scope, sql, parameters);
        return await ReadAsync(command, row, cancellationToken);
    }

    /// <summary>A bound command's rows, each mapped by <paramref name="row"/>.</summary>
    protected static async Task<List<T>> ReadAsync<T>(DbCommand command, Func<DbDataReader, T> row, CancellationToken cancellationToken)
    {
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
        return Bound(command, transaction, parameters);
    }

    /// <summary>A command in the transaction: a new one, or on SQLite the connection's kept one for the same SQL.</summary>
    public DbCommand Command(DatabaseTransaction scope, string sql, params (string Name, object? Value)[] parameters)
    {
        if (scope.Deferred.Count > 0)
        {
            throw new InvalidOperationException("This transaction's first statements must go through BatchAsync, which sends its deferred role switch.");
        }
        return Bound(scope.CommandFor(sql), scope.Transaction, parameters);
    }

    /// <summary>
    /// Sets the command's transaction and parameters. A kept command already has the parameters of its last use: the
    /// same names get new values, without new objects.
    /// </summary>
    protected DbCommand Bound(DbCommand command, DbTransaction? transaction, (string Name, object? Value)[] parameters)
    {
        command.Transaction = transaction;
        var bound = command.Parameters;
        if (!SameNames(bound, parameters))
        {
            bound.Clear();
            foreach (var (name, _) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                bound.Add(parameter);
            }
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            var value = parameters[i].Value;
            bound[i].Value = value is null ? DBNull.Value : Bind(value);
        }
        return command;
    }

    private static bool SameNames(DbParameterCollection bound, (string Name, object? Value)[] parameters)
    {
        if (bound.Count != parameters.Length)
        {
            return false;
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            if (bound[i].ParameterName != parameters[i].Name)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Runs the statements in order in the transaction and answers each one's rows: one round trip on PostgreSQL (with the
    /// transaction's deferred role switch in front, <see cref="BeginBatchedWriteAsUserAsync"/>), one statement after the
    /// other on SQLite. Every statement returns a result set (a select, or <c>returning</c>), even an empty one, unless it is
    /// marked <see cref="BatchStatement.NoResultSet"/>: then it answers no rows.
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAsync(DatabaseTransaction scope, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        var results = new List<IReadOnlyList<object>>(statements.Count);
        foreach (var statement in statements)
        {
            results.Add(await RunOneAsync(scope, statement, cancellationToken));
        }
        return results;
    }

    /// <summary>One statement of a batch, on its own round trip: its rows, each mapped by the statement's reader.</summary>
    protected async Task<IReadOnlyList<object>> RunOneAsync(DatabaseTransaction scope, BatchStatement statement, CancellationToken cancellationToken)
    {
        await using var command = Command(scope, statement.Sql, statement.Parameters);
        if (!statement.HasResultSet)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return [];
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await BatchStatement.ReadAllAsync(reader, statement.Row, cancellationToken);
    }

    /// <summary>
    /// The transaction's last statements (<see cref="BatchAsync"/>), then its commit: on PostgreSQL the commit goes in the
    /// same round trip, as the batch's last statement.
    /// </summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAndCommitAsync(DatabaseTransaction scope, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        var results = await BatchAsync(scope, statements, cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return results;
    }

    /// <summary>The statements in one worker transaction of their own: one round trip on PostgreSQL, role switch included.</summary>
    public virtual async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAsWorkerAsync(IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        await using var scope = await BeginWriteAsync(cancellationToken);
        return await BatchAndCommitAsync(scope, statements, cancellationToken);
    }

    /// <summary>
    /// A write transaction as the user whose first statements go through <see cref="BatchAsync"/>: on PostgreSQL the role
    /// switch is sent with them, saving a round trip. Elsewhere the same as <see cref="BeginWriteAsUserAsync"/>.
    /// </summary>
    public virtual Task<DatabaseTransaction> BeginBatchedWriteAsUserAsync(Guid userId, CancellationToken cancellationToken) =>
        BeginWriteAsUserAsync(userId, cancellationToken);

    /// <summary>One read as the user, in a transaction of its own: one round trip on PostgreSQL, role switch included.</summary>
    public virtual async Task<List<T>> ReadAsUserAsync<T>(Guid userId, string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var scope = await BeginReadAsUserAsync(userId, cancellationToken);
        return await ReadAsync(scope, sql, row, cancellationToken, parameters);
    }

    protected abstract object Bind(object value);
}

/// <summary>One statement of <see cref="Database.BatchAsync"/> and how each of its rows is read.</summary>
public sealed record BatchStatement(string Sql, Func<DbDataReader, object> Row, params (string Name, object? Value)[] Parameters)
{
    /// <summary>For a statement whose rows say nothing the caller needs (a lock, a role switch).</summary>
    public static readonly Func<DbDataReader, object> Ignore = _ => true;

    /// <summary>
    /// For a write without <c>returning</c>, whose role may insert rows it may not read back: it has no result set, so
    /// the batch reads none for it (PostgreSQL's reply has none to skip).
    /// </summary>
    public static readonly Func<DbDataReader, object> NoResultSet = _ => throw new InvalidOperationException("A statement without a result set has no rows.");

    public bool HasResultSet => !ReferenceEquals(Row, NoResultSet);

    internal static async Task<IReadOnlyList<object>> ReadAllAsync(DbDataReader reader, Func<DbDataReader, object> row, CancellationToken cancellationToken)
    {
        var rows = new List<object>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }
        return rows;
    }
}

/// <summary>
/// A connection with an open transaction; disposing without commit rolls back, closes the connection unless it is kept
/// (<paramref name="keepConnection"/>: SQLite's connections, which stay open), then disposes <paramref name="gate"/>
/// (SQLite: releases the write gate, or hands a reader connection back). <paramref name="commands"/>: where its commands
/// come from when not new from the connection (SQLite: the connection's kept commands, by SQL).
/// </summary>
public sealed class DatabaseTransaction(DbConnection connection, DbTransaction transaction, IDisposable? gate, bool keepConnection = false,
    Func<string, DbCommand>? commands = null) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    /// <summary>A command for <paramref name="sql"/> on the transaction's connection, not yet bound.</summary>
    internal DbCommand CommandFor(string sql)
    {
        if (commands is not null)
        {
            return commands(sql);
        }
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>Statements the next <see cref="Database.BatchAsync"/> sends first (a deferred role switch).</summary>
    public List<BatchStatement> Deferred { get; } = [];

    public DbTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync();
            if (!keepConnection)
            {
                await Connection.DisposeAsync();
            }
        }
        finally
        {
            gate?.Dispose();
        }
    }
}
