using Microsoft.Extensions.DependencyInjection;
using Signing.Contracts.V1;
using Signing.Server.Log;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests.Log;

/// <summary>
/// The real server whose checkpointer ticks once an hour, so a test decides when a checkpoint is signed
/// (<see cref="CheckpointAsync"/>) and can see an event that none covers yet. One more system client reads the log for
/// Mersin (33) only.
/// </summary>
public class LogServer : SigningServer
{
    public const string MersinReaderKey = "log-reader-mersin-key-0123";

    protected virtual int CheckpointSeconds => 3600;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        settings["Signing:Log:CheckpointSeconds"] = CheckpointSeconds.ToString();
        settings["Signing:Auth:SystemKeys:log-reader-mersin"] = MersinReaderKey;
        settings["Signing:Auth:SystemClients:log-reader-mersin:Scopes:0"] = "log:read";
        settings["Signing:Auth:SystemClients:log-reader-mersin:Tenants:0"] = "33";
    }

    /// <summary>Signs a checkpoint of the log as it is now (or returns the one that already covers it).</summary>
    public Task<Signing.Record.StoredCheckpoint> CheckpointAsync() => App!.Services.GetRequiredService<Checkpointer>().CheckpointAsync();

    /// <summary>Stops the host (as a shutdown does) and leaves the database for the test to read.</summary>
    public Task StopHostAsync() => App!.StopAsync();
}

/// <summary>The same server with a checkpoint every second, for the checkpointer's own tick.</summary>
public sealed class TickingLogServer : LogServer
{
    protected override int CheckpointSeconds => 1;
}

public static class LogScenario
{
    public static LogService.LogServiceClient Log(this SigningServer s) => new(s.Channel);
}
