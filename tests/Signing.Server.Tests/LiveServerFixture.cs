using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Signing.Server;
using Signing.TestKit;

namespace Signing.Server.Tests;

/// <summary>The real server on a real Kestrel socket (h2c on loopback), with the real PostgreSQL.</summary>
public sealed class LiveServerFixture : IAsyncLifetime
{
    private readonly PostgresFixture _database = new();
    private WebApplication? _app;

    public int Port { get; } = FreeLoopbackPort();
    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Signing:GrpcPort"] = Port.ToString(),
            ["SIGNING_DB"] = _database.ConnectionString,
        });
        builder.ConfigureSigningServer();
        _app = builder.Build();
        _app.MapSigningServer();
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Port}");
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await _database.DisposeAsync();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
