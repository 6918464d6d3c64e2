using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests.Operations;

/// <summary>
/// Every host in this process publishes a meter named "Signing", and an exporter listens by name: these tests run alone,
/// so the values they read are their own host's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry (one meter per process at a time)";
}

public sealed class PrometheusSigningServer : SigningServer
{
    protected override bool Live => true;
    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:Telemetry:Prometheus"] = "true";
}

[Collection(TelemetryCollection.Name)]
public sealed class PrometheusTests(PrometheusSigningServer server) : IClassFixture<PrometheusSigningServer>
{
    [Fact]
    public async Task Metrics_show_a_submission_its_replay_and_the_batch_it_was_committed_in()
    {
        var tenant = server.NewTenant();
        var request = new SubmitWetSignedRequest { Form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), tenant), ClientRequestId = Guid.NewGuid().ToString("N") };
        var before = await ScrapeAsync();

        await server.Applications().SubmitWetSignedAsync(request, server.SystemHeaders());
        var once = await ScrapeAsync();
        string[] accepted = ["method=\"wet_signed\"", "outcome=\"accepted\"", $"tenant=\"{tenant}\""];
        Assert.Equal(0, Value(before, "signing_submissions_total", accepted));
        Assert.Equal(1, Value(once, "signing_submissions_total", accepted));
        // One submission alone is one batch of one.
        Assert.Equal(1, Value(once, "signing_group_commit_batch_size_count") - Value(before, "signing_group_commit_batch_size_count"));
        Assert.Equal(1, Value(once, "signing_group_commit_batch_size_sum") - Value(before, "signing_group_commit_batch_size_sum"));
        Assert.Equal(1, Value(once, "signing_group_commit_batch_size_bucket", "le=\"1\"") - Value(before, "signing_group_commit_batch_size_bucket", "le=\"1\""));
        // The gauges are there, and nothing waits once the answer is back.
        Assert.Equal(0, Value(once, "signing_group_commit_queue_depth"));
        Assert.Contains("signing_receipts_queue_depth", once);

        var retry = await server.Applications().SubmitWetSignedAsync(request, server.SystemHeaders());
        Assert.True(retry.Replayed);
        var twice = await ScrapeAsync();
        Assert.Equal(1, Value(twice, "signing_submissions_total", "outcome=\"replayed\"", $"tenant=\"{tenant}\""));
        Assert.Equal(1, Value(twice, "signing_submissions_total", accepted));
        // The runtime's and Npgsql's meters come along; the TCKN of the form appears nowhere.
        Assert.Contains("dotnet_gc_", twice);
        Assert.Contains("db_client_", twice);
        Assert.DoesNotContain(request.Form.Tckn, twice);
    }

    [Fact]
    public async Task Metrics_are_not_served_on_the_gRPC_port()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.GrpcPort}"), DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}") };
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    internal static double Value(string exposition, string metric, params string[] labels)
    {
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal) || line.Length <= metric.Length
                || line[metric.Length] is not ('{' or ' '))
                continue;
            var close = line.LastIndexOf('}');
            var labelPart = close < 0 ? "" : line[..close];
            if (!labels.All(l => labelPart.Contains(l, StringComparison.Ordinal)))
                continue;
            var value = line[(close < 0 ? metric.Length : close + 1)..].Trim().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}

[Collection(TelemetryCollection.Name)]
public sealed class TelemetryOffTests(LiveSigningServer server) : IClassFixture<LiveSigningServer>
{
    [Fact]
    public async Task Without_the_setting_there_is_no_metrics_endpoint()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}") };
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

[Collection(TelemetryCollection.Name)]
public sealed class OtlpTests
{
    private sealed class OtlpServer(IReadOnlyDictionary<string, string?> extra) : SigningServer
    {
        protected override bool Live => true;
        protected override void AddSettings(Dictionary<string, string?> settings)
        {
            foreach (var (k, v) in extra)
                settings[k] = v;
        }
    }

    [Fact]
    public async Task The_OTLP_exporter_posts_metrics_and_traces_to_the_collector_over_http_protobuf()
    {
        // A real HTTP listener standing for the collector: it keeps what each POST carried.
        var received = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path, context.Request.ContentType, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var server = new OtlpServer(new Dictionary<string, string?>
        {
            ["Signing:Telemetry:OtlpEndpoint"] = address,
            ["Signing:Telemetry:ExportIntervalSeconds"] = "1",
        });
        var tckn = Scenario.SyntheticTckn();
        await server.InitializeAsync();
        try
        {
            await server.Applications().SubmitWetSignedAsync(
                new SubmitWetSignedRequest { Form = Scenario.SyntheticForm(tckn, server.NewTenant()), ClientRequestId = "otlp-1" }, server.SystemHeaders());
        }
        finally
        {
            // Stopping the host flushes both exporters: no waiting on their intervals.
            await server.DisposeAsync();
        }

        var metrics = received.Where(r => r.Path == "/v1/metrics").ToList();
        var traces = received.Where(r => r.Path == "/v1/traces").ToList();
        Assert.NotEmpty(metrics);
        Assert.NotEmpty(traces);
        Assert.All(received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        // Protobuf keeps strings as UTF-8: the instruments' and the call's names are readable in the bytes.
        var metricText = string.Concat(metrics.Select(m => Encoding.UTF8.GetString(m.Body)));
        var traceText = string.Concat(traces.Select(t => Encoding.UTF8.GetString(t.Body)));
        Assert.Contains("signing.submissions", metricText);
        Assert.Contains("signing.group_commit.batch_size", metricText);
        Assert.Contains("ApplicationService/SubmitWetSigned", traceText);
        Assert.Contains("signing-server", traceText);
        Assert.DoesNotContain(tckn, metricText + traceText);
    }
}
