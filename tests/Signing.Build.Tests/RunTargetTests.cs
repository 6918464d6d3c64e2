using System.Net;
using System.Net.Sockets;

namespace Signing.Build.Tests;

/// <summary>The Run target passes the server's failure on: a script or a service manager must not read it as started.</summary>
public sealed class RunTargetTests
{
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void Run_exits_non_zero_when_the_grpc_port_is_taken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = BuildScript.Run(BuildScript.RepositoryRoot, $"--target=Run --exclusive --configuration={BuildScript.Configuration}",
            TimeSpan.FromMinutes(3), new Dictionary<string, string?>
            {
                ["Signing__GrpcPort"] = port.ToString(),
                ["Signing__RestPort"] = FreePort().ToString(),
            });

        Assert.True(result.ExitCode != 0, $"exit 0 with port {port} taken:\n{result.Output}");
        Assert.Contains(port.ToString(), result.Output);
    }
}
