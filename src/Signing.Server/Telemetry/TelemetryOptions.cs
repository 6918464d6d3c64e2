namespace Signing.Server.Telemetry;

/// <summary>
/// Section <c>Signing:Telemetry</c>: OpenTelemetry traces and metrics, off unless an exporter is named. OTLP sends both
/// to a collector; the Prometheus endpoint serves metrics at <c>/metrics</c> on the REST port for a scraper.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Signing:Telemetry";

    /// <summary>
    /// The OTLP collector's base address: <c>http://collector:4318</c> for http/protobuf (the signal paths
    /// <c>/v1/traces</c> and <c>/v1/metrics</c> are added), <c>http://collector:4317</c> for grpc. Unset = no OTLP.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = HttpProtobuf;

    /// <summary>Serve <c>/metrics</c> (Prometheus text format) on the REST port.</summary>
    public bool Prometheus { get; set; }

    /// <summary>The <c>service.name</c> resource attribute; every node of one deployment shares it.</summary>
    public string ServiceName { get; set; } = "signing-server";

    /// <summary>How often metrics are pushed to the collector, and the longest a finished span waits before it is sent.</summary>
    public int ExportIntervalSeconds { get; set; } = 30;

    /// <summary>Share of traces kept when no caller decided (a caller's sampled flag is followed): 1 = all, 0.1 = one in ten.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    public bool Otlp => !string.IsNullOrWhiteSpace(OtlpEndpoint);
    public bool Enabled => Otlp || Prometheus;

    /// <summary>Each setting out of its range, as one line naming its key.</summary>
    public IEnumerable<string> Problems(int restPort)
    {
        if (Otlp && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return $"{Section}:OtlpEndpoint must be an http or https URL such as http://collector:4318 (was '{OtlpEndpoint}')";
        if (OtlpProtocol is not (HttpProtobuf or Grpc))
            yield return $"{Section}:OtlpProtocol must be '{HttpProtobuf}' or '{Grpc}' (was '{OtlpProtocol}')";
        if (Prometheus && restPort <= 0)
            yield return $"{Section}:Prometheus needs the REST port (Signing:RestPort), where /metrics is served over HTTP/1.1";
        if (ExportIntervalSeconds < 1)
            yield return $"{Section}:ExportIntervalSeconds must be at least 1 (was {ExportIntervalSeconds})";
        if (TraceSampleRatio is < 0 or > 1 || double.IsNaN(TraceSampleRatio))
            yield return $"{Section}:TraceSampleRatio must be between 0 and 1 (was {TraceSampleRatio})";
        if (string.IsNullOrWhiteSpace(ServiceName))
            yield return $"{Section}:ServiceName must not be empty";
    }
}
