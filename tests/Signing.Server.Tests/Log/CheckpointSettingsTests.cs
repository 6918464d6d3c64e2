using System.Net;
using System.Net.Sockets;
using Signing.Server.Configuration;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;

namespace Signing.Server.Tests.Log;

/// <summary>The built server refuses a checkpoint setting it cannot use at start, with exit 78 and the key named.</summary>
[Collection(StartupCollection.Name)]
public sealed class CheckpointSettingsTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData("--Signing:Log:CheckpointSeconds=0", "Signing:Log:CheckpointSeconds must be from 1 to 3600 (was 0)")]
    [InlineData("--Signing:Log:CheckpointSeconds=86400", "Signing:Log:CheckpointSeconds must be from 1 to 3600 (was 86400)")]
    [InlineData("--Signing:Log:Origin= signing.example/log", "Signing:Log:Origin must be one line without spaces at its ends")]
    public async Task A_bad_checkpoint_setting_stops_the_server_with_exit_78_naming_it(string setting, string expected)
    {
        var outcome = await ServerStart.RunAsync(ServerStart.WorldEnvironment(database.ConnectionString),
            [$"--Signing:GrpcPort={FreePort()}", $"--Signing:RestPort={FreePort()}", setting], TimeSpan.FromSeconds(30));

        Assert.True(outcome.ExitCode == (int)StartupFailure.InvalidSetting, $"exit {outcome.ExitCode}: {outcome.StandardError}");
        Assert.Contains(expected, Assert.Single(outcome.ErrorLines));
    }

    private static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();
}
