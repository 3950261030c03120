using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Data;

public sealed class MigrationTests
{
    private static readonly string[] SeedColumns = ["id", "story_id", "status", "progress", "error", "started_at", "completed_at", "created_at"];

    [Fact]
    public async Task Instances_starting_together_on_a_fresh_postgres_apply_each_migration_once()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);

        var instances = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ServiceInstance.StartAsync(backend)));
        try
        {
            await using var data = NpgsqlDataSource.Create(backend.ConnectionString);
            var applied = await data.CreateCommand("select count(*) from schema_migrations").ExecuteScalarAsync();
            Assert.Equal((long)instances[0].Get<Migrator>().All().Count(), applied);
            var story = await instances[3].Client(Guid.NewGuid()).CreateStoryAsync();
            Assert.NotEqual(Guid.Empty, story.Id);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task The_jobs_table_has_every_column_the_seed_names_and_migrating_again_changes_nothing(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var sql = provider == Backend.Postgres
            ? "select column_name from information_schema.columns where table_name = 'image_generation_jobs'"
            : "select name from pragma_table_info('image_generation_jobs')";

        var columns = new List<string>();
        await using (var connection = await stores.Database.OpenAsync(CancellationToken.None))
        await using (var command = stores.Database.Command(connection, sql, null))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }
        var again = await Stores.MigratorFor(stores.Database).MigrateAsync(CancellationToken.None);

        Assert.Superset(SeedColumns.ToHashSet(), columns.ToHashSet());
        Assert.Empty(again);
    }

    [Fact]
    public async Task On_postgres_row_level_security_is_on_and_auth_uid_reads_the_request_claims()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var data = ((PostgresDatabase)stores.Database).DataSource;
        var user = Guid.NewGuid();

        var secured = await data.CreateCommand(
            "select count(*) from pg_class where relname in ('stories', 'scenes', 'image_generation_jobs') and relrowsecurity").ExecuteScalarAsync();
        await using var connection = await data.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            "select set_config('request.jwt.claims', @claims, true); select auth.uid();", connection, transaction);
        command.Parameters.AddWithValue("claims", $$"""{"sub":"{{user}}","role":"authenticated"}""");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();

        Assert.Equal(3L, secured);
        Assert.Equal(user, reader.GetGuid(0));
    }
}
