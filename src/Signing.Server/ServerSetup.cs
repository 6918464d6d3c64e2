using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Signing.Server;

/// <summary>One place where the host is composed, so Program.cs and the tests build the same server.</summary>
public static class ServerSetup
{
    /// <summary>Default gRPC port (h2c on loopback).</summary>
    public const int DefaultGrpcPort = 5080;

    public static WebApplicationBuilder ConfigureSigningServer(this WebApplicationBuilder builder)
    {
        var grpcPort = builder.Configuration.GetValue("Signing:GrpcPort", DefaultGrpcPort);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Without TLS, Http1AndHttp2 serves only HTTP/1.1: the gRPC port must be HTTP/2 only (h2c).
            kestrel.Listen(System.Net.IPAddress.Loopback, grpcPort, o => o.Protocols = HttpProtocols.Http2);
        });

        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks()
            .AddCheck("postgresql", () => CheckDatabase(builder.Configuration));
        return builder;
    }

    public static WebApplication MapSigningServer(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    private static HealthCheckResult CheckDatabase(IConfiguration configuration)
    {
        var connectionString = configuration["SIGNING_DB"] ?? configuration.GetConnectionString("Signing");
        if (string.IsNullOrWhiteSpace(connectionString))
            return HealthCheckResult.Unhealthy("no database configured (SIGNING_DB)");
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("select 1", connection);
            command.ExecuteScalar();
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("database unreachable: " + e.Message);
        }
    }
}
