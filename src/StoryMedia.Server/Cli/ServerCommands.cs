using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using StoryMedia.Auth;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Media;

namespace StoryMedia.Cli;

/// <summary>Exit codes of the command-line verbs.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int NotFound = 2;
    public const int Unavailable = 3;
}

/// <summary>
/// The verbs of the server executable: <c>migrate</c>, <c>jobs list|clear --story ID</c>, <c>media sweep</c>, <c>media copy-to-s3</c> and, in Development
/// without a configured <c>Auth:JwtSecret</c>, <c>token --user ID</c>. Without a verb the executable runs the server. Configuration comes from
/// appsettings.json and environment variables, as for the server.
/// </summary>
public static class ServerCommands
{
    private static readonly string[] Verbs = ["migrate", "jobs", "media", "token", "--help", "-h", "-?", "--version"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0], StringComparer.Ordinal);

    public static Task<int> RunAsync(string[] args) => Build().Parse(args).InvokeAsync();

    public static RootCommand Build()
    {
        var root = new RootCommand("StoryMedia: media generation jobs for stories. Without a command, runs the server.");

        var migrate = new Command("migrate", "Applies pending database migrations and exits.");
        migrate.SetAction((_, ct) => WithServicesAsync(async services =>
        {
            var applied = await services.MigrateAsync(ct);
            Console.WriteLine(applied.Count == 0 ? "The database is up to date." : $"Applied {string.Join(", ", applied)}.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(JobCommands.Build());

        var dryRun = new Option<bool>("--dry-run") { Description = "Only count what would be deleted." };
        var sweep = new Command("sweep", "Deletes media files that no story shows and no running job uses, older than Media:SweepMinAge, from the configured store.") { dryRun };
        sweep.SetAction((parse, ct) => WithServicesAsync(async services =>
        {
            var result = await services.GetRequiredService<MediaSweeper>().SweepAsync(parse.GetValue(dryRun), ct);
            Console.WriteLine($"{(parse.GetValue(dryRun) ? "Would delete" : "Deleted")} {result.Deleted} unreferenced files ({result.DeletedBytes} bytes); kept {result.Kept} older files still in use.");
            return ExitCodes.Ok;
        }));
        root.Subcommands.Add(new Command("media", "Looks after the media storage.") { sweep, MediaCommands.Copy() });

        var user = new Option<Guid>("--user") { Description = "The user id (UUID) the token is for.", Required = true };
        var token = new Command("token", "Development only, without a configured Auth:JwtSecret: prints a token signed with the development key, for curl and scripts.") { user };
        token.SetAction((parse, _) => WithServicesAsync(services =>
        {
            if (!services.GetRequiredService<IHostEnvironment>().IsDevelopment())
            {
                Console.Error.WriteLine("The token command exists only in the Development environment (ASPNETCORE_ENVIRONMENT=Development).");
                return Task.FromResult(ExitCodes.Usage);
            }
            var key = services.GetRequiredService<JwtSigningKey>();
            if (!key.IsDevelopmentKey)
            {
                Console.Error.WriteLine(
                    "The token command refuses while Auth:JwtSecret is configured: it signs only with the generated development key, " +
                    "never with a project's secret. Unset Auth:JwtSecret (and Auth__JwtSecret) to use it in Development.");
                return Task.FromResult(ExitCodes.Usage);
            }
            var issued = DevTokenApi.Create(key, parse.GetValue(user), services.GetRequiredService<TimeProvider>().GetUtcNow());
            Console.WriteLine(issued.AccessToken);
            return Task.FromResult(ExitCodes.Ok);
        }));
        root.Subcommands.Add(token);
        return root;
    }

    /// <summary>Builds the service's wiring without starting it, runs the verb, and turns an unreachable database into a clear message.</summary>
    internal static async Task<int> WithServicesAsync(Func<IServiceProvider, Task<int>> verb)
    {
        WebApplication app;
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.Logging.ClearProviders();
            // Output is the verb's own; the service's warnings go to stderr.
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
            builder.AddStoryMedia();
            app = builder.Build();
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"Configuration error: {ex.Message}");
            return ExitCodes.Usage;
        }
        await using (app)
        {
            try
            {
                return await verb(app.Services);
            }
            catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex))
            {
                Console.Error.WriteLine($"The database cannot be reached: {ex.Message}");
                return ExitCodes.Unavailable;
            }
            catch (DbException ex)
            {
                Console.Error.WriteLine($"The database refused the command: {ex.Message}");
                return ExitCodes.Unavailable;
            }
            catch (OptionsValidationException ex)
            {
                Console.Error.WriteLine($"Configuration error: {ex.Message}");
                return ExitCodes.Usage;
            }
            catch (MediaStorageException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return ExitCodes.Unavailable;
            }
        }
    }

    internal static string Format(DateTimeOffset? instant) =>
        instant?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
