using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Net.Client;
using Npgsql;
using Signing.Bench.Shared;
using Signing.Domain;
using Signing.Store;
using Signing.Tokens;

namespace Signing.Load;

/// <summary>`lookup-latency`: starting the server, seeding the applicant, signing in.</summary>
public static partial class LookupLatency
{
    /// <summary>
    /// Starts the server on <paramref name="database"/> with the configuration's tenants, a system client that may read in
    /// every tenant, rate limits off (one caller sends faster than a person's bucket allows, and the limits are not what
    /// is measured), runs <paramref name="body"/> and stops it.
    /// </summary>
    private static async Task WithServerAsync(LocalSetup setup, WorldManifest world, string database, string? serverDll, Configuration configuration,
        string name, Func<(string Grpc, string RestUrl), string, Task> body)
    {
        var build = ServerBuild.At(Path.GetFullPath(serverDll ?? LoadRun.FindServerDll(setup.Repo)));
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // "*": the system client acts for every tenant the server serves, so (a) and (b) are refused by nothing but the lookup.
        var environment = LoadRun.ServerEnvironment(setup, world, (key, ["*"]), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        environment["Signing__Auth__SystemClients__load__Scopes__1"] = "applications:read";
        foreach (var (variable, value) in SyntheticProvinces.Environment(configuration.Tenants))
            environment[variable] = value;
        var port = LoadRun.FreePort();
        var restPort = LoadRun.FreePort();
        var log = Path.Combine(Path.GetTempPath(), $"signing-load-{name}.log");
        var connection = await build.PrepareAsync(DatabaseLogins.Of(setup).For(database), environment, log);
        var start = LoadRun.ServerStartInfo(build.Dll, port, restPort, ["--Signing:RateLimits:Enabled=false"], environment, log);
        start.Environment["SIGNING_DB"] = connection;
        Console.Error.WriteLine($"lookup-latency: starting {build.Dll} with {configuration.Tenants.Count} tenants on 127.0.0.1:{port} (REST {restPort}), log {log}");
        using var server = Process.Start(start) ?? throw new InvalidOperationException("the server process did not start");
        try
        {
            var url = $"http://127.0.0.1:{port}";
            await LoadRun.WaitServingAsync(url, server, log);
            await body((url, $"http://127.0.0.1:{restPort}"), key);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }

    /// <summary>
    /// The applicant's applications, one per tenant of <see cref="ApplicantTenants"/>, written as the seeder writes: the
    /// decider's events in a new stream and the open-renewal guard of that tenant.
    /// </summary>
    private static async Task SeedApplicantAsync(Marten.DocumentStore store, string tckn)
    {
        Tckn[] officers = [Tckn.Parse("16384729550"), Tckn.Parse("27495816350")];
        for (var k = 0; k < ApplicantTenants.Length; k++)
        {
            var tenant = ApplicantTenants[k];
            var requestId = $"lookup-applicant-{tenant}";
            var id = ApplicationStore.ApplicationIdFor(tenant, requestId);
            var at = Seeder.Epoch.AddDays(-1).AddHours(k);
            var notAfter = at.AddDays(60);
            var sha = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requestId)));
            var command = new SubmitRenewal(id, requestId, TenantSettings.Mersin(officers) with { ProvinceCode = tenant },
                new Applicant(Tckn.Parse(tckn), PersonName.Parse("Ayşe Yılmaz"), ApplicantCategory.Doctor),
                new Contact("doctor@example.org", "+90 532 000 00 00"), "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin",
                new CertificateFacts(notAfter, sha),
                new Confirmation.ESigned(new SignatureFacts(Indication.Passed, tckn, notAfter, sha, SigningTime: at)), at);
            var decision = ApplicationDecider.Decide(command, ApplicationState.Initial);
            if (!decision.IsAccepted)
                throw new InvalidOperationException($"the applicant's application in {tenant} was refused: {decision.Error}");
            await using var session = store.LightweightSession(tenant);
            session.Events.StartStream(id, decision.Events.Cast<object>().ToArray());
            session.Insert(new OpenRenewal { Id = tckn, ApplicationId = id });
            await session.SaveChangesAsync();
        }
    }

    private static async Task<string> SignInAsync(string grpcUrl, SigningKey key)
    {
        using var channel = GrpcChannel.ForAddress(grpcUrl);
        return await GrpcQueue.SignInAsync(channel, key);
    }

    // A freshly seeded database has no planner statistics; a long-lived one has autovacuum's.
    private static async Task AnalyzeAsync(string ownerConnectionString)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("analyze", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync();
    }
}
