using System.Buffers.Binary;
using System.Data.Common;
using System.Text.Json;
using Npgsql;

namespace StoryMedia.Data;

/// <summary>
/// PostgreSQL or Supabase. The service logs in as one role (the tables' owner), and every transaction
/// switches to a role without it, the way Supabase's PostgREST does: a user's transaction runs as
/// <see cref="PostgresRoles.Request"/> with the user's JWT claims set, so the Row Level Security policies
/// decide what it sees even if an application check were missing; a worker's runs as <see cref="PostgresRoles.Worker"/>.
/// </summary>
public sealed class PostgresDatabase(NpgsqlDataSource dataSource, PostgresRoles? roles = null) : Database
{
    // Both settings are transaction-local (the third argument), so a pooled connection carries nothing over.
    public const string SwitchRole =
        "select set_config('request.jwt.claims', @claims, true), set_config('role', @role, true)";

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    // Weaker than FOR UPDATE: it does not block other transactions' foreign-key checks on the row.
    public override string LockRows => "for no key update";

    public override string ShareRows => "for share";

    // The read is one round trip on a pooled connection; the write takes the user's lock and two.
    public override bool ReadsLiveJobBeforeStart => true;

    // The two-key form of the advisory locks, with a key space of our own: the migrator's session lock uses the one-key form.
    private const int UserLockSpace = 0x534D_5553;

    private const int StoryEventLockSpace = 0x534D_4556;

    private static readonly BatchStatement Commit = new("commit", BatchStatement.NoResultSet);

    public NpgsqlDataSource DataSource => dataSource;

    public PostgresRoles Roles { get; } = roles ?? new PostgresRoles();

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// A transaction-level advisory lock on the user: released at commit or rollback, so a pooled connection keeps none.
    /// Two users whose ids fold to the same key only wait for each other.
    /// </summary>
    public override BatchStatement LockUser(Guid userId, bool wait) => new(
        wait ? "select true as locked from (select pg_advisory_xact_lock(@space, @key)) as held" : "select pg_try_advisory_xact_lock(@space, @key) as locked",
        r => r.GetBoolean(0), ("space", UserLockSpace), ("key", Key(userId)));

    /// <summary>A transaction-level advisory lock on the story's log; two stories whose ids fold to one key only wait for each other.</summary>
    public override BatchStatement LockStoryEvents(Guid storyId) => new(
        "select true as locked from (select pg_advisory_xact_lock(@space, @key)) as held",
        BatchStatement.Ignore, ("space", StoryEventLockSpace), ("key", Key(storyId)));

    private static int Key(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        var key = 0;
        for (var i = 0; i < 16; i += 4)
        {
            key ^= BinaryPrimitives.ReadInt32LittleEndian(bytes[i..]);
        }
        return key;
    }

    protected override Task<DatabaseTransaction> BeginAsync(Guid? userId, bool write, CancellationToken cancellationToken) =>
        BeginAsUserAsync(userId, deferRoleSwitch: false, cancellationToken);

    public override Task<DatabaseTransaction> BeginBatchedWriteAsUserAsync(Guid userId, CancellationToken cancellationToken) =>
        BeginAsUserAsync(userId, deferRoleSwitch: true, cancellationToken);

    public override async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAsync(DatabaseTransaction scope, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        BatchStatement[] all = [.. scope.Deferred, .. statements];
        scope.Deferred.Clear();
        await using var batch = new NpgsqlBatch((NpgsqlConnection)scope.Connection, (NpgsqlTransaction)scope.Transaction);
        var results = await RunAsync(batch, all, cancellationToken);
        return results.GetRange(all.Length - statements.Count, statements.Count);
    }

    /// <summary>
    /// The statements and <c>commit</c> in one batch. Npgsql reads the transaction's end from the server's reply, so the
    /// transaction counts as completed and its disposal sends no rollback; an error before the commit leaves the
    /// transaction failed, and its disposal rolls it back.
    /// </summary>
    public override async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAndCommitAsync(DatabaseTransaction scope, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        var results = await BatchAsync(scope, [.. statements, Commit], cancellationToken);
        return [.. results.Take(statements.Count)];
    }

    /// <summary>The role switch and the statements in one implicit transaction: one round trip.</summary>
    public override async Task<IReadOnlyList<IReadOnlyList<object>>> BatchAsWorkerAsync(IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(Roles.Worker)
            ? await base.BatchAsWorkerAsync(statements, cancellationToken)
            : await RunAsAsync(Roles.Worker, "{}", statements, cancellationToken);

    /// <summary>The role switch and the read in one implicit transaction: one round trip.</summary>
    public override async Task<List<T>> ReadAsUserAsync<T>(Guid userId, string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        string.IsNullOrEmpty(Roles.Request)
            ? await base.ReadAsUserAsync(userId, sql, row, cancellationToken, parameters)
            : [.. (await RunAsAsync(Roles.Request, Claims(userId), [new(sql, r => row(r)!, parameters)], cancellationToken))[0].Cast<T>()];

    /// <summary>The role switch and the read in one implicit transaction: one round trip.</summary>
    public override async Task<List<T>> ReadAsWorkerAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        string.IsNullOrEmpty(Roles.Worker)
            ? await base.ReadAsWorkerAsync(sql, row, cancellationToken, parameters)
            : [.. (await RunAsAsync(Roles.Worker, "{}", [new(sql, r => row(r)!, parameters)], cancellationToken))[0].Cast<T>()];

    /// <summary>The statements on a connection of their own, behind the switch to <paramref name="role"/>, in one implicit transaction.</summary>
    private async Task<List<IReadOnlyList<object>>> RunAsAsync(string role, string claims, IReadOnlyList<BatchStatement> statements, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var results = await RunAsync(batch, [SwitchTo(role, claims), .. statements], cancellationToken);
        return results.GetRange(1, statements.Count);
    }

    /// <summary>Sends the statements as one batch and reads each one's result set in turn.</summary>
    private static async Task<List<IReadOnlyList<object>>> RunAsync(NpgsqlBatch batch, BatchStatement[] statements, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(BatchCommand(statement.Sql, statement.Parameters));
        }
        var results = new List<IReadOnlyList<object>>(statements.Length);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // The reader stands on the first result set; a statement without one has none to move to.
        var onFirst = true;
        foreach (var statement in statements)
        {
            if (!statement.HasResultSet)
            {
                results.Add([]);
                continue;
            }
            if (!onFirst && !await reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException($"A batched statement returned no result set: {statement.Sql}");
            }
            onFirst = false;
            results.Add(await BatchStatement.ReadAllAsync(reader, statement.Row, cancellationToken));
        }
        // A statement marked NoResultSet that returns rows would shift every read after it: refuse it, and read to the end
        // so that an error of a last statement without a result set surfaces here.
        if (await reader.NextResultAsync(cancellationToken))
        {
            throw new InvalidOperationException("A batch returned more result sets than its statements declare: a statement marked NoResultSet returns rows.");
        }
        return results;
    }

    // Workers carry no user: empty claims, so auth.uid() is null in any policy that asks.
    private static BatchStatement SwitchTo(string role, string claims) =>
        new(SwitchRole, BatchStatement.Ignore, ("claims", claims), ("role", role));

    private static NpgsqlBatchCommand BatchCommand(string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }
        return command;
    }

    private async Task<DatabaseTransaction> BeginAsUserAsync(Guid? userId, bool deferRoleSwitch, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var role = userId is null ? Roles.Worker : Roles.Request;
            var claims = userId is { } user ? Claims(user) : "{}";
            if (deferRoleSwitch && !string.IsNullOrEmpty(role))
            {
                var scope = new DatabaseTransaction(connection, transaction, gate: null);
                scope.Deferred.Add(SwitchTo(role, claims));
                return scope;
            }
            if (!string.IsNullOrEmpty(role))
            {
                await using var command = new NpgsqlCommand(SwitchRole, connection, transaction);
                command.Parameters.AddWithValue("claims", claims);
                command.Parameters.AddWithValue("role", role);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return new DatabaseTransaction(connection, transaction, gate: null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The role switch and the statement go in one batch: one round trip and one implicit transaction instead of
    /// begin, switch, statement and commit, which matters for the writes a worker makes per scene.
    /// </summary>
    public override async Task<int> ExecuteAsWorkerAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        if (string.IsNullOrEmpty(Roles.Worker))
        {
            return await base.ExecuteAsWorkerAsync(sql, cancellationToken, parameters);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var statement = BatchCommand(sql, parameters);
        batch.BatchCommands.Add(BatchCommand(SwitchRole, [("claims", "{}"), ("role", Roles.Worker)]));
        batch.BatchCommands.Add(statement);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return statement.RecordsAffected;
    }

    /// <summary>The claims auth.uid() reads, shaped like a Supabase access token's.</summary>
    public static string Claims(Guid userId) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["sub"] = userId.ToString(), ["role"] = "authenticated", ["aud"] = "authenticated" });

    protected override object Bind(object value) => value;
}

/// <summary>
/// The roles a transaction switches to (<c>Database:RequestRole</c>, <c>Database:WorkerRole</c>); migrations 0005 and
/// 0007 create them and their grants. An empty name keeps the login's own role.
/// </summary>
public sealed record PostgresRoles(string Request = "storymedia_api", string Worker = "storymedia_worker")
{
    /// <summary>
    /// Supabase's REST API acts as these roles with keys a browser holds: whatever the service's roles may do, the
    /// public API could do too, so the service never runs as one of them.
    /// </summary>
    public static readonly IReadOnlySet<string> PublicApiRoles = new HashSet<string>(StringComparer.Ordinal) { "anon", "authenticated", "authenticator", "service_role" };

    public void ThrowIfPublicApiRole()
    {
        foreach (var (setting, role) in new[] { ("Database:RequestRole", Request), ("Database:WorkerRole", Worker) })
        {
            if (PublicApiRoles.Contains(role))
            {
                throw new InvalidOperationException(
                    $"{setting} must not be '{role}': Supabase's public API uses that role, so anything the service may do would be open to it. Use the roles migration 0005 creates (storymedia_api, storymedia_worker).");
            }
        }
    }
}
