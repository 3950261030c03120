using Microsoft.Data.Sqlite;
using Npgsql;

namespace StoryMedia.Data;

/// <summary>Tells a database that is away for a moment (stopped, restarting, connections killed, busy) from a bug.</summary>
public static class DatabaseFaults
{
    /// <summary>How long a client is asked to wait before it tries again while the database is away.</summary>
    public const int RetryAfterSeconds = 2;

    public static bool IsUnavailable(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                // Server-side errors that mean "not now": shutting down, starting up, connection killed,
                // too many connections, connection failures (class 08).
                case PostgresException pg:
                    return pg.IsTransient || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
                // Anything else Npgsql raises below the SQL level is the connection: refused, reset, timed out,
                // pool exhausted. (A bare SocketException or TimeoutException is not counted: an image
                // provider's HTTP call raises those too, and they are no reason to wait for the database.)
                case NpgsqlException:
                    return true;
                case SqliteException { SqliteErrorCode: 5 or 6 }:
                    return true;
            }
        }
        return false;
    }
}
