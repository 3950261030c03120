using System.Data.Common;
using Npgsql;

namespace StoryMedia.Data;

public sealed class PostgresDatabase(NpgsqlDataSource dataSource) : Database
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public override string SkipLocked => "for update skip locked";

    // Weaker than FOR UPDATE: it does not block other transactions' foreign-key checks on the row.
    public override string LockRows => "for no key update";

    public NpgsqlDataSource DataSource => dataSource;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new WriteScope(connection, transaction, gate: null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override object Bind(object value) => value;
}
