using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Auth;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using Signing.TestKit;

namespace Signing.Server.Tests.Operations;

/// <summary>
/// The built server as a process, under load, sent SIGTERM as a service manager or Kubernetes would: what it acknowledged
/// is stored, what it refused is not, it exits 0, and its last checkpoint covers the whole log.
/// </summary>
[Collection(StartupCollection.Name)]
public sealed class GracefulShutdownTests : IAsyncLifetime
{
    private const string Tenant = "33";
    private const string Client = "tests";
    private const string Key = "shutdown-test-system-key-0123456789";
    private readonly PostgresFixture _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();
    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task SIGTERM_under_load_answers_every_call_in_flight_exits_0_and_leaves_a_checkpoint_over_the_whole_log()
    {
        var grpcPort = FreePort();
        var environment = ServerStart.WorldEnvironment(_database.ConnectionString);
        environment["Signing__GrpcPort"] = grpcPort.ToString();
        environment["Signing__RestPort"] = FreePort().ToString();
        environment["Signing__ShutdownSeconds"] = "60";
        environment["Signing__RateLimits__Enabled"] = "false";
        environment[$"Signing__Auth__SystemKeys__{Client}"] = Key;
        environment[$"Signing__Auth__SystemClients__{Client}__Tenants__0"] = SystemScopes.AllTenants;
        for (var i = 0; i < SystemScopes.All.Count; i++)
            environment[$"Signing__Auth__SystemClients__{Client}__Scopes__{i}"] = SystemScopes.All[i];

        using var process = Start(environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        try
        {
            await WaitUntilServingAsync(channel, process);

            var acknowledged = new ConcurrentBag<string>();
            var failed = new ConcurrentBag<(string RequestId, StatusCode Code)>();
            var client = new ApplicationService.ApplicationServiceClient(channel);
            var headers = new Metadata { { "x-api-key", Key } };
            // Each caller submits one new application after another until the server stops answering it.
            async Task CallerAsync()
            {
                for (var n = 0; n < 10_000; n++)
                {
                    var id = Guid.NewGuid().ToString("N");
                    try
                    {
                        await client.SubmitWetSignedAsync(new SubmitWetSignedRequest
                        {
                            Form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Tenant),
                            ClientRequestId = id,
                        }, headers);
                        acknowledged.Add(id);
                    }
                    catch (RpcException e)
                    {
                        failed.Add((id, e.StatusCode));
                        return;
                    }
                }
            }
            var callers = Enumerable.Range(0, 32).Select(_ => Task.Run(CallerAsync)).ToList();
            // Generous bound: on a loaded machine a few dozen submissions may take a while.
            var until = Stopwatch.StartNew();
            while (acknowledged.Count < 64 && until.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited)
                await Task.Delay(50);
            Assert.True(acknowledged.Count >= 64, $"only {acknowledged.Count} submissions acknowledged before the stop");

            Signal(process.Id, "TERM");
            await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(2));
            using (var exit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                await process.WaitForExitAsync(exit.Token);

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await stderr}");
            // A call that arrived once the stop had begun is refused as UNAVAILABLE (a client retries elsewhere), nothing else.
            Assert.All(failed, f => Assert.Equal(StatusCode.Unavailable, f.Code));
            Assert.Equal(32, failed.Count);

            await using var db = new NpgsqlConnection(_database.ConnectionString);
            await db.OpenAsync();
            var stored = await StoredAsync(db, acknowledged.Concat(failed.Select(f => f.RequestId)));
            Assert.All(acknowledged, id => Assert.True(stored.Contains(id), $"acknowledged {id} is not stored"));
            Assert.All(failed, f => Assert.False(stored.Contains(f.RequestId), $"{f.RequestId} was stored but its caller was told {f.Code}"));

            var leaves = await ScalarAsync(db, "select count(*) from signing.log_leaves");
            var covered = await ScalarAsync(db, "select coalesce(max(tree_size), 0) from signing.log_checkpoints");
            Assert.True(leaves >= acknowledged.Count, $"{leaves} log leaves for {acknowledged.Count} acknowledged submissions");
            Assert.Equal(leaves, covered);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static Process Start(IReadOnlyDictionary<string, string?> environment) =>
        Process.Start(ServerStart.StartInfo(environment, []))!;

    private static async Task WaitUntilServingAsync(GrpcChannel channel, Process process)
    {
        var health = new Health.HealthClient(channel);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Assert.False(process.HasExited, "the server exited during its start");
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return;
            }
            catch (RpcException)
            {
            }
            await Task.Delay(200);
        }
        Assert.Fail("the server did not start serving");
    }

    private static async Task<HashSet<string>> StoredAsync(NpgsqlConnection db, IEnumerable<string> requestIds)
    {
        var byStream = requestIds.ToDictionary(id => ApplicationStore.ApplicationIdFor(Tenant, Signing.Domain.SubmitRenewal.SystemSubmitter(Client), id));
        await using var command = new NpgsqlCommand("select id from signing.mt_streams where id = any(@ids)", db);
        command.Parameters.AddWithValue("ids", byStream.Keys.ToArray());
        var stored = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            stored.Add(byStream[reader.GetGuid(0)]);
        return stored;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();
}
