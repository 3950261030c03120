using System.Security.Cryptography;
using Npgsql;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// A database in the shared cluster shaped like a Supabase project (shared/NOTES.md §10): the API roles anon,
/// authenticated and service_role; the default privileges that grant every table the project's login creates in
/// public to them; that login owning the database with CREATEROLE but no superuser; and an auth schema the login
/// does not own, with Supabase's own auth.uid(), which the migrations must keep.
/// </summary>
public sealed record SupabaseProject(string Login, string ConnectionString, string AdminConnectionString)
{
    /// <summary>Supabase's definition, kept apart from the migrations' shim so a test can see it was not replaced.</summary>
    public const string AuthUid = """
        create function auth.uid() returns uuid language sql stable as $$
          select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$
        """;

    public Backend Backend => new(Backend.Postgres, ConnectionString);

    public static async Task<SupabaseProject> CreateAsync()
    {
        var cluster = await SharedPostgres.GetAsync();
        var name = $"supabase_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        await ExecuteAsync(cluster.AdminConnectionString,
            // Roles are cluster-wide, and test classes run in parallel.
            """
            do $$
            declare r text;
            begin
              foreach r in array array['anon', 'authenticated', 'service_role', 'authenticator'] loop
                if not exists (select 1 from pg_roles where rolname = r) then
                  begin
                    execute format('create role %I %s noinherit', r,
                                   case r when 'authenticator' then 'login' when 'service_role' then 'nologin bypassrls' else 'nologin' end);
                  exception when duplicate_object or unique_violation then null;
                  end;
                end if;
              end loop;
            end $$
            """,
            $"create role {name} login createrole createdb bypassrls password 'dashboard'",
            $"grant anon, authenticated, service_role to {name}",
            $"grant anon, authenticated, service_role to authenticator",
            $"create database {name} owner {name}");
        var admin = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = name }.ConnectionString;
        await ExecuteAsync(admin,
            "create schema auth",
            "create table auth.users (id uuid primary key)",
            AuthUid,
            $"grant usage on schema auth to anon, authenticated, service_role, {name}",
            $"grant usage, create on schema public to {name}",
            "grant usage on schema public to anon, authenticated, service_role",
            $"alter default privileges for role {name} in schema public grant all on tables to anon, authenticated, service_role",
            $"alter default privileges for role {name} in schema public grant all on sequences to anon, authenticated, service_role",
            $"alter default privileges for role {name} in schema public grant all on functions to anon, authenticated, service_role");
        var login = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Username = name, Database = name, Pooling = true }.ConnectionString;
        return new SupabaseProject(name, login, admin);
    }

    /// <summary>
    /// A transaction as the project's REST API runs a request: <c>set role</c> to the key's role and, for a signed-in
    /// user, the JWT's claims in <c>request.jwt.claims</c>, as PostgREST sets them.
    /// </summary>
    public async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> AsPublicApiAsync(string role, Guid? user = null)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        var claims = user is { } id ? $$"""{"sub":"{{id}}","role":"{{role}}","aud":"authenticated"}""" : $$"""{"role":"{{role}}"}""";
        await using var command = new NpgsqlCommand("select set_config('role', @role, true), set_config('request.jwt.claims', @claims, true)", connection, transaction);
        command.Parameters.AddWithValue("role", role);
        command.Parameters.AddWithValue("claims", claims);
        await command.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    public Task ExecuteAsAdminAsync(params string[] statements) => ExecuteAsync(AdminConnectionString, statements);

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
