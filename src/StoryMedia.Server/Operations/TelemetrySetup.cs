using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace StoryMedia.Operations;

/// <summary>
/// OpenTelemetry metrics and traces: the service's own meter and activity source, ASP.NET Core, outgoing HTTP
/// (image providers) and Npgsql. Exported over OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c> and the rest of the OTEL_* settings);
/// otherwise nothing is exported and the instruments cost next to nothing.
/// </summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddStoryMediaTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StoryMediaTelemetry>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("storymedia"))
            .WithMetrics(metrics => metrics
                .AddMeter(StoryMediaTelemetry.Name, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(StoryMediaTelemetry.Name, "Npgsql")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }
}
