using System.Data.Common;
using Npgsql;
using StoryMedia.Data;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>
/// PostgreSQL's Row Level Security on its own, without the stores' owner filters: the stores' SQL run directly
/// in a transaction as the request role with another user's claims. The same statements as the owner or with
/// the right claims do see the rows, so each empty answer is RLS at work.
/// </summary>
public sealed class RowLevelSecurityTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid alice = Guid.NewGuid();
    private readonly Guid bob = Guid.NewGuid();

    private const string SelectStoryById = "select id, user_id, title, style, created_at, video_key from stories where id = @story_id";

    private sealed record Fixture(Stores Stores, Story Story, Job Job);

    private async Task<Fixture> AlicesStoryWithAJobAsync(Stores stores)
    {
        var story = await stores.NewStoryAsync(alice);
        var now = DateTimeOffset.UtcNow;
        Assert.IsType<StartOutcome.Started>(await stores.Jobs.StartAsync(ImageJobKind.Kind, new NewJob(story.Id, alice, null, null), Stores.Unbounded, now, now.AddMinutes(-5), "stale", None));
        var job = (await stores.Jobs.ClaimAsync("w1", now, TimeSpan.FromMinutes(1), 3, int.MaxValue, None)).Claimed!;
        Assert.True(await stores.RecordSceneImageAsync(new JobLease(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts), story.Scenes[0].Id, "a.png", Stores.Made, None));
        return new Fixture(stores, story, job);
    }

    /// <summary>Each read of the stores, with Alice's ids passed as if the application had not checked the owner.</summary>
    private static (string Name, string Sql, (string, object?)[] Parameters)[] Reads(Fixture f, Guid claimedOwner)
    {
        var image = new JobSql(new ImageJobKind(), "", "");
        return
        [
            ("story owned", JobSql.StoryOwned, [("story_id", f.Story.Id), ("user_id", claimedOwner)]),
            ("story by id (no owner filter)", SelectStoryById, [("story_id", f.Story.Id)]),
            ("story of owner", StoryStore.SelectOwned, [("story_id", f.Story.Id), ("user_id", claimedOwner)]),
            ("story summaries", StoryStore.SelectSummaries + StoryStore.NewestFirst, [("user_id", claimedOwner), ("limit", 100)]),
            ("story summaries after a cursor", StoryStore.SelectSummaries + StoryStore.AfterCursor + StoryStore.NewestFirst,
                [("user_id", claimedOwner), ("limit", 100), ("after_created_at", DateTimeOffset.UtcNow.AddDays(1)), ("after_id", Guid.Empty)]),
            ("scenes", StoryStore.SelectScenes, [("story_id", f.Story.Id)]),
            ("job", image.GetOwned, [("job_id", f.Job.Id), ("user_id", claimedOwner)]),
            ("job history", image.ListOwned, [("story_id", f.Story.Id), ("user_id", claimedOwner), ("limit", 50)]),
            ("running job", image.Running, [("story_id", f.Story.Id)]),
            ("job scene images", ImageJobSql.SceneImagesOfJob, [("job_id", f.Job.Id)]),
            // A start reads its user's last turn for the queue position (migration 0016).
            ("the user's last turn", "select last_claimed_at from job_turns where user_id = @user_id", [("user_id", claimedOwner)]),
        ];
    }

    private static async Task<int> CountRowsAsync(Database database, DatabaseTransaction scope, string sql, (string, object?)[] parameters)
    {
        await using var command = database.Command(scope, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(None);
        var rows = 0;
        while (await reader.ReadAsync(None))
        {
            rows++;
        }
        return rows;
    }

    [Fact]
    public async Task Another_users_claims_see_none_of_the_rows_the_stores_read_even_with_the_owner_filter_forged()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var f = await AlicesStoryWithAJobAsync(stores);

        foreach (var (name, sql, parameters) in Reads(f, claimedOwner: alice))
        {
            await using (var asBob = await stores.Database.BeginReadAsUserAsync(bob, None))
            {
                Assert.True(await CountRowsAsync(stores.Database, asBob, sql, parameters) == 0, $"Bob's claims read Alice's rows through '{name}'.");
            }
            await using (var asAlice = await stores.Database.BeginReadAsUserAsync(alice, None))
            {
                Assert.True(await CountRowsAsync(stores.Database, asAlice, sql, parameters) > 0, $"Alice's claims should read her rows through '{name}'.");
            }
        }
    }

    [Fact]
    public async Task Another_users_claims_cannot_clear_or_publish_or_edit_scenes_and_cannot_start_a_job_on_the_story()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var f = await AlicesStoryWithAJobAsync(stores);
        var image = new JobSql(new ImageJobKind(), "", "");
        var now = DateTimeOffset.UtcNow;

        await using (var asBob = await stores.Database.BeginWriteAsUserAsync(bob, None))
        {
            Assert.Equal(0, await CountRowsAsync(stores.Database, asBob, image.ClearByUser, [("story_id", f.Story.Id), ("user_id", alice), ("now", now), ("error", "x")]));
            Assert.Equal(0, await CountRowsAsync(stores.Database, asBob, image.ClearStale, [("story_id", f.Story.Id), ("stale_before", now.AddDays(1)), ("now", now), ("error", "x")]));
            await using var update = stores.Database.Command(asBob, "update image_generation_jobs set status = 'failed' where id = @id", ("id", f.Job.Id));
            Assert.Equal(0, await update.ExecuteNonQueryAsync(None));
            // The scene edit's statements with Alice as the forged owner, and a bare update of her scene's text.
            Assert.Equal(0, await CountRowsAsync(stores.Database, asBob, StoryStore.MoveScenesAside, [("story_id", f.Story.Id), ("user_id", alice)]));
            Assert.Equal(0, await CountRowsAsync(stores.Database, asBob, StoryStore.UpdateScene,
                [("scene_id", f.Story.Scenes[0].Id), ("story_id", f.Story.Id), ("user_id", alice), ("position", 1), ("text", "Bob was here")]));
            await using var edit = stores.Database.Command(asBob, "update scenes set text = 'Bob was here' where id = @id", ("id", f.Story.Scenes[0].Id));
            Assert.Equal(0, await edit.ExecuteNonQueryAsync(None));
            await asBob.CommitAsync(None);
        }
        await using (var asBob = await stores.Database.BeginWriteAsUserAsync(bob, None))
        {
            // The start's insert, as Bob for Alice's story, with himself or Alice as the owner, inserts nothing: the story
            // it checks is not his to read.
            foreach (var owner in new[] { bob, alice })
            {
                Assert.Equal(0, await CountRowsAsync(stores.Database, asBob, image.Insert,
                    [("id", Guid.NewGuid()), ("story_id", f.Story.Id), ("user_id", owner), ("now", now), ("style", null), ("instructions", null)]));
            }
        }
        foreach (var owner in new[] { bob, alice })
        {
            // A bare insert, without the start's check, breaks the insert policy.
            await using var asBob = await stores.Database.BeginWriteAsUserAsync(bob, None);
            var insert = await Assert.ThrowsAsync<PostgresException>(() => CountRowsAsync(stores.Database, asBob,
                "insert into image_generation_jobs (id, story_id, user_id, status) values (@id, @story_id, @user_id, 'processing')",
                [("id", Guid.NewGuid()), ("story_id", f.Story.Id), ("user_id", owner)]));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        }
        await using (var asBob = await stores.Database.BeginWriteAsUserAsync(bob, None))
        {
            var scene = await Assert.ThrowsAsync<PostgresException>(() => CountRowsAsync(stores.Database, asBob, StoryStore.InsertScene,
                [("id", Guid.NewGuid()), ("story_id", f.Story.Id), ("position", 99), ("text", "Bob was here")]));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, scene.SqlState);
        }

        var job = await stores.Jobs.GetAsync(ImageJobKind.Kind, f.Job.Id, alice, None);
        Assert.Equal(JobStatus.Processing, job!.Status);
        Assert.Equal(f.Story.Scenes, (await stores.Stories.GetAsync(f.Story.Id, alice, None))!.Scenes);
    }

    [Fact]
    public async Task The_request_role_without_claims_sees_nothing_and_may_delete_nothing()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var f = await AlicesStoryWithAJobAsync(stores);
        var postgres = (PostgresDatabase)stores.Database;

        await using (var scope = await OpenAsync(postgres, postgres.Roles.Request, claims: "{}"))
        {
            Assert.Equal(0, await CountRowsAsync(stores.Database, scope, SelectStoryById, [("story_id", f.Story.Id)]));
        }
        await using (var asAlice = await stores.Database.BeginWriteAsUserAsync(alice, None))
        {
            await using var delete = stores.Database.Command(asAlice, "delete from stories where id = @id", ("id", f.Story.Id));
            var denied = await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync(None));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }
    }

    [Fact]
    public async Task The_worker_role_reads_every_users_jobs_but_cannot_create_stories_or_jobs()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var f = await AlicesStoryWithAJobAsync(stores);

        await using (var worker = await stores.Database.BeginReadAsync(None))
        {
            Assert.Equal(1, await CountRowsAsync(stores.Database, worker, new JobSql(new ImageJobKind(), "", "").Running, [("story_id", f.Story.Id)]));
        }
        await using (var worker = await stores.Database.BeginWriteAsync(None))
        {
            var denied = await Assert.ThrowsAsync<PostgresException>(() => CountRowsAsync(stores.Database, worker, StoryStore.InsertStory,
                [("id", Guid.NewGuid()), ("user_id", alice), ("title", "t"), ("style", ""), ("created_at", DateTimeOffset.UtcNow)]));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }
    }

    /// <summary>
    /// A guard on every later migration: a table the request role can touch must have RLS on, and the worker
    /// needs a policy of its own on it; neither role may own tables or bypass RLS.
    /// </summary>
    [Fact]
    public async Task Every_table_the_request_role_can_read_has_row_level_security_and_a_worker_policy()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);
        var postgres = (PostgresDatabase)stores.Database;
        await using var connection = await postgres.OpenAsync(None);

        var exempt = await ScalarsAsync(connection,
            "select rolname from pg_roles where rolname = any(@roles) and (rolsuper or rolbypassrls or rolcanlogin)",
            ("roles", new[] { postgres.Roles.Request, postgres.Roles.Worker }));
        Assert.Empty(exempt);
        var owned = await ScalarsAsync(connection,
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and pg_get_userbyid(c.relowner) = any(@roles)",
            ("roles", new[] { postgres.Roles.Request, postgres.Roles.Worker }));
        Assert.Empty(owned);
        var unprotected = await ScalarsAsync(connection, """
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity
               and (has_table_privilege(@request, c.oid, 'select') or has_table_privilege(@worker, c.oid, 'select'))
            """, ("request", postgres.Roles.Request), ("worker", postgres.Roles.Worker));
        Assert.Empty(unprotected);
        var withoutWorkerPolicy = await ScalarsAsync(connection, """
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity and has_table_privilege(@worker, c.oid, 'select')
               and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname and @worker = any(p.roles))
            """, ("worker", postgres.Roles.Worker));
        Assert.Empty(withoutWorkerPolicy);
        Assert.Empty(await ScalarsAsync(connection,
            "select 'schema_migrations' where has_table_privilege(@request, 'schema_migrations', 'select')", ("request", postgres.Roles.Request)));
    }

    /// <summary>Like Supabase's postgres: owns the database and may create roles, but is no superuser.</summary>
    [Fact]
    public async Task A_login_that_owns_the_tables_without_being_superuser_migrates_and_its_requests_obey_rls()
    {
        var cluster = await SharedPostgres.GetAsync();
        var login = $"owner_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync(None);
            foreach (var statement in new[] { $"create role {login} login createrole nosuperuser", $"create database {login} owner {login}" })
            {
                await using var create = new NpgsqlCommand(statement, admin);
                await create.ExecuteNonQueryAsync(None);
            }
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Username = login, Database = login, Pooling = true }.ConnectionString;
        var database = new PostgresDatabase(NpgsqlDataSource.Create(connectionString));
        await using var stores = new Stores(database);
        await Stores.MigratorFor(database).MigrateAsync(None);
        var f = await AlicesStoryWithAJobAsync(stores);

        foreach (var (name, sql, parameters) in Reads(f, claimedOwner: alice))
        {
            await using var asBob = await stores.Database.BeginReadAsUserAsync(bob, None);
            Assert.True(await CountRowsAsync(stores.Database, asBob, sql, parameters) == 0, $"Bob's claims read Alice's rows through '{name}'.");
        }
        Assert.Equal(f.Job.Id, (await stores.Jobs.GetAsync(ImageJobKind.Kind, f.Job.Id, alice, None))?.Id);
        Assert.Null(await stores.Jobs.GetAsync(ImageJobKind.Kind, f.Job.Id, bob, None));
    }

    private static async Task<DatabaseTransaction> OpenAsync(PostgresDatabase database, string role, string claims)
    {
        var connection = await database.DataSource.OpenConnectionAsync(None);
        var transaction = await connection.BeginTransactionAsync(None);
        await using var command = new NpgsqlCommand("select set_config('request.jwt.claims', @claims, true), set_config('role', @role, true)", connection, transaction);
        command.Parameters.AddWithValue("claims", claims);
        command.Parameters.AddWithValue("role", role);
        await command.ExecuteNonQueryAsync(None);
        return new DatabaseTransaction(connection, transaction, null);
    }

    private static async Task<List<string>> ScalarsAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync(None);
        var values = new List<string>();
        while (await reader.ReadAsync(None))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
