using Grpc.Health.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

public sealed class HealthTests(LiveSigningServer server) : IClassFixture<LiveSigningServer>
{
    [Theory]
    [InlineData("")]
    [InlineData("postgresql")]
    [InlineData("server-hsm-token")]
    [InlineData("live")]
    [InlineData("ready")]
    public async Task Health_over_h2c_reports_serving_overall_for_PostgreSQL_and_for_the_server_token(string service)
    {
        var client = new Health.HealthClient(server.Channel);
        var response = await client.CheckAsync(new HealthCheckRequest { Service = service });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Over_HTTP_the_liveness_probe_checks_nothing_outside_the_process_and_the_readiness_probe_names_each_part_it_checked()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}") };
        var live = await http.GetAsync("/health/live");
        Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
        using (var body = System.Text.Json.JsonDocument.Parse(await live.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
            // Only the process itself: nothing outside it may get a node restarted.
            Assert.Equal(["process"], body.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToArray());
        }

        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.StartsWith("application/json", ready.Content.Headers.ContentType?.ToString());
        using (var body = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync()))
        {
            var checks = body.RootElement.GetProperty("checks");
            Assert.Equal(["postgresql", "revocation", "server-hsm-token"], checks.EnumerateObject().Select(c => c.Name).Order().ToArray());
            Assert.All(checks.EnumerateObject(), c => Assert.NotEqual("Unhealthy", c.Value.GetProperty("status").GetString()));
        }
    }

    [Fact]
    public async Task A_client_that_knows_only_reflection_lists_every_esign_service_and_resolves_their_methods()
    {
        var client = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(server.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        foreach (var expected in new[] { "esign.v1.CertificateService", "esign.v1.SessionService", "esign.v1.ApplicationService",
                     "esign.v1.ApprovalService", "esign.v1.DeliveryService", "grpc.health.v1.Health" })
            Assert.Contains(expected, names);

        // The descriptors come over the wire too: a generic client can build requests from them.
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { FileContainingSymbol = "esign.v1.ApplicationService" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        var service = files.SelectMany(f => f.Service).Single(s => s.Name == "ApplicationService");
        Assert.Contains(service.Method, m => m.Name == "SubmitESigned" && m.InputType == ".esign.v1.SubmitESignedRequest");
    }
}
