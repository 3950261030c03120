using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace StoryMedia.Operations;

/// <summary>
/// OpenTelemetry metrics and traces: the service's own meter and activity source, ASP.NET Core, outgoing HTTP
/// (image providers) and Npgsql. Exported over OTLP when an endpoint is configured (the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>OpenTelemetry:OtlpEndpoint</c>); otherwise collected for in-process listeners only.
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

        var endpoint = builder.Configuration["OpenTelemetry:OtlpEndpoint"] ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            otel.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, new Uri(endpoint));
        }
        return builder;
    }
}
