using System.Net;
using System.Net.Sockets;
using Signing.Server.Configuration;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;

namespace Signing.Server.Tests;

/// <summary>
/// The built server started as a process with one thing wrong: it must stop within 30 s with its exit code for that
/// class of failure and exactly one line on stderr naming the cause (no stack trace). Timed, so they run on their own,
/// after this assembly's parallel tests: a process start on a saturated 2-core machine alone can take most of the 30 s.
/// </summary>
[Collection(StartupCollection.Name)]
public sealed class StartupFailureTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();

    private async Task<ServerStart.Outcome> StartAsync(Action<Dictionary<string, string?>>? change = null, params string[] args)
    {
        var environment = ServerStart.WorldEnvironment(database.ConnectionString);
        change?.Invoke(environment);
        var ports = new[] { $"--Signing:GrpcPort={FreePort()}", $"--Signing:RestPort={FreePort()}" };
        return await ServerStart.RunAsync(environment, [.. ports, .. args], Limit);
    }

    private static string RefusedWith(ServerStart.Outcome outcome, StartupFailure expected)
    {
        var context = $"exit {outcome.ExitCode?.ToString() ?? "none (still running)"} after {outcome.Elapsed.TotalSeconds:F1} s\n" +
                      $"stderr:\n{outcome.StandardError}\nstdout:\n{outcome.StandardOutput}";
        Assert.True(outcome.ExitCode is not null, "the server did not stop within 30 s: " + context);
        Assert.True(outcome.ExitCode == (int)expected, $"expected exit {(int)expected} ({expected}): " + context);
        Assert.True(outcome.ErrorLines.Count == 1, "expected exactly one line on stderr: " + context);
        Assert.DoesNotContain("   at ", outcome.StandardError + outcome.StandardOutput);
        return outcome.ErrorLines[0];
    }

    [Theory]
    [InlineData("Signing:GrpcPort")]
    [InlineData("Signing:RestPort")]
    public async Task A_port_in_use_is_named_with_its_setting_and_exit_code(string setting)
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var line = RefusedWith(await StartAsync(null, $"--{setting}={port}"), StartupFailure.PortInUse);

        Assert.Contains($"port {port}", line);
        Assert.Contains($"set {setting}", line);
    }

    [Fact]
    public async Task A_trust_file_that_does_not_exist_is_named_with_its_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "trust.json");

        var line = RefusedWith(await StartAsync(null, $"--Signing:TrustConfiguration={missing}"), StartupFailure.FileUnreadable);

        Assert.Contains("Signing:TrustConfiguration", line);
        Assert.Contains(missing, line);
        Assert.Contains("does not exist", line);
    }

    [Fact]
    public async Task A_connection_string_that_does_not_parse_is_an_invalid_setting_and_shows_no_secret()
    {
        var line = RefusedWith(await StartAsync(e => e["SIGNING_DB"] = "Host=127.0.0.1;Port=not-a-port;Password=s3cret-value"),
            StartupFailure.InvalidSetting);

        Assert.Contains("SIGNING_DB", line);
        Assert.DoesNotContain("s3cret-value", line);
    }

    [Fact]
    public async Task A_database_nobody_listens_for_is_unreachable_and_shows_no_password()
    {
        var closed = FreePort();
        var line = RefusedWith(await StartAsync(e => e["SIGNING_DB"] = $"Host=127.0.0.1;Port={closed};Database=x;Username=u;Password=s3cret-value;Timeout=5"),
            StartupFailure.DatabaseUnreachable);

        Assert.Contains($"127.0.0.1:{closed}", line);
        Assert.Contains("SIGNING_DB", line);
        Assert.DoesNotContain("s3cret-value", line);
    }

    [Fact]
    public async Task A_missing_server_token_PIN_names_the_variable_to_set()
    {
        var line = RefusedWith(await StartAsync(e => e["SIGNING_SERVER_PIN"] = null), StartupFailure.ServerTokenUnavailable);

        Assert.Contains("SIGNING_SERVER_PIN", line);
        Assert.Contains("server-mersin", line);
    }

    [Fact]
    public async Task A_negative_group_commit_batch_size_is_named_with_its_value()
    {
        var line = RefusedWith(await StartAsync(null, "--Signing:GroupCommit:MaxBatch=-5"), StartupFailure.InvalidSetting);

        Assert.Contains("Signing:GroupCommit:MaxBatch must be at least 1 (was -5)", line);
    }

    [Fact]
    public async Task Without_a_token_key_outside_Development_the_server_refuses_to_start()
    {
        var line = RefusedWith(await StartAsync(e => e["Signing__Auth__TokenKey"] = null), StartupFailure.InvalidSetting);

        Assert.Contains("Signing:Auth:TokenKey", line);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100000")]
    public async Task A_token_lifetime_out_of_range_is_named_with_its_value(string minutes)
    {
        var line = RefusedWith(await StartAsync(null, $"--Signing:Auth:TokenMinutes={minutes}"), StartupFailure.InvalidSetting);

        Assert.Contains("Signing:Auth:TokenMinutes must be at", line);
        Assert.Contains($"(was {minutes})", line);
    }

    [Fact]
    public async Task A_desk_agent_url_off_the_officers_machine_is_named()
    {
        var line = RefusedWith(await StartAsync(null, "--Signing:Desk:AgentUrl=http://desk.example:5088"), StartupFailure.InvalidSetting);

        Assert.Contains("Signing:Desk:AgentUrl must name a loopback address", line);
    }

    [Fact]
    public async Task A_tenant_code_that_is_not_a_plate_code_is_named()
    {
        var line = RefusedWith(await StartAsync(e =>
        {
            foreach (var (key, value) in Signing.Bench.Shared.SyntheticProvinces.Environment(["35"]))
                e[key] = value;
            e["Signing__Tenants__2__Code"] = "99";
        }), StartupFailure.InvalidSetting);

        Assert.Contains("Signing:Tenants (99): not a province plate code (01–81)", line);
    }

    [Fact]
    public async Task A_SIGNING_CONFIG_file_that_does_not_exist_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-server-" + Guid.NewGuid().ToString("N") + ".json");

        var line = RefusedWith(await StartAsync(e => e["SIGNING_CONFIG"] = missing), StartupFailure.FileUnreadable);

        Assert.Contains("SIGNING_CONFIG", line);
        Assert.Contains(missing, line);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StartupCollection
{
    public const string Name = "server process starts (timed)";
}
