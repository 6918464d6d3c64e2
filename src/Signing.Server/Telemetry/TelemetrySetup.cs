using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Signing.Server.Configuration;

namespace Signing.Server.Telemetry;

/// <summary>
/// OpenTelemetry for the server: ASP.NET Core (every gRPC and REST call), HttpClient (OCSP, CRL and TSA fetches),
/// Npgsql, the .NET runtime and the server's own <see cref="SigningMetrics"/>. Nothing is collected unless an exporter is
/// configured (<see cref="TelemetryOptions"/>).
/// </summary>
public static class TelemetrySetup
{
    // Npgsql 9 (the one Marten 9 brings) publishes its own ActivitySource and Meter under this name; the
    // Npgsql.OpenTelemetry package only adds the registration helper, and is built for Npgsql 10.
    private const string Npgsql = "Npgsql";

    public static IServiceCollection AddSigningTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<SigningMetrics>();
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var restPort = configuration.GetValue(ServerOptions.Section + ":RestPort", ServerSetup.DefaultRestPort);
        if (options.Problems(restPort).ToList() is { Count: > 0 } problems)
            throw new StartupException(StartupFailure.InvalidSetting, string.Join("; ", problems));
        services.AddSingleton(options);
        if (!options.Enabled)
            return services;

        var interval = TimeSpan.FromSeconds(options.ExportIntervalSeconds);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter(Npgsql, SigningMetrics.MeterName)
                    // Built into .NET 9 and later: GC, heap, thread pool, exceptions.
                    .AddMeter("System.Runtime");
                if (options.Otlp)
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        Configure(exporter, options, "/v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
                    });
                if (options.Prometheus)
                    // No response cache (the exporter's default keeps one for 300 ms): a scrape shows what is counted now.
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (options.Otlp)
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(Npgsql)
                .AddOtlpExporter(exporter =>
                {
                    Configure(exporter, options, "/v1/traces");
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)interval.TotalMilliseconds;
                }));
        return services;
    }

    /// <summary>The Prometheus scrape endpoint, on the REST port only (the gRPC port speaks HTTP/2 alone).</summary>
    public static WebApplication MapSigningTelemetry(this WebApplication app)
    {
        // The gauges exist from the start, not from the first submission.
        app.Services.GetRequiredService<SigningMetrics>();
        var options = app.Services.GetRequiredService<TelemetryOptions>();
        if (options.Prometheus)
        {
            var restPort = app.Configuration.GetValue(ServerOptions.Section + ":RestPort", ServerSetup.DefaultRestPort);
            app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{restPort}");
        }
        return app;
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, string signalPath)
    {
        var grpc = options.OtlpProtocol == TelemetryOptions.Grpc;
        exporter.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        // Set in code, the endpoint is used as it stands: over HTTP it must name the signal's path itself.
        var endpoint = options.OtlpEndpoint!.TrimEnd('/');
        exporter.Endpoint = new Uri(grpc ? endpoint : endpoint + signalPath);
    }

    /// <summary>Scrapes and health probes arrive every few seconds from every node: they would drown the traces worth reading.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/grpc.health.v1.Health") || path.StartsWithSegments("/health");
}
