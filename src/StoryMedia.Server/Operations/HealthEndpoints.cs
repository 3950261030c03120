using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StoryMedia.Data;
using StoryMedia.Media;

namespace StoryMedia.Operations;

/// <summary>
/// <c>/health/live</c>: the process answers (restart it if not). <c>/health/ready</c>: it can do its work —
/// database reachable, migrations applied, media storage (directory or bucket) writable (send it traffic only then).
/// </summary>
public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddStoryMediaHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [Ready], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<MediaHealthCheck>("media", tags: [Ready], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapStoryMediaHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        return routes;
    }

    /// <summary>
    /// The overall status (and the status code says it too). Each check's status and why it fails only in Development:
    /// the routes are anonymous, and a failing check's description names hosts and paths. Elsewhere the log has it.
    /// </summary>
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var status = report.Status.ToString();
        return http.Response.WriteAsync(http.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment()
            ? JsonSerializer.Serialize(new
            {
                status,
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            })
            : JsonSerializer.Serialize(new { status }));
    }
}

internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = database.Command(connection, "select 1", null);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex))
        {
            return HealthCheckResult.Unhealthy($"The database cannot be reached: {ex.Message}");
        }
    }
}

internal sealed class MigrationsHealthCheck(Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await migrator.PendingAsync(cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("Every migration is applied.")
                : HealthCheckResult.Unhealthy($"Migrations not applied: {string.Join(", ", pending)}. Run the migrate command.");
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex))
        {
            return HealthCheckResult.Unhealthy("Cannot tell: the database cannot be reached.");
        }
    }
}

internal sealed class MediaHealthCheck(MediaStore media) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return HealthCheckResult.Healthy(await media.ProbeAsync(cancellationToken));
        }
        catch (IOException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
