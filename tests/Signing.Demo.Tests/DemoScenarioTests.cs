using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.TestKit;
using Xunit.Abstractions;

namespace Signing.Demo.Tests;

/// <summary>
/// The real server as a child process on a fresh database, then the whole demo day played through `esign` processes.
/// The day is played once (it takes a few seconds per step); each test asserts one part of the outcome.
/// </summary>
public sealed class DemoDayFixture : IAsyncLifetime
{
    private readonly PostgresFixture _database = new();
    // The demo's certificates name the world's OCSP and CRL URLs: no other test process may take those down mid-day.
    private readonly PkiServices _pki = new();
    private ServerProcess? _server;
    private readonly StringWriter _transcript = new();

    public DemoResult Result { get; private set; } = null!;
    public string Transcript => _transcript.ToString();
    public GrpcChannel Channel { get; private set; } = null!;
    public string CourierKey => _server!.CourierKey;
    public string ServerLog => _server?.Log ?? "";

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        var repo = LocalWorld.RepositoryRoot;
        var manifestPath = LocalWorld.ManifestPath;
        LocalWorld.EnsureBuilt("HsmSim", () => File.Exists(manifestPath) && File.Exists(LocalWorld.ServerConfigPath));
        _pki.HoldWorld();
        // The same configuration as this test assembly (bin/Debug or bin/Release).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var serverDll = Path.Combine(repo, "src", "Signing.Server", "bin", configuration, "net10.0", "Signing.Server.dll");
        var esignDll = Path.Combine(repo, "src", "Signing.Cli", "bin", configuration, "net10.0", "esign.dll");

        string? serverPin = null;
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath)))
        {
            foreach (var p in manifest.RootElement.GetProperty("personas").EnumerateArray())
                if (p.GetProperty("role").GetString() == "server")
                    serverPin = p.GetProperty("userPin").GetString();
            var conf = manifest.RootElement.GetProperty("softHsm2Conf").GetString()!;
            _server = await ServerProcess.StartAsync(serverDll, new Dictionary<string, string>
            {
                ["SIGNING_DB"] = _database.ConnectionString,
                ["SOFTHSM2_CONF"] = conf,
                // The server starts from its configuration files alone: the world's server.json, not the manifest.
                ["SIGNING_CONFIG"] = LocalWorld.ServerConfigPath,
                ["SIGNING_REPO"] = repo,
                ["SIGNING_SERVER_PIN"] = Environment.GetEnvironmentVariable("SIGNING_SERVER_PIN") is { Length: > 0 } pin ? pin : serverPin ?? "",
            }, TimeSpan.FromSeconds(90)); // generous: the whole test run shares 2 cores
        }
        Channel = GrpcChannel.ForAddress(_server.Address);
        var work = Directory.CreateTempSubdirectory("signing-demo-test-").FullName;
        Result = await new DemoRunner(new DemoOptions(_server.Address, esignDll, manifestPath, work, _server.CourierKey), _transcript).RunAsync();
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
        await _database.DisposeAsync();
        _pki.Dispose();
    }
}

public sealed class DemoScenarioTests(DemoDayFixture day, ITestOutputHelper log) : IClassFixture<DemoDayFixture>
{
    /// <summary>The final state through the gRPC API, as the courier (a system client) sees it.</summary>
    private Application Get(string role)
    {
        Assert.True(day.Result.Applications.ContainsKey(role), $"the demo made no '{role}' application:\n{day.Transcript}");
        var client = new ApplicationService.ApplicationServiceClient(day.Channel);
        return client.Get(new GetApplicationRequest { ApplicationId = day.Result.Applications[role].Id },
            new Metadata { { "x-api-key", day.CourierKey } });
    }

    private void AssertDemoOk()
    {
        log.WriteLine(day.Transcript);
        Assert.True(day.Result.Ok, string.Join("\n", day.Result.Failures) + "\n--- server log tail ---\n" + Tail(day.ServerLog));
    }

    private static string Tail(string text) => string.Join("\n", text.Split('\n').TakeLast(40));

    [Fact]
    public void Every_step_of_the_day_ends_as_scripted()
    {
        AssertDemoOk();
        Assert.True(day.Result.Steps >= 25, $"only {day.Result.Steps} steps ran");
    }

    [Fact]
    public void The_doctors_token_is_delivered_after_a_return_and_an_address_confirmation()
    {
        AssertDemoOk();
        var doctor = Get("doctor");
        Assert.Equal("DELIVERED", doctor.Status);
        Assert.Equal(ConfirmationMethod.ESignature, doctor.Method);
        var events = doctor.History.Select(h => h.Event).ToList();
        var returned = events.IndexOf("returned_to_sender");
        var confirmed = events.IndexOf("address_confirmed");
        Assert.True(returned >= 0 && confirmed > returned, "history: " + string.Join(", ", events));
        // Four-eyes: two officers' approvals before the application was approved.
        Assert.Equal(2, events.Count(e => e == "approval_given"));
    }

    [Fact]
    public void The_family_physicians_receipt_is_attached_and_one_approval_is_still_missing()
    {
        AssertDemoOk();
        var fp = Get("fp");
        Assert.Equal(ApplicantCategory.FamilyPhysician, fp.Category);
        Assert.Equal("AWAITING_APPROVAL", fp.Status);
        Assert.DoesNotContain("RECEIPT", fp.Lacks);
        Assert.Contains("SECOND_APPROVAL", fp.Lacks);
    }

    [Fact]
    public void The_wet_signed_paper_is_registered_and_on_the_queue()
    {
        AssertDemoOk();
        var wet = Get("wet");
        Assert.Equal(ConfirmationMethod.WetSignature, wet.Method);
        Assert.Equal("AWAITING_APPROVAL", wet.Status);
        // Registered by the officer, with the receipt handed in at the desk: nothing left but the two approvals.
        Assert.DoesNotContain("PAPER", wet.Lacks);
        Assert.DoesNotContain("RECEIPT", wet.Lacks);
    }

    [Fact]
    public void The_individual_is_routed_to_Kamu_SM_and_not_queued_at_the_directorate()
    {
        AssertDemoOk();
        var individual = Get("individual");
        Assert.Equal(ApplicantCategory.Individual, individual.Category);
        Assert.Equal("AWAITING_PRICE", individual.Status);
        Assert.DoesNotContain(day.Result.Applications["individual"].Code, day.Result.QueueOutput);
    }

    [Fact]
    public void The_managers_application_is_rejected()
    {
        AssertDemoOk();
        Assert.Equal("REJECTED", Get("manager").Status);
    }

    [Fact]
    public void The_printed_queue_holds_the_waiting_items_only()
    {
        AssertDemoOk();
        var queue = day.Result.QueueOutput;
        Assert.Contains(day.Result.Applications["fp"].Code, queue);
        Assert.Contains(day.Result.Applications["wet"].Code, queue);
        Assert.DoesNotContain(day.Result.Applications["doctor"].Code, queue);
        Assert.DoesNotContain(day.Result.Applications["manager"].Code, queue);
        Assert.Equal(2, day.Result.CountsByStatus.GetValueOrDefault("AWAITING_APPROVAL"));
        Assert.Equal(1, day.Result.CountsByStatus.GetValueOrDefault("DELIVERED"));
        Assert.Equal(1, day.Result.CountsByStatus.GetValueOrDefault("REJECTED"));
    }

    [Fact]
    public void The_officer_lists_the_expiring_applicants_with_their_days_left()
    {
        AssertDemoOk();
        var world = Signing.HsmSim.WorldManifest.Load(LocalWorld.ManifestPath);
        var (from, to) = day.Result.ExpiringReadAt;
        static int DaysLeft(DateTimeOffset notAfter, DateTimeOffset at) => (int)Math.Floor((notAfter - at).TotalDays);
        // The day's applicants: their certificates were recorded when they applied (tenant 33). Within 90 days of the reading.
        var applicants = new[] { "doctor", "fp-expiring", "fp-expired", "individual", "manager" }.Select(world.Persona).ToList();
        var expected = applicants.Where(p => p.NotAfter > to && p.NotAfter <= from.AddDays(90)).ToList();
        Assert.NotEmpty(expected); // the world has applicants whose NES ends within 90 days (fp-expiring, individual)
        foreach (var persona in expected)
        {
            var masked = DemoRunner.MaskTckn(persona.Tckn!);
            Assert.True(day.Result.ExpiringDaysLeft.TryGetValue(masked, out var days), $"{persona.Id} is not on the expiring list:\n{day.Result.ExpiringOutput}");
            Assert.InRange(days, DaysLeft(persona.NotAfter, to), DaysLeft(persona.NotAfter, from));
            // The printed table shows the same person with the same days left.
            var line = Assert.Single(day.Result.ExpiringOutput.Split('\n'), l => l.Contains(masked));
            Assert.Contains($" {days} ", line);
        }
        // Nobody else: the expired applicant and those with years left are not on it.
        Assert.Equal(expected.Select(p => DemoRunner.MaskTckn(p.Tckn!)).Order(), day.Result.ExpiringDaysLeft.Keys.Order());
    }
}
