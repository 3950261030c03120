using Npgsql;

namespace StoryMedia.Data;

/// <summary>
/// <c>Database:PrepareStatements</c>: whether Npgsql prepares the statements a connection runs often, so PostgreSQL parses
/// and plans each once per connection instead of on every start (docs/operations.md). <c>auto</c> prepares unless the
/// connection goes through a transaction-mode pooler, where a prepared statement may be missing on the next
/// transaction's server connection: Supabase's pooler on port 6543 is recognised; for another such pooler set <c>off</c>.
/// A <c>Max Auto Prepare</c> in the connection string itself wins over <c>auto</c>.
/// </summary>
public static class PreparedStatements
{
    public const string Auto = "auto";
    public const string On = "on";
    public const string Off = "off";

    /// <summary>Supabase's transaction-mode pooler (Supavisor) listens here; its session mode and direct connections do not.</summary>
    public const int TransactionPoolerPort = 6543;

    // Every statement of every kind fits, with room: a statement that falls out is parsed again, nothing worse.
    private const int Slots = 128;

    /// <summary>The connection string with auto-preparation set as <paramref name="setting"/> says.</summary>
    public static string Apply(string connectionString, string? setting)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var prepare = (setting ?? Auto).Trim().ToLowerInvariant() switch
        {
            On => true,
            Off => false,
            Auto when builder.MaxAutoPrepare > 0 => true,
            Auto => builder.Port != TransactionPoolerPort,
            _ => throw new InvalidOperationException($"Database:PrepareStatements must be auto, on or off, not '{setting}'."),
        };
        if (!prepare)
        {
            builder.MaxAutoPrepare = 0;
        }
        else if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = Slots;
            builder.AutoPrepareMinUsages = 2;
        }
        return builder.ConnectionString;
    }
}
