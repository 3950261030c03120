using System.Net;
using System.Net.Http.Headers;
using StoryMedia.Cli;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>The verbs of the server executable, run as a real process against a real PostgreSQL database.</summary>
public sealed class CommandLineTests
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task Migrate_applies_the_migrations_once_and_then_reports_the_database_up_to_date()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);

        var first = await ServerProcess.RunCommandAsync(backend, ["migrate"]);
        var second = await ServerProcess.RunCommandAsync(backend, ["migrate"]);

        Assert.Equal((ExitCodes.Ok, ""), (first.ExitCode, first.StdErr));
        Assert.StartsWith("Applied 0001_", first.StdOut, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Equal("The database is up to date.", second.StdOut.Trim());
    }

    [Fact]
    public async Task Jobs_list_and_clear_show_and_clear_a_storys_processing_job()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        // No workers: the job stays processing until it is cleared.
        await using var instance = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" });
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync();
        var job = await client.StartAsync(story.Id);
        string[] list = ["jobs", "list", "--story", story.Id.ToString()];

        var listed = await ServerProcess.RunCommandAsync(backend, list);
        var cleared = await ServerProcess.RunCommandAsync(backend, ["jobs", "clear", "--story", story.Id.ToString()]);
        var after = await Task.WhenAll(
            ServerProcess.RunCommandAsync(backend, ["jobs", "clear", "--story", story.Id.ToString()]),
            ServerProcess.RunCommandAsync(backend, [.. list, "--json"]));
        var (again, json) = (after[0], after[1]);

        Assert.Equal(ExitCodes.Ok, listed.ExitCode);
        Assert.Contains($"{job.Id}\tprocessing\t0%", listed.StdOut, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, cleared.ExitCode);
        Assert.StartsWith($"Cleared job {job.Id}", cleared.StdOut, StringComparison.Ordinal);
        Assert.Contains("nothing to clear", again.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"failed\"", json.StdOut, StringComparison.Ordinal);
        var seen = await client.GetJobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, JobCommands.ClearedByOperator), (seen.Status, seen.Error));
    }

    [Fact]
    public async Task Media_sweep_counts_in_a_dry_run_and_then_deletes_what_a_crash_left()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await ServerProcess.RunCommandAsync(backend, ["migrate"]);
        var media = TempDirectory.Create("media");
        var leftOver = Path.Combine(media, $".{MediaStore.NewKey(".mp4")}.tmp");
        await File.WriteAllBytesAsync(leftOver, new byte[100]);
        File.SetLastWriteTimeUtc(leftOver, DateTime.UtcNow.AddHours(-2));
        var settings = new Dictionary<string, string?> { ["Media:Path"] = media };

        var dry = await ServerProcess.RunCommandAsync(backend, ["media", "sweep", "--dry-run"], settings: settings);
        Assert.True(File.Exists(leftOver));
        var swept = await ServerProcess.RunCommandAsync(backend, ["media", "sweep"], settings: settings);

        Assert.Equal((ExitCodes.Ok, "Would delete 1 unreferenced files (100 bytes); kept 0 older files still in use."), (dry.ExitCode, dry.StdOut.Trim()));
        Assert.Equal((ExitCodes.Ok, "Deleted 1 unreferenced files (100 bytes); kept 0 older files still in use."), (swept.ExitCode, swept.StdOut.Trim()));
        Assert.False(File.Exists(leftOver));
    }

    [Fact]
    public async Task Verbs_answer_wrong_input_with_a_clear_message_and_an_exit_code()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await ServerProcess.RunCommandAsync(backend, ["migrate"]);
        var unreachable = backend with { ConnectionString = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2" };

        // Independent processes, run together to keep the test short.
        var runs = await Task.WhenAll(
            ServerProcess.RunCommandAsync(backend, ["--help"]),
            ServerProcess.RunCommandAsync(backend, ["jobs", "list"]),
            ServerProcess.RunCommandAsync(backend, ["jobs", "clear", "--story", "nope"]),
            ServerProcess.RunCommandAsync(backend, ["jobs", "list", "--story", Guid.NewGuid().ToString()]),
            ServerProcess.RunCommandAsync(unreachable, ["migrate"]),
            ServerProcess.RunCommandAsync(backend, ["token", "--user", user.ToString()]));
        var (help, missingStory, badId, unknownStory, noDatabase, tokenInProduction) = (runs[0], runs[1], runs[2], runs[3], runs[4], runs[5]);

        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        Assert.All(["migrate", "jobs", "token"], verb => Assert.Contains(verb, help.StdOut, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Usage, missingStory.ExitCode);
        Assert.Contains("--story", missingStory.StdErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, badId.ExitCode);
        Assert.Contains("Cannot parse argument 'nope' for option '--story'", badId.StdErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknownStory.ExitCode);
        Assert.Contains("There is no story", unknownStory.StdErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unavailable, noDatabase.ExitCode);
        Assert.StartsWith("The database cannot be reached", noDatabase.StdErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, tokenInProduction.ExitCode);
        Assert.Contains("only in the Development environment", tokenInProduction.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_refuses_in_Development_when_a_jwt_secret_is_configured()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);

        var refused = await ServerProcess.RunCommandAsync(
            backend, ["token", "--user", user.ToString()], environment: "Development", settings: new Dictionary<string, string?> { ["Auth:JwtSecret"] = TestTokens.Secret });

        Assert.Equal((ExitCodes.Usage, ""), (refused.ExitCode, refused.StdOut));
        Assert.StartsWith("The token command refuses while Auth:JwtSecret is configured", refused.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_in_Development_prints_a_token_the_service_accepts()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        await using var instance = await ServiceInstance.StartAsync(backend);

        var issued = await ServerProcess.RunCommandAsync(backend, ["token", "--user", user.ToString()], environment: "Development");

        Assert.Equal(ExitCodes.Ok, issued.ExitCode);
        using var client = instance.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.StdOut.Trim());
        using var response = await client.GetAsync(new Uri("/api/stories", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
