using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalar.AspNetCore;
using StoryMedia.Auth;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Http;
using StoryMedia.Idempotency;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Narration;
using StoryMedia.Operations;
using StoryMedia.Page;
using StoryMedia.Stories;
using StoryMedia.Videos;
using StoryMedia.Webhooks;

namespace StoryMedia;

/// <summary>Wires the features together; Program.cs and the tests' servers both start the service through here.</summary>
public static class StoryMediaApp
{
    public static WebApplicationBuilder AddStoryMedia(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        var maxBodyBytes = configuration.GetValue("Limits:MaxRequestBodyBytes", 1L << 20);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBodyBytes);

        services.TryAddSingletonTimeProvider();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            if (ctx.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error is BadHttpRequestException bad)
            {
                ctx.ProblemDetails.Title = "The request could not be read.";
                ctx.ProblemDetails.Detail = BadRequests.Describe(bad, maxBodyBytes);
            }
            else if (ctx.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                // A chunked body over the limit is cut off while it is read, and answered without an exception.
                ctx.ProblemDetails.Detail ??= BadRequests.TooLarge(maxBodyBytes);
            }
        });

        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        // No request outlives this, even when the database hangs instead of refusing; event streams opt out.
        services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = configuration.GetValue("Limits:RequestTimeout", TimeSpan.FromSeconds(30)),
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        });
        services.AddOpenApi(ApiDescription.Configure);
        services.AddStoryMediaHealthChecks();
        builder.AddStoryMediaTelemetry();

        services.AddSingleton(CreateDatabase(configuration, builder.Environment));
        services.AddSingleton(new MigrationSource(typeof(StoryMediaApp).Assembly));
        services.AddSingleton<Migrator>();
        services.AddSingleton<StoryStore>();
        services.AddSingleton<StoryEventLog>();
        services.AddSingleton<StoryStream>();
        services.AddHostedService<StoryEventPruner>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<QueuePositions>();
        services.AddSingleton<JobViews>();
        services.AddSingleton<IdempotencyStore>();
        services.AddExplainedOptions<IdempotencyOptions>(configuration.GetSection("Idempotency"));

        // The kinds of job, in the order the story page shows them; each kind's folder registers it.
        services.AddImageJobs(configuration);
        services.AddNarrationJobs(configuration);
        services.AddVideoJobs(configuration);
        services.AddSingleton<JobKinds>();
        services.AddExplainedOptions<JobOptions>(configuration.GetSection("Jobs"));
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<JobGuard>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobWorker>();
        services.AddHostedService<JobRunner>();
        // The host must wait for running jobs' shutdown grace and their hand-back before it gives up on them.
        services.AddOptions<HostOptions>().Configure<IOptions<JobOptions>>((host, jobs) =>
            host.ShutdownTimeout = TimeSpan.FromTicks(Math.Max(host.ShutdownTimeout.Ticks, (jobs.Value.ShutdownGrace + TimeSpan.FromSeconds(10)).Ticks)));

        services.AddMediaStore(configuration);
        services.AddWebhooks(configuration);

        builder.AddStoryMediaAuth();
        services.AddSingleton(HostOrigins.From(configuration));
        services.AddStoryMediaRateLimits(configuration);
        // Its request-start line carries the raw query string, which holds the events route's token.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return builder;
    }

    public static WebApplication UseStoryMedia(this WebApplication app)
    {
        app.UseSecurityHeaders(app.Configuration);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            // A client's malformed request is answered, not logged as a server error; an unavailable database
            // (answered 503 by DatabaseUnavailableHandler) is logged there as a warning.
            SuppressDiagnosticsCallback = ctx => ctx.Exception is BadHttpRequestException || DatabaseFaults.IsUnavailable(ctx.Exception),
        });
        app.UseStatusCodePages();
        app.UseRequestTimeouts();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        // Every API route can answer 401 without a valid token and 503 while the database is away, and refuses NUL in any text.
        foreach (var api in app.MapJobs().Prepend(app.MapStories()).Append(app.MapImageJobScenes()).Append(app.MapJobPreviews()).Append(StoryStream.MapStoryStream(app)).Concat(app.MapDeliveries()))
        {
            api.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(void))).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
            api.RefuseNulCharacters();
        }
        app.MapMedia();
        app.MapPageConfig();
        app.MapStoryMediaHealth();
        app.MapOpenApi();
        // Development alone is not enough: `dotnet run`'s launch profile makes any instance Development, even one
        // configured with a Supabase project's secret. Only the generated development key mints tokens.
        var developmentTokens = app.Services.GetRequiredService<JwtSigningKey>().IsDevelopmentKey;
        if (developmentTokens)
        {
            app.MapDevTokens();
            app.MapScalarApiReference();
        }
        app.Logger.LogInformation(
            "StoryMedia starts in the {Environment} environment; development tokens: {DevelopmentTokens}",
            app.Environment.EnvironmentName, developmentTokens ? "on" : "off");
        return app;
    }

    /// <summary>Applies pending migrations; every instance calls it at start-up and the <c>migrate</c> command alone.</summary>
    public static Task<IReadOnlyList<string>> MigrateAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static Database CreateDatabase(ConfigurationManager configuration, IHostEnvironment environment)
    {
        var provider = configuration["Database:Provider"] ?? "sqlite";
        var connectionString = configuration.GetConnectionString("StoryMedia");
        switch (provider.ToLowerInvariant())
        {
            case "sqlite":
                var sqlite = new SqliteConnectionStringBuilder(connectionString ?? "Data Source=data/storymedia.db");
                if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:")
                {
                    sqlite.DataSource = Path.GetFullPath(file, environment.ContentRootPath);
                    Directory.CreateDirectory(Path.GetDirectoryName(sqlite.DataSource)!);
                }
                return new SqliteDatabase(sqlite.ToString());
            case "postgres":
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException("Database:Provider is postgres but ConnectionStrings:StoryMedia is not set.");
                }
                var defaults = new PostgresRoles();
                var roles = new PostgresRoles(
                    configuration["Database:RequestRole"] ?? defaults.Request,
                    configuration["Database:WorkerRole"] ?? defaults.Worker);
                roles.ThrowIfPublicApiRole();
                return new PostgresDatabase(NpgsqlDataSource.Create(PreparedStatements.Apply(connectionString, configuration["Database:PrepareStatements"])), roles);
            default:
                throw new InvalidOperationException($"Database:Provider must be sqlite or postgres, not '{provider}'.");
        }
    }
}

internal static class BadRequests
{
    /// <summary>Says what was wrong with a request the framework could not bind, without internals.</summary>
    public static string Describe(BadHttpRequestException bad, long maxBodyBytes) => bad switch
    {
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => TooLarge(maxBodyBytes),
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "Send the request body as application/json.",
        { InnerException: JsonException json } => $"The request body is not valid JSON for this route{(json.Path is { } path ? $" (at {path})" : "")}.",
        _ => bad.Message,
    };

    public static string TooLarge(long maxBodyBytes) => $"The request body is larger than this service accepts ({maxBodyBytes} bytes).";
}
