using Npgsql;
using StoryMedia.Jobs;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>
/// The service deployed on a database shaped like a Supabase project, probed the way the project's public REST API
/// reaches it: as <c>anon</c> (the public key) and as <c>authenticated</c> with a user's JWT claims, under Supabase's
/// default grants. A user may at most read their own rows there; nothing written through that API goes around the
/// service. One project, one service instance and one illustrated story per class.
/// </summary>
public sealed class SupabaseProjectTests(SupabaseProjectTests.Deployment deployment) : IClassFixture<SupabaseProjectTests.Deployment>
{
    private const string Denied = PostgresErrorCodes.InsufficientPrivilege;

    public sealed class Deployment : IAsyncLifetime
    {
        public SupabaseProject Project { get; private set; } = null!;

        public ServiceInstance Service { get; private set; } = null!;

        public Guid Alice { get; } = Guid.NewGuid();

        public Guid Bob { get; } = Guid.NewGuid();

        public StoryView AlicesStory { get; private set; } = null!;

        public JobView AlicesJob { get; private set; } = null!;

        public StoryView BobsStory { get; private set; } = null!;

        public string AuthUidBefore { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Project = await SupabaseProject.CreateAsync();
            AuthUidBefore = await ScalarAsync(Project.AdminConnectionString, "select pg_get_functiondef('auth.uid()'::regprocedure)");
            Service = await ServiceInstance.StartAsync(Project.Backend);
            using var alice = Service.Client(Alice);
            AlicesStory = await alice.CreateStoryAsync(scenes: 2);
            AlicesJob = await alice.WaitUntilFinishedAsync((await alice.StartAsync(AlicesStory.Id)).Id);
            AlicesStory = await alice.GetStoryAsync(AlicesStory.Id);
            using var bob = Service.Client(Bob);
            BobsStory = await bob.CreateStoryAsync(scenes: 1);
        }

        public async Task DisposeAsync() => await Service.DisposeAsync();
    }

    [Fact]
    public async Task The_service_migrates_as_a_login_that_is_no_superuser_keeps_the_projects_auth_uid_and_runs_a_whole_job()
    {
        Assert.Equal("off", await ScalarAsync(deployment.Project.ConnectionString, "select current_setting('is_superuser')"));
        // Policies hold auth.uid() resolved: the service's roles need no usage on an auth schema the login cannot grant.
        Assert.Equal("False", await ScalarAsync(deployment.Project.AdminConnectionString, "select has_schema_privilege('storymedia_api', 'auth', 'usage')"));
        Assert.Equal(deployment.AuthUidBefore, await ScalarAsync(deployment.Project.AdminConnectionString, "select pg_get_functiondef('auth.uid()'::regprocedure)"));
        Assert.Equal(JobStatus.Completed, deployment.AlicesJob.Status);
        Assert.All(deployment.AlicesStory.Scenes, scene => Assert.NotNull(scene.ImageUrl));
    }

    [Fact]
    public async Task Anon_can_neither_read_nor_change_any_table_the_service_created_not_even_the_migration_history()
    {
        var tables = await TablesInPublicAsync();
        Assert.Contains("schema_migrations", tables);

        foreach (var table in tables)
        {
            foreach (var statement in new[] { $"select * from {table}", $"delete from {table}", $"update {table} set {FirstColumn(table)} = {FirstColumn(table)}" })
            {
                var error = await FailureAsAsync("anon", null, statement);
                Assert.True(error == Denied, $"anon ran '{statement}': {error ?? "allowed"}");
            }
        }
        Assert.NotEqual("0", await ScalarAsync(deployment.Project.AdminConnectionString, "select count(*) from schema_migrations"));
    }

    [Fact]
    public async Task Authenticated_reads_the_users_own_rows_and_no_one_elses()
    {
        var (alice, bob) = (deployment.Alice, deployment.Bob);
        var story = deployment.AlicesStory.Id;
        var job = deployment.AlicesJob.Id;
        var reads = new (string Sql, int AlicesRows)[]
        {
            ($"select id from stories where id = '{story}'", 1),
            ($"select id from scenes where story_id = '{story}'", 2),
            ($"select id from image_generation_jobs where id = '{job}'", 1),
            ($"select scene_id from image_generation_job_scenes where job_id = '{job}'", 2),
            ($"select scene_id from image_generation_job_plans where job_id = '{job}'", 2),
            ($"select seq from story_events where story_id = '{story}' and job_id = '{job}' and type = 'started'", 1),
        };

        foreach (var (sql, alicesRows) in reads)
        {
            Assert.True(await RowsAsAsync("authenticated", alice, sql) == alicesRows, $"Alice should read her rows through '{sql}'.");
            Assert.True(await RowsAsAsync("authenticated", bob, sql) == 0, $"Bob read Alice's rows through '{sql}'.");
        }
        Assert.Equal(1, await RowsAsAsync("authenticated", bob, "select id from stories"));
    }

    [Fact]
    public async Task Authenticated_cannot_write_even_the_users_own_rows()
    {
        var alice = deployment.Alice;
        var (story, job, victim) = (deployment.AlicesStory, deployment.AlicesJob.Id, deployment.BobsStory.Id);
        var writes = new[]
        {
            // The attack found: a finished job pointed at another user's story and revived for a worker to run.
            $"update image_generation_jobs set story_id = '{victim}', status = 'processing', attempts = 0 where id = '{job}'",
            $"update image_generation_jobs set status = 'processing' where id = '{job}'",
            $"insert into image_generation_jobs (story_id, user_id, status) values ('{story.Id}', '{alice}', 'processing')",
            $"insert into video_generation_jobs (story_id, user_id, status) values ('{story.Id}', '{alice}', 'processing')",
            $"insert into narration_generation_jobs (story_id, user_id, status) values ('{story.Id}', '{alice}', 'processing')",
            $"update scenes set audio_key = 'x.m4a', audio_text = text where story_id = '{story.Id}'",
            $"insert into stories (user_id, title) values ('{alice}', 'around the service')",
            $"update stories set title = 'renamed' where id = '{story.Id}'",
            $"update scenes set text = 'edited around the service' where story_id = '{story.Id}'",
            $"insert into image_generation_job_scenes (job_id, scene_id, image_key) values ('{job}', '{story.Scenes[0].Id}', 'x.png')",
            $"update image_generation_job_scenes set seed = 1, prompt = 'forged' where job_id = '{job}'",
            $"insert into image_generation_job_plans (job_id, scene_id, seed) values ('{job}', '{story.Scenes[0].Id}', 1)",
            $"update image_generation_job_plans set seed = 1 where job_id = '{job}'",
            $"update image_generation_job_plans set called_attempt = 1 where job_id = '{job}'",
            $"delete from image_generation_job_plans where job_id = '{job}'",
            $"delete from image_generation_jobs where id = '{job}'",
            // A user who could move their last turn back would jump the fair order.
            $"insert into job_turns (user_id, last_claimed_at) values ('{alice}', '2000-01-01')",
            $"update job_turns set last_claimed_at = '2000-01-01' where user_id = '{alice}'",
            $"delete from stories where id = '{story.Id}'",
            // A forged answer would be replayed to the user's next retry with that key.
            $"insert into idempotent_requests (user_id, idempotency_key, fingerprint, claim_id, created_at, status_code) values ('{alice}', 'k', 'f', gen_random_uuid(), now(), 202)",
            $"delete from idempotent_requests where user_id = '{alice}'",
            // A forged subscription or delivery would send the user's jobs, signed by the service, anywhere.
            $"insert into job_webhooks (job_id, job_kind, user_id, url, events, created_at) values ('{job}', 'image', '{alice}', 'https://attacker.example/', 'completed', now())",
            $"insert into webhook_deliveries (id, job_id, job_kind, user_id, event, seq, destination, url, body, created_at, next_attempt_at, retry_until) values (gen_random_uuid(), '{job}', 'image', '{alice}', 'completed', 1, 'start', 'https://attacker.example/', '{{}}', now(), now(), now())",
            $"update webhook_deliveries set url = 'https://attacker.example/', status = 'pending' where user_id = '{alice}'",
            // A forged event would reach every tab following the story and every webhook.
            $"insert into story_events (story_id, seq, user_id, type, data, created_at) values ('{story.Id}', 1000, '{alice}', 'completed', '{{}}', now())",
            $"update story_events set type = 'failed' where story_id = '{story.Id}'",
            $"delete from story_events where story_id = '{story.Id}'",
        };

        foreach (var write in writes)
        {
            var error = await FailureAsAsync("authenticated", alice, write);
            Assert.True(error == Denied, $"Alice ran '{write}' through the public API: {error ?? "allowed"}");
        }
        using var client = deployment.Service.Client(alice);
        var seen = await client.GetJobAsync(job);
        Assert.Equal((JobStatus.Completed, story.Id, 1), (seen.Status, seen.StoryId, seen.Attempts));
        Assert.Equal(story.Scenes, (await client.GetStoryAsync(story.Id)).Scenes);
    }

    [Fact]
    public async Task The_service_roles_change_a_jobs_state_but_never_whose_it_is_or_which_story_it_is_for()
    {
        var (alice, job, victim) = (deployment.Alice, deployment.AlicesJob.Id, deployment.BobsStory.Id);
        var asRequest = new[]
        {
            $"update image_generation_jobs set story_id = '{victim}' where id = '{job}'",
            $"update image_generation_jobs set user_id = '{deployment.Bob}' where id = '{job}'",
            $"update image_generation_jobs set attempts = 0 where id = '{job}'",
            // Its one change to a job is to fail it: a finished job cannot be revived.
            $"update image_generation_jobs set status = 'processing' where id = '{job}'",
        };
        foreach (var write in asRequest)
        {
            var error = await FailureAsAsync("storymedia_api", alice, write);
            Assert.True(error == Denied, $"The request role ran '{write}': {error ?? "allowed"}");
        }
        foreach (var write in asRequest[..2])
        {
            var error = await FailureAsAsync("storymedia_worker", null, write);
            Assert.True(error == Denied, $"The worker role ran '{write}': {error ?? "allowed"}");
        }
    }

    [Fact]
    public async Task A_request_reads_its_own_users_turn_for_the_queue_position_and_no_one_elses()
    {
        // Alice's job was claimed, so her last turn is recorded; Bob has none, and Alice's is not his to read.
        Assert.Equal(1, await RowsAsAsync("storymedia_api", deployment.Alice, "select last_claimed_at from job_turns"));
        Assert.Equal(0, await RowsAsAsync("storymedia_api", deployment.Bob, "select last_claimed_at from job_turns"));
        Assert.Equal(Denied, await FailureAsAsync("authenticated", deployment.Alice, "select last_claimed_at from job_turns"));
    }

    [Fact]
    public async Task A_worker_renders_nothing_of_a_story_that_does_not_belong_to_the_jobs_user()
    {
        var mallory = Guid.NewGuid();
        var story = deployment.AlicesStory;
        var forged = Guid.NewGuid();
        // Only the tables' owner can still write such a row; the worker must not trust it either.
        await deployment.Project.ExecuteAsAdminAsync(
            $"insert into image_generation_jobs (id, story_id, user_id, status) values ('{forged}', '{story.Id}', '{mallory}', 'processing')");

        var state = $"select status || ':' || coalesce(error, '') from image_generation_jobs where id = '{forged}'";
        await Eventually.TrueAsync(async () => !(await ScalarAsync(deployment.Project.AdminConnectionString, state)).StartsWith("processing", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var job = await ScalarAsync(deployment.Project.AdminConnectionString, state);

        Assert.Equal("failed:The story no longer exists.", job);
        Assert.Equal("0", await ScalarAsync(deployment.Project.AdminConnectionString, $"select count(*) from image_generation_job_scenes where job_id = '{forged}'"));
        using var alice = deployment.Service.Client(deployment.Alice);
        Assert.Equal(story.Scenes, (await alice.GetStoryAsync(story.Id)).Scenes);
    }

    [Fact]
    public async Task Every_table_in_the_exposed_schema_has_row_level_security_policies_for_named_roles_and_no_writes_for_the_api_roles()
    {
        var admin = deployment.Project.AdminConnectionString;

        Assert.Empty(await ColumnAsync(admin, "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity"));
        Assert.Empty(await ColumnAsync(admin, "select tablename || ': ' || policyname from pg_policies where schemaname = 'public' and 'public' = any(roles)"));
        Assert.Empty(await ColumnAsync(admin, """
            select c.relname || ' ' || r.rolname || ' ' || p.privilege
              from pg_class c
              cross join (values ('anon'), ('authenticated')) r(rolname)
              cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate'), ('references'), ('trigger')) p(privilege)
             where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
               and not (r.rolname = 'authenticated' and p.privilege = 'select' and c.relname <> 'schema_migrations')
               and (has_table_privilege(r.rolname, c.oid, p.privilege)
                    or (p.privilege in ('select', 'insert', 'update', 'references') and has_any_column_privilege(r.rolname, c.oid, p.privilege)))
            """));
    }

    [Theory]
    [InlineData("Database:RequestRole", "authenticated")]
    [InlineData("Database:RequestRole", "anon")]
    [InlineData("Database:WorkerRole", "service_role")]
    public async Task The_service_refuses_to_run_as_a_role_of_the_public_api(string setting, string role)
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceInstance.StartAsync(deployment.Project.Backend, new Dictionary<string, string?> { [setting] = role }));

        Assert.Contains($"{setting} must not be '{role}'", refused.Message, StringComparison.Ordinal);
    }

    private async Task<List<string>> TablesInPublicAsync() =>
        await ColumnAsync(deployment.Project.AdminConnectionString, "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1");

    private static string FirstColumn(string table) => table switch
    {
        "schema_migrations" => "version",
        "idempotent_requests" => "user_id",
        "job_turns" => "user_id",
        "job_webhooks" => "job_id",
        "story_events" => "story_id",
        _ when table.EndsWith("_scenes", StringComparison.Ordinal) || table.EndsWith("_plans", StringComparison.Ordinal) || table == "job_trace_parents" => "job_id",
        _ => "id",
    };

    /// <summary>Runs one statement through the public API's role; null when it was allowed, else the SQL state.</summary>
    private async Task<string?> FailureAsAsync(string role, Guid? user, string sql)
    {
        var (connection, transaction) = await AsAsync(role, user);
        await using (connection)
        await using (transaction)
        {
            try
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction);
                await command.ExecuteNonQueryAsync();
                return null;
            }
            catch (PostgresException ex)
            {
                return ex.SqlState;
            }
        }
    }

    private async Task<int> RowsAsAsync(string role, Guid user, string sql)
    {
        var (connection, transaction) = await AsAsync(role, user);
        await using (connection)
        await using (transaction)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
            }
            return rows;
        }
    }

    /// <summary>The public API's roles as PostgREST uses them, or the service's own roles with a user's claims.</summary>
    private Task<(NpgsqlConnection, NpgsqlTransaction)> AsAsync(string role, Guid? user) => deployment.Project.AsPublicApiAsync(role, user);

    private static async Task<string> ScalarAsync(string connectionString, string sql) =>
        (await ColumnAsync(connectionString, sql)).SingleOrDefault() ?? "";

    private static async Task<List<string>> ColumnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return values;
    }
}
