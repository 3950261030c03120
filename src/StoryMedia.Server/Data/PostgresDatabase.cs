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
    private const string SwitchRole =
        "select set_config('request.jwt.claims', @claims, true), set_config('role', @role, true)";

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    // Weaker than FOR UPDATE: it does not block other transactions' foreign-key checks on the row.
    public override string LockRows => "for no key update";

    public override string ShareRows => "for share";

    // The two-key form of the advisory locks, with a key space of our own: the migrator's session lock uses the one-key form.
    private const int UserLockSpace = 0x534D_5553;

    private const int StoryEventLockSpace = 0x534D_4556;

    public NpgsqlDataSource DataSource => dataSource;

    public PostgresRoles Roles { get; } = roles ?? new PostgresRoles();

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// A transaction-level advisory lock on the user: released at commit or rollback, so a pooled connection keeps none.
    /// Two users whose ids fold to the same key only wait for each other.
    /// </summary>
    public override async Task<bool> LockUserAsync(DatabaseTransaction scope, Guid userId, bool wait, CancellationToken cancellationToken)
    {
        var sql = wait
            ? "select true as locked from (select pg_advisory_xact_lock(@space, @key)) as held"
            : "select pg_try_advisory_xact_lock(@space, @key) as locked";
        await using var command = Command(scope, sql, ("space", UserLockSpace), ("key", Key(userId)));
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>A transaction-level advisory lock on the story's log; two stories whose ids fold to one key only wait for each other.</summary>
    public override async Task LockStoryEventsAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken)
    {
        await using var command = Command(scope, "select true as locked from (select pg_advisory_xact_lock(@space, @key)) as held",
            ("space", StoryEventLockSpace), ("key", Key(storyId)));
        await command.ExecuteScalarAsync(cancellationToken);
    }

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

    protected override async Task<DatabaseTransaction> BeginAsync(Guid? userId, bool write, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var role = userId is null ? Roles.Worker : Roles.Request;
            if (!string.IsNullOrEmpty(role))
            {
                await using var command = new NpgsqlCommand(SwitchRole, connection, transaction);
                // Workers carry no user: empty claims, so auth.uid() is null in any policy that asks.
                command.Parameters.AddWithValue("claims", userId is { } id ? Claims(id) : "{}");
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
        var switchRole = new NpgsqlBatchCommand(SwitchRole);
        switchRole.Parameters.AddWithValue("claims", "{}");
        switchRole.Parameters.AddWithValue("role", Roles.Worker);
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            statement.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }
        batch.BatchCommands.Add(switchRole);
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
