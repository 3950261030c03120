using System.Data.Common;
using System.Reflection;

namespace StoryMedia.Data;

/// <summary>An assembly whose embedded resources <c>migrations/{Provider}/NNNN_name.sql</c> are migrations.</summary>
public sealed record MigrationSource(Assembly Assembly);

/// <summary>
/// Applies the numbered plain-SQL migrations of the active dialect, each once, in its own transaction, in the order of
/// their names across every registered source. On PostgreSQL an advisory lock makes instances that start together take turns.
/// </summary>
public sealed class Migrator(Database database, IEnumerable<MigrationSource> sources, TimeProvider time, ILogger<Migrator> logger)
{
    // Any fixed number, shared by every instance of the service.
    private const long AdvisoryLockKey = 0x53746F72794D6564;

    private const string CreateHistory = "create table if not exists schema_migrations (version text primary key, applied_at text not null)";

    /// <summary>
    /// On Supabase the history lands in the API-exposed schema with the default grants to anon and authenticated:
    /// Row Level Security with no policy and no grants keep it the owner's alone (deleting it would re-run migrations).
    /// </summary>
    private const string LockHistoryAway = """
        alter table schema_migrations enable row level security;
        revoke all on schema_migrations from public;
        do $$
        begin
          if exists (select 1 from pg_roles where rolname = 'anon') then
            revoke all on schema_migrations from anon;
          end if;
          if exists (select 1 from pg_roles where rolname = 'authenticated') then
            revoke all on schema_migrations from authenticated;
          end if;
        end
        $$;
        """;

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var postgres = database.Provider == DatabaseProvider.Postgres;
        if (postgres)
        {
            await ExecuteAsync(connection, $"select pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        }
        try
        {
            await ExecuteAsync(connection, CreateHistory, cancellationToken);
            if (postgres)
            {
                await ExecuteAsync(connection, LockHistoryAway, cancellationToken);
            }
            var applied = await AppliedAsync(connection, cancellationToken);
            var done = new List<string>();
            foreach (var (version, sql) in Pending(applied))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, sql, cancellationToken, transaction);
                await using var record = database.Command(
                    connection,
                    "insert into schema_migrations (version, applied_at) values (@version, @applied_at)",
                    transaction,
                    ("version", version),
                    ("applied_at", time.GetUtcNow().ToString("O")));
                await record.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version}", version);
                done.Add(version);
            }
            return done;
        }
        finally
        {
            if (postgres)
            {
                await ExecuteAsync(connection, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
        }
    }

    /// <summary>Migrations not yet applied to the database (all of them when it was never migrated).</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        HashSet<string> applied;
        try
        {
            applied = await AppliedAsync(connection, cancellationToken);
        }
        catch (DbException ex) when (!DatabaseFaults.IsUnavailable(ex))
        {
            // No schema_migrations table yet.
            applied = [];
        }
        return [.. Pending(applied).Select(m => m.Version)];
    }

    /// <summary>The dialect's migrations, ordered by their number, as embedded in the sources' assemblies.</summary>
    public IEnumerable<(string Version, string Sql)> All()
    {
        var prefix = $"migrations/{database.Provider}/";
        var resources = sources.Select(s => s.Assembly).Distinct()
            .SelectMany(assembly => assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
                .Select(name => (Assembly: assembly, Name: name)))
            .OrderBy(r => r.Name, StringComparer.Ordinal);
        foreach (var (assembly, name) in resources)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (Path.GetFileNameWithoutExtension(name[prefix.Length..]), reader.ReadToEnd());
        }
    }

    private IEnumerable<(string Version, string Sql)> Pending(HashSet<string> applied) =>
        All().Where(m => !applied.Contains(m.Version));

    private static async Task<HashSet<string>> AppliedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "select version from schema_migrations";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }
        return versions;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
