using Grpc.Health.V1;

namespace Signing.Server.Tests;

public sealed class HealthTests(LiveServerFixture server) : IClassFixture<LiveServerFixture>
{
    [Fact]
    public async Task Server_answers_grpc_health_over_h2c_and_reports_PostgreSQL_serving()
    {
        var client = new Health.HealthClient(server.Channel);
        var overall = await client.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
    }

    [Fact]
    public async Task Server_lists_its_services_through_reflection()
    {
        var client = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(server.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.health.v1.Health", names);
    }
}
