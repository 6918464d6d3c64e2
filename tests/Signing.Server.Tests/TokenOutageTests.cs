using System.Diagnostics;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Signing.Server.Tests;

/// <summary>
/// The server token's files disappear under a running server process and come back: health follows the token (a real
/// PKCS#11 probe), submissions stay acknowledged meanwhile (without a receipt), and after the files are back the server
/// serves again and signs receipts without a restart. The server runs on its own copy of the world's tokens and its own
/// softhsm2.conf: the shared world's files are never touched.
/// </summary>
public sealed class TokenOutageTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>A scratch province of its own: this server process has a database of its own, but the same start-up rules.</summary>
    private static readonly string Tenant = SigningServer.ScratchCodes[0];
    private const string SystemKey = "token-outage-system-key-0123456789";
    /// <summary>How soon health must notice that the token is gone.</summary>
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(10);
    /// <summary>Generous: start-up and recovery on a loaded two-core machine.</summary>
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    private readonly PostgresFixture _database = new();
    private readonly string _world = Path.Combine(Path.GetTempPath(), "token-outage-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_world))
            Directory.Delete(_world, recursive: true);
    }

    [Fact]
    public async Task Health_turns_NOT_SERVING_within_10_s_of_the_token_files_going_and_SERVING_again_when_they_are_back_without_a_restart()
    {
        var manifest = LocalWorld.LoadManifest();
        var conf = CopyTokens(manifest.SoftHsm2Conf, out var tokenDirectory);
        int grpcPort = FreePort(), restPort = FreePort();
        var environment = ServerStart.WorldEnvironment(_database.ConnectionString);
        environment["SOFTHSM2_CONF"] = conf;
        environment["Signing__Auth__SystemKeys__tests"] = SystemKey;
        environment["Signing__Auth__SystemClients__tests__Tenants__0"] = "*";
        for (var i = 0; i < Signing.Server.Auth.SystemScopes.All.Count; i++)
            environment[$"Signing__Auth__SystemClients__tests__Scopes__{i}"] = Signing.Server.Auth.SystemScopes.All[i];
        foreach (var (key, value) in Signing.Bench.Shared.SyntheticProvinces.Environment([Tenant]))
            environment[key] = value;

        await using var server = RunningServer.Start(environment, [$"--Signing:GrpcPort={grpcPort}", $"--Signing:RestPort={restPort}"]);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort}") };
        var health = new Health.HealthClient(channel);
        var applications = new ApplicationService.ApplicationServiceClient(channel);
        var system = new Metadata { { "x-api-key", SystemKey } };

        await UntilAsync(server, async () => await StatusAsync(health, "") == ServingStatus.Serving, Generous, "the server to start and serve");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        // The token's files go away.
        // Out of the token directory altogether: SoftHSM takes every directory in it for a token when it initialises.
        var away = Path.Combine(_world, "away");
        Directory.Move(tokenDirectory, away);
        var clock = Stopwatch.StartNew();
        await UntilAsync(server, async () => await StatusAsync(health, "server-hsm-token") == ServingStatus.NotServing, Notice + Notice,
            "health to notice the token is gone");
        output.WriteLine($"token gone: NOT_SERVING after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(clock.Elapsed <= Notice, $"health noticed the token was gone after {clock.Elapsed.TotalSeconds:0.0} s; the bound is {Notice.TotalSeconds:0} s");
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ""));
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, "ready"));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "live"));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "postgresql"));
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("server-hsm-token", body);
        Assert.Contains("Unhealthy", body);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        // Meanwhile a submission is stored and acknowledged, without a receipt.
        var request = new SubmitWetSignedRequest { Form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Tenant), ClientRequestId = Guid.NewGuid().ToString("N") };
        var withoutReceipt = await applications.SubmitWetSignedAsync(request, system);
        Assert.Equal("AWAITING_PAPER", withoutReceipt.Application.Status);
        Assert.Null(withoutReceipt.Receipt);
        Assert.False(withoutReceipt.Replayed);

        // The files come back: the server serves again by itself.
        Directory.Move(away, tokenDirectory);
        clock.Restart();
        await UntilAsync(server, async () => await StatusAsync(health, "") == ServingStatus.Serving, Generous, "health to come back");
        output.WriteLine($"token back: SERVING after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        // The retry with the same request id gets the stored application and a signed receipt.
        var replay = await applications.SubmitWetSignedAsync(request, system);
        Assert.True(replay.Replayed);
        Assert.Equal(withoutReceipt.Application.Id, replay.Application.Id);
        Assert.NotNull(replay.Receipt);
        var document = System.Text.Json.JsonDocument.Parse(replay.Receipt.DocumentJson.ToByteArray()).RootElement;
        Scenario.VerifyReceipt(replay.Receipt, replay.Application.Id, document.GetProperty("formSha256").GetString()!);

        // And a new submission too.
        var fresh = await applications.SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Tenant), ClientRequestId = Guid.NewGuid().ToString("N") }, system);
        Assert.NotNull(fresh.Receipt);
        Assert.False(server.HasExited, server.Output);
    }

    private static async Task<ServingStatus?> StatusAsync(Health.HealthClient health, string service)
    {
        try
        {
            return (await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(10))).Status;
        }
        catch (RpcException)
        {
            return null; // not listening yet
        }
    }

    private static async Task UntilAsync(RunningServer server, Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(server.HasExited, "the server exited: " + server.Output);
            Assert.True(clock.Elapsed < limit, $"waited {limit.TotalSeconds:0} s for {what}; server output:\n{server.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// A copy of the world's token directory and a softhsm2.conf of its own pointing at it; <paramref name="serverToken"/> is
    /// the copy's directory of the server token (SoftHSM keeps each token in a directory of its own, its label in token.object).
    /// </summary>
    private string CopyTokens(string worldConf, out string serverToken)
    {
        var tokenDir = File.ReadAllLines(worldConf).Select(l => l.Split('=', 2)).Single(p => p[0].Trim() == "directories.tokendir")[1].Trim();
        var copy = Path.Combine(_world, "tokens");
        foreach (var dir in Directory.GetDirectories(tokenDir))
        {
            var target = Path.Combine(copy, Path.GetFileName(dir));
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(dir))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        var label = Encoding.ASCII.GetBytes(LocalWorld.LoadManifest().Persona("server-mersin").TokenLabel);
        serverToken = Directory.GetDirectories(copy).Single(d => File.ReadAllBytes(Path.Combine(d, "token.object")).AsSpan().IndexOf(label) >= 0);
        var conf = Path.Combine(_world, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {copy}/\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        return conf;
    }

    private static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();
}
