using Npgsql;
using StoryMedia.Data;

namespace StoryMedia.Tests.Data;

/// <summary>Database:PrepareStatements: prepared behind a direct connection, never behind Supabase's transaction-mode pooler.</summary>
public sealed class PreparedStatementsTests
{
    private static int MaxAutoPrepare(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare;

    [Theory]
    [InlineData("Host=db.example.supabase.co;Port=5432;Username=postgres", null, true)]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=6543;Username=postgres.abc", null, false)]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=6543;Username=postgres.abc", "auto", false)]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=6543;Username=postgres.abc", "on", true)]
    [InlineData("Host=localhost;Port=5432", "off", false)]
    [InlineData("Host=localhost;Port=5432", " ON ", true)]
    [InlineData("Host=localhost;Port=6543;Max Auto Prepare=8", "auto", true)]
    public void Auto_prepares_except_behind_supabases_transaction_pooler(string connectionString, string? setting, bool prepared)
    {
        var applied = PreparedStatements.Apply(connectionString, setting);

        Assert.Equal(prepared, MaxAutoPrepare(applied) > 0);
    }

    [Fact]
    public void An_unknown_value_is_refused_naming_the_setting()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => PreparedStatements.Apply("Host=localhost", "sometimes"));

        Assert.Contains("Database:PrepareStatements must be auto, on or off", refused.Message, StringComparison.Ordinal);
    }
}
