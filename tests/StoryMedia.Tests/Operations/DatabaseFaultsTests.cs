using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Jobs;

namespace StoryMedia.Tests.Operations;

/// <summary>Which failures mean "the database is away, try again" (503, a paused job) and which do not.</summary>
public sealed class DatabaseFaultsTests
{
    public static TheoryData<Exception> Unavailable => new()
    {
        new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)),
        new NpgsqlException("The connection pool has been exhausted", new TimeoutException()),
        new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"),
        new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"),
        new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300"),
        new SqliteException("database is locked", 5),
        new InvalidOperationException("wrapped", new NpgsqlException("Exception while reading from stream")),
    };

    public static TheoryData<Exception> NotUnavailable => new()
    {
        new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505"),
        new PostgresException("syntax error", "ERROR", "ERROR", "42601"),
        new SqliteException("no such table", 1),
        // An image provider that cannot be reached is the job's failure, not the database's.
        new JobFailedException("Scene 1: the provider could not be reached", new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))),
        new TimeoutException(),
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void A_database_that_is_away_is_recognised(Exception exception) => Assert.True(DatabaseFaults.IsUnavailable(exception));

    [Theory]
    [MemberData(nameof(NotUnavailable))]
    public void Other_failures_are_not_taken_for_an_outage(Exception exception) => Assert.False(DatabaseFaults.IsUnavailable(exception));
}
