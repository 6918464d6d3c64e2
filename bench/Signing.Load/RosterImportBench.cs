using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Bench.Shared;
using Signing.Contracts.V1;
using Signing.Domain;

namespace Signing.Load;

/// <summary>
/// `roster-import`: an HR system's whole staff list sent over gRPC (RosterService.Import, a client stream of chunks) into a
/// fresh tenant, then the same list again (nothing to write), against a started server on a fresh database. Prints the wall
/// time, rows/s and the server's CPU of each import, and checks the second one changed nothing.
/// </summary>
public static class RosterImportBench
{
    private static readonly string[] Categories = ["Doktor", "Yönetici", "Aile Hekimi", "Diğer Personel"];

    public static Command Command()
    {
        var rows = new Option<int>("--rows") { Description = "People on the list.", DefaultValueFactory = _ => 100_000 };
        var chunk = new Option<int>("--chunk") { Description = "Rows per stream message (the CLI sends 1,000).", DefaultValueFactory = _ => 1_000 };
        var tenant = new Option<string>("--tenant") { Description = "The directorate imported into.", DefaultValueFactory = _ => "33" };
        var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll to start (default: src/Signing.Server/bin/Release|Debug/net10.0)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the database (default: dropped)." };
        var command = new Command("roster-import",
            "Imports --rows people over gRPC into a fresh tenant, then the same rows again; prints wall time, rows/s and server CPU of each. Exit 1 if the second import changed anything.")
        {
            rows, chunk, tenant, serverDll, keep,
        };
        command.SetAction(async (parse, _) => await ExecuteAsync(parse.GetValue(rows), parse.GetValue(chunk), parse.GetValue(tenant)!, parse.GetValue(serverDll), parse.GetValue(keep)));
        return command;
    }

    /// <summary>Distinct valid TCKNs belonging to nobody, names with Turkish letters, the four categories, contact data on most.</summary>
    public static List<RosterRow> Rows(int count) => Enumerable.Range(0, count).Select(i => new RosterRow
    {
        Row = i + 2,
        Tckn = Tckn.WithCheckDigits((800_000_000 + i).ToString(CultureInfo.InvariantCulture)).Value,
        Name = $"Çiğdem Şükrüoğlu {i}",
        Category = Categories[i % Categories.Length],
        Institution = $"Mersin İlçe Sağlık Müdürlüğü {i % 50}",
        Email = i % 10 == 0 ? "" : $"personel{i}@saglik.gov.tr",
        Phone = i % 3 == 0 ? "" : $"0532 {i % 1000:000} {i / 1000 % 100:00} {i % 100:00}",
        Active = i % 20 == 0 ? "Pasif" : "Aktif",
    }).ToList();

    private static async Task<int> ExecuteAsync(int count, int chunk, string tenant, string? serverDll, bool keep)
    {
        if (count < 1 || chunk < 1)
            throw new ArgumentException("--rows and --chunk must be at least 1");
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        var database = "load_roster_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await setup.CreateDatabaseAsync(database);
        try
        {
            var build = ServerBuild.At(Path.GetFullPath(serverDll ?? LoadRun.FindServerDll(setup.Repo)));
            var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var environment = LoadRun.ServerEnvironment(setup, world, (key, [tenant]), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            environment["Signing__Auth__SystemClients__load__Scopes__1"] = "roster:write";
            var port = LoadRun.FreePort();
            var log = Path.Combine(Path.GetTempPath(), $"signing-load-{database}.log");
            var connection = await build.PrepareAsync(DatabaseLogins.Of(setup).For(database), environment, log);
            var start = LoadRun.ServerStartInfo(build.Dll, port, LoadRun.FreePort(), ["--Signing:RateLimits:Enabled=false"], environment, log);
            start.Environment["SIGNING_DB"] = connection;
            var list = Rows(count);
            Console.Error.WriteLine($"roster-import: {count:N0} rows in messages of {chunk}; starting {build.Dll} on 127.0.0.1:{port}, log {log}");
            using var server = Process.Start(start) ?? throw new InvalidOperationException("the server process did not start");
            try
            {
                var url = $"http://127.0.0.1:{port}";
                await LoadRun.WaitServingAsync(url, server, log);
                using var channel = GrpcChannel.ForAddress(url);
                var client = new RosterService.RosterServiceClient(channel);
                var first = await TimedAsync(client, key, tenant, list, chunk, server);
                var second = await TimedAsync(client, key, tenant, list, chunk, server);
                var ok = first.Report.Added == count && second.Report.Unchanged == count && second.Report.Added + second.Report.Changed + second.Report.Deactivated == 0;
                foreach (var (label, run) in new[] { ("fresh tenant", first), ("same rows again", second) })
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label,-16} {run.Seconds,7:F2} s  {count / run.Seconds,9:N0} rows/s  server CPU {run.ServerCpuSeconds,6:F2} s  added {run.Report.Added:N0}, unchanged {run.Report.Unchanged:N0}, refused {run.Report.Refused.Count}"));
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    kind = "signing-roster-import",
                    rows = count,
                    chunk,
                    fresh = new { seconds = Math.Round(first.Seconds, 3), rowsPerSecond = Math.Round(count / first.Seconds), serverCpuSeconds = Math.Round(first.ServerCpuSeconds, 2) },
                    again = new { seconds = Math.Round(second.Seconds, 3), rowsPerSecond = Math.Round(count / second.Seconds), serverCpuSeconds = Math.Round(second.ServerCpuSeconds, 2) },
                    ok,
                }));
                return ok ? 0 : 1;
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
        finally
        {
            if (keep)
                Console.Error.WriteLine($"roster-import: kept database {database}");
            else
                await setup.DropDatabaseAsync(database);
        }
    }

    private sealed record Timed(RosterImportReport Report, double Seconds, double ServerCpuSeconds);

    private static async Task<Timed> TimedAsync(RosterService.RosterServiceClient client, string key, string tenant, List<RosterRow> rows, int chunk, Process server)
    {
        server.Refresh();
        var cpu = server.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var call = client.Import(new Metadata { { "x-api-key", key } }, deadline: DateTime.UtcNow.AddMinutes(30));
        await call.RequestStream.WriteAsync(new RosterImportRequest { Header = new RosterImportHeader { Tenant = tenant, Source = "roster-import bench" } });
        foreach (var part in rows.Chunk(chunk))
        {
            var message = new RosterRows();
            message.Rows.AddRange(part);
            await call.RequestStream.WriteAsync(new RosterImportRequest { Rows = message });
        }
        await call.RequestStream.CompleteAsync();
        var report = await call;
        var seconds = clock.Elapsed.TotalSeconds;
        server.Refresh();
        return new Timed(report, seconds, (server.TotalProcessorTime - cpu).TotalSeconds);
    }
}
