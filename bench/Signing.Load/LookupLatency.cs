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

/// <summary>
/// `lookup-latency`: what a lookup costs as tenants are added. One database seeded once over all 81 provinces; the server
/// is started on it with the two shipped tenants and then with all 81, in alternating rounds so the machine's slow and
/// fast stretches fall on both; in each, one caller over REST times (a) an application id that does not exist, (b) an
/// existing application of the last configured tenant, (c) ListMine of an applicant with applications in two
/// tenants. Reads that loop over the tenants grow with their number; one query per lookup does not.
/// </summary>
public static partial class LookupLatency
{
    /// <summary>The applicant whose ListMine is measured: a world persona with a card, so it can sign in.</summary>
    private const string ApplicantPersona = "doctor";

    /// <summary>
    /// The applicant's applications, one per tenant (one open renewal per TCKN per tenant is allowed), in the two tenants
    /// both configurations serve: ListMine then answers the same two applications with 2 tenants and with 81, and only
    /// the number of tenants differs between the two measurements.
    /// </summary>
    private static readonly string[] ApplicantTenants = ["33", "01"];

    private static readonly string[] Lookups = ["unknown-id", "existing-id", "list-mine"];

    public static Command Command()
    {
        var requests = new Option<int>("--requests") { Description = "Timed requests of each lookup per round and configuration.", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured requests of each lookup after each server start.", DefaultValueFactory = _ => 20 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each starts the server with 2 tenants, then with 81.", DefaultValueFactory = _ => 2 };
        var applications = new Option<int>("--applications") { Description = "Applications seeded, spread evenly over the 81 provinces.", DefaultValueFactory = _ => 4_050 };
        var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll to start (default: src/Signing.Server/bin/Release|Debug/net10.0)." };
        var maxRatio = new Option<double?>("--max-ratio") { Description = "Exit 1 also when a p50 or p99 at 81 tenants exceeds this multiple of the one at 2 (e.g. 1.2)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the seeded database (default: dropped)." };
        var command = new Command("lookup-latency",
            "Latency of Get (an unknown id; an existing id of the last tenant) and ListMine over REST with the server started with the 2 shipped tenants " +
            "and with all 81, on the same seeded database, in alternating rounds; prints p50/p99 of each and the 81/2 ratio. Exit 1 if a request failed.")
        {
            requests, warmup, rounds, applications, serverDll, maxRatio, keep,
        };
        command.SetAction(async (parse, _) => await ExecuteAsync(new Options(
            Positive(parse.GetValue(requests), "--requests"), NonNegative(parse.GetValue(warmup), "--warmup"), Positive(parse.GetValue(rounds), "--rounds"),
            Positive(parse.GetValue(applications), "--applications"), parse.GetValue(serverDll), parse.GetValue(maxRatio), parse.GetValue(keep))));
        return command;
    }

    private sealed record Options(int Requests, int Warmup, int Rounds, int Applications, string? ServerDll, double? MaxRatio, bool Keep);

    /// <summary>One server configuration: its tenants, and the existing application (b) reads, in the last of them.</summary>
    private sealed record Configuration(string Label, IReadOnlyList<string> Tenants, Guid ExistingId)
    {
        public string LastTenant => Tenants[^1];
        public int ApplicantCount => ApplicantTenants.Count(Tenants.Contains);
    }

    public sealed record Numbers(string Lookup, int Tenants, int Requests, int Failed, double P50Ms, double P99Ms, double MeanMs, double MaxMs);

    private static async Task<int> ExecuteAsync(Options options)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOFTHSM2_CONF")))
            throw new InvalidOperationException("SOFTHSM2_CONF must be exported before this process starts (SoftHSM reads it at load time) for the applicant's sign-in");
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        var applicant = Persona.Load(setup.ManifestPath, ApplicantPersona);
        var database = "load_lookup_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await setup.CreateDatabaseAsync(database);
        try
        {
            var all = SyntheticProvinces.AllCodes;
            // The seeder puts application i in all[i % 81]: the last seeded of 01 and of 81 are the existing ids read.
            var n = options.Applications;
            Guid LastSeededIn(string code)
            {
                var index = all.ToList().IndexOf(code);
                return n > index ? ApplicationStore.ApplicationIdFor(code, "seed-" + ((n - 1 - index) / all.Count * all.Count + index))
                    : throw new ArgumentException($"--applications {n} leaves tenant {code} without a seeded application");
            }
            var configurations = new[]
            {
                new Configuration("2", SyntheticProvinces.Shipped, LastSeededIn(SyntheticProvinces.Shipped[^1])),
                new Configuration("81", [.. SyntheticProvinces.Shipped, .. all.Where(c => !SyntheticProvinces.Shipped.Contains(c))], LastSeededIn(all[^1])),
            };

            var sw = Stopwatch.StartNew();
            using (var store = SigningStore.CreateDocumentStore(setup.ConnectionStringFor(database)))
            {
                await new Seeder(store, all).SeedAsync(0, n, workers: 2, perTransaction: 500);
                await SeedApplicantAsync(store, applicant.Tckn);
            }
            await AnalyzeAsync(setup.OwnerConnectionStringFor(database));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lookup-latency: seeded {n:N0} applications over {all.Count} tenants and {ApplicantTenants.Length} of '{ApplicantPersona}' ({string.Join(",", ApplicantTenants)}) in {sw.Elapsed.TotalSeconds:F1} s"));

            using var card = applicant.LogIn(world);
            var samples = configurations.ToDictionary(c => c.Label, _ => Lookups.ToDictionary(l => l, _ => new List<double>()));
            var failures = configurations.ToDictionary(c => c.Label, _ => Lookups.ToDictionary(l => l, _ => 0));
            var firstFailures = new List<string>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var configuration in configurations)
                {
                    Console.Error.WriteLine($"lookup-latency: round {round}/{options.Rounds}, {configuration.Tenants.Count} tenants…");
                    await WithServerAsync(setup, world, database, options.ServerDll, configuration, $"{database}-r{round}-{configuration.Label}",
                        async (urls, apiKey) =>
                        {
                            var bearer = await SignInAsync(urls.Grpc, card.Key);
                            await MeasureAsync(urls.RestUrl, apiKey, bearer, configuration, options, samples[configuration.Label], failures[configuration.Label], firstFailures);
                        });
                }
            }

            var results = configurations.SelectMany(c => Lookups.Select(l =>
                Summarise(l, c.Tenants.Count, samples[c.Label][l], failures[c.Label][l]))).ToList();
            var ratios = Lookups.ToDictionary(l => l, l =>
            {
                var two = results.Single(r => r.Lookup == l && r.Tenants == configurations[0].Tenants.Count);
                var many = results.Single(r => r.Lookup == l && r.Tenants == configurations[1].Tenants.Count);
                return (P50: Ratio(many.P50Ms, two.P50Ms), P99: Ratio(many.P99Ms, two.P99Ms));
            });
            Print(results, ratios, options, configurations);
            foreach (var failure in firstFailures)
                Console.Error.WriteLine("lookup-latency: " + failure);
            var failed = results.Sum(r => r.Failed);
            bool? withinRatio = options.MaxRatio is { } max ? ratios.Values.All(r => r.P50 <= max && r.P99 <= max) : null;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                kind = "signing-lookup-latency",
                rounds = options.Rounds,
                requestsPerRound = options.Requests,
                warmup = options.Warmup,
                seededApplications = n,
                applicantApplications = ApplicantTenants.Length,
                results,
                ratios = ratios.ToDictionary(r => r.Key, r => new { p50 = Math.Round(r.Value.P50, 3), p99 = Math.Round(r.Value.P99, 3) }),
                failed,
                maxRatio = options.MaxRatio,
                withinRatio,
            }));
            return failed == 0 && withinRatio != false ? 0 : 1;
        }
        finally
        {
            if (options.Keep)
                Console.Error.WriteLine($"lookup-latency: kept database {database}");
            else
                await setup.DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// Each iteration does (a), (b) and (c) once, so a slow stretch of the machine falls on all three alike. A wrong
    /// status or body is a failure, not a sample: (a) must be 404, (b) 200 with the id asked for, (c) 200 with exactly the
    /// applicant's applications in the configured tenants.
    /// </summary>
    private static async Task MeasureAsync(string restUrl, string apiKey, string bearer, Configuration configuration, Options options,
        Dictionary<string, List<double>> samples, Dictionary<string, int> failures, List<string> firstFailures)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan }) { BaseAddress = new Uri(restUrl) };
        var applicantAuthorization = new AuthenticationHeaderValue("Bearer", bearer);

        async Task<string?> Unknown()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/applications/{Guid.NewGuid()}");
            request.Headers.Add("x-api-key", apiKey);
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode == HttpStatusCode.NotFound ? null : $"unknown id: {(int)response.StatusCode}, expected 404";
        }

        async Task<string?> Existing()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/applications/{configuration.ExistingId}");
            request.Headers.Add("x-api-key", apiKey);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                return $"existing id of tenant {configuration.LastTenant}: {(int)response.StatusCode}, expected 200";
            using var json = JsonDocument.Parse(body);
            var id = json.RootElement.TryGetProperty("id", out var v) ? v.GetString() : null;
            return Guid.TryParse(id, out var got) && got == configuration.ExistingId ? null : $"existing id: the reply carries id '{id}', not {configuration.ExistingId}";
        }

        async Task<string?> Mine()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/applications");
            request.Headers.Authorization = applicantAuthorization;
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                return $"ListMine: {(int)response.StatusCode}, expected 200";
            using var json = JsonDocument.Parse(body);
            var count = json.RootElement.TryGetProperty("applications", out var list) ? list.GetArrayLength() : 0;
            return count == configuration.ApplicantCount ? null
                : $"ListMine with {configuration.Tenants.Count} tenants: {count} applications, expected {configuration.ApplicantCount}";
        }

        var calls = new (string Lookup, Func<Task<string?>> Call)[] { (Lookups[0], Unknown), (Lookups[1], Existing), (Lookups[2], Mine) };
        for (var i = 0; i < options.Warmup + options.Requests; i++)
        {
            foreach (var (lookup, call) in calls)
            {
                var begin = Stopwatch.GetTimestamp();
                string? problem;
                try
                {
                    problem = await call();
                }
                catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
                {
                    problem = $"{lookup}: {e.GetType().Name}: {e.Message}";
                }
                var ms = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                if (i < options.Warmup && problem is null)
                    continue;
                if (problem is null)
                {
                    samples[lookup].Add(ms);
                }
                else
                {
                    failures[lookup]++;
                    if (firstFailures.Count < 10)
                        firstFailures.Add(problem);
                }
            }
        }
    }

    private static Numbers Summarise(string lookup, int tenants, List<double> samples, int failed)
    {
        var sorted = samples.Order().ToArray();
        double Pct(double q) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 3);
        return new Numbers(lookup, tenants, sorted.Length, failed, Pct(0.50), Pct(0.99),
            sorted.Length == 0 ? 0 : Math.Round(sorted.Average(), 3), sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 3));
    }

    private static double Ratio(double many, double two) => two > 0 ? many / two : double.NaN;

    private static void Print(List<Numbers> results, Dictionary<string, (double P50, double P99)> ratios, Options options, Configuration[] configurations)
    {
        var (two, many) = (configurations[0].Tenants.Count, configurations[1].Tenants.Count);
        Console.WriteLine();
        Console.WriteLine($"lookups over REST, one caller, {options.Rounds} round(s) of {options.Requests} timed requests each (after {options.Warmup} unmeasured), " +
                          $"server with {two} tenants, then {many}; (b) reads the last tenant's application ({configurations[0].LastTenant}, then {configurations[1].LastTenant})");
        Console.WriteLine($"{"lookup",-12} {$"p50@{two}",9} {$"p50@{many}",9} {"ratio",6} {$"p99@{two}",9} {$"p99@{many}",9} {"ratio",6} {"failed",7}");
        foreach (var lookup in Lookups)
        {
            var a = results.Single(r => r.Lookup == lookup && r.Tenants == two);
            var b = results.Single(r => r.Lookup == lookup && r.Tenants == many);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{lookup,-12} {a.P50Ms,9:F2} {b.P50Ms,9:F2} {ratios[lookup].P50,6:F2} {a.P99Ms,9:F2} {b.P99Ms,9:F2} {ratios[lookup].P99,6:F2} {a.Failed + b.Failed,7}"));
        }
        if (options.MaxRatio is { } max)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio at most {max:F2}: {(ratios.Values.All(r => r.P50 <= max && r.P99 <= max) ? "met" : "NOT met")}"));
    }

    private static int Positive(int value, string name) => value > 0 ? value : throw new ArgumentException($"{name} must be positive, not {value}");

    private static int NonNegative(int value, string name) => value >= 0 ? value : throw new ArgumentException($"{name} must not be negative, not {value}");

    /// <summary>A world persona with a card: its TCKN, and its token logged in once for this process.</summary>
    private sealed record Persona(string Id, string Tckn, string TokenLabel, string Pin)
    {
        public static Persona Load(string manifestPath, string id)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
            var persona = doc.RootElement.GetProperty("personas").EnumerateArray()
                .FirstOrDefault(p => p.GetProperty("id").GetString() == id);
            string Str(string name) => persona.ValueKind == JsonValueKind.Object && persona.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } s ? s
                : throw new InvalidDataException($"the manifest's persona '{id}' has no {name}");
            return new Persona(id, Str("tckn"), Str("tokenLabel"), Str("userPin"));
        }

        public GrpcQueue.Card LogIn(WorldManifest world) => GrpcQueue.LogIn(world, TokenLabel, Pin);
    }
}
