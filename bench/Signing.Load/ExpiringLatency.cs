using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Store;
using ApplicantCategory = Signing.Domain.ApplicantCategory;
using StaffCategory = Signing.Domain.StaffCategory;

namespace Signing.Load;

/// <summary>
/// `expiring-latency`: a page of ExpiryService.ListExpiring over gRPC with 10k and with 1M people in one tenant (Mersin,
/// 33). The people are written straight into the tables with COPY (a certificate seen for each, notAfter spread evenly
/// over the 3-year NES term; most on the roster, a few of them inactive; an open renewal for some of those expiring), as
/// the store would have them after years of checks and imports. The officer signs in with the world's token; pages are
/// timed at random positions of the list, with cursors the server itself returned.
/// </summary>
public static class ExpiringLatency
{
    private const string Tenant = "33";
    private static readonly TimeSpan Term = TimeSpan.FromDays(3 * 365);

    public static Command Command()
    {
        var count = new Option<long>("--count") { Description = "People at the large measurement.", DefaultValueFactory = _ => 1_000_000 };
        var small = new Option<long>("--small") { Description = "People at the small measurement.", DefaultValueFactory = _ => 10_000 };
        var pages = new Option<int>("--pages") { Description = "Pages timed at each size.", DefaultValueFactory = _ => 2_000 };
        var pageSize = new Option<int>("--page-size") { Description = "People per page.", DefaultValueFactory = _ => 50 };
        var within = new Option<int>("--within") { Description = "within_days of the list.", DefaultValueFactory = _ => 90 };
        var keep = new Option<bool>("--keep") { Description = "Keep the seeded database (default: dropped)." };
        var command = new Command("expiring-latency",
            "Seeds --small people (certificates seen, roster, open renewals) into tenant 33 with COPY, times ListExpiring pages over gRPC through a " +
            "started server as officer-mersin-1, seeds on to --count and times again; prints p50/p99 of both, the ratio and the plan of a deep page. " +
            "Exit 1 when the p99 at --count exceeds 1.5 × the one at --small.")
        {
            count, small, pages, pageSize, within, keep,
        };
        command.SetAction(async (parse, _) =>
        {
            var n = parse.GetValue(count);
            var m = parse.GetValue(small);
            if (m <= 0 || n <= m)
                throw new ArgumentException("--count must be larger than --small, both positive");
            return await ExecuteAsync(m, n, Math.Max(1, parse.GetValue(pages)), Math.Clamp(parse.GetValue(pageSize), 1, ApplicationStore.MaxPageSize),
                Math.Clamp(parse.GetValue(within), 1, ApplicationStore.MaxExpiringDays), parse.GetValue(keep));
        });
        return command;
    }

    public sealed record Numbers(long People, long Listed, int Pages, double P50Ms, double P99Ms, double MeanMs, double MaxMs);

    private static async Task<int> ExecuteAsync(long small, long large, int pages, int pageSize, int within, bool keep)
    {
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        var name = "load_expiring_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await setup.CreateDatabaseAsync(name);
        var now = DateTimeOffset.UtcNow;
        try
        {
            var sw = Stopwatch.StartNew();
            await SeedAsync(setup.ConnectionStringFor(name), 0, small, now);
            await AnalyzeAsync(setup.OwnerConnectionStringFor(name));
            var seedSeconds = sw.Elapsed.TotalSeconds;
            var atSmall = await ThroughServerAsync(setup, world, name, small, pages, pageSize, within, seed: 1);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"expiring-latency: at {small:N0}: p50 {atSmall.P50Ms:F2} ms, p99 {atSmall.P99Ms:F2} ms ({atSmall.Listed:N0} listed)"));
            sw.Restart();
            await SeedAsync(setup.ConnectionStringFor(name), small, large, now);
            await AnalyzeAsync(setup.OwnerConnectionStringFor(name));
            seedSeconds += sw.Elapsed.TotalSeconds;
            var atLarge = await ThroughServerAsync(setup, world, name, large, pages, pageSize, within, seed: 2);
            var plan = await ExplainDeepPageAsync(setup.ConnectionStringFor(name), now, within, pageSize);

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ListExpiring over gRPC (officer-mersin-1, tenant {Tenant}, within {within} days, pages of {pageSize}, {pages} timed pages per size, one caller)"));
            Console.WriteLine($"{"people",10} {"listed",8} {"p50 ms",8} {"p99 ms",8} {"mean ms",8} {"max ms",8}");
            foreach (var r in new[] { atSmall, atLarge })
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.People,10:N0} {r.Listed,8:N0} {r.P50Ms,8:F2} {r.P99Ms,8:F2} {r.MeanMs,8:F2} {r.MaxMs,8:F2}"));
            var ratio = atSmall.P99Ms > 0 ? atLarge.P99Ms / atSmall.P99Ms : double.NaN;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p99 ratio {large:N0}/{small:N0}: {ratio:F2}; seeding {large:N0} people took {seedSeconds:F0} s"));
            Console.WriteLine($"plan of a deep page at {large:N0}:\n  " + plan.Replace("\n", "\n  "));
            Console.WriteLine(JsonSerializer.Serialize(new { kind = "signing-expiring-latency", within, pageSize, pages, small = atSmall, large = atLarge, p99Ratio = Math.Round(ratio, 3) }));
            return ratio <= 1.5 ? 0 : 1;
        }
        finally
        {
            if (keep)
                Console.Error.WriteLine($"expiring-latency: kept database {name}");
            else
                await setup.DropDatabaseAsync(name);
        }
    }

    /// <summary>Person i: a valid TCKN of its own.</summary>
    private static string TcknOf(long i) => Tckn.WithCheckDigits((100_000_000 + i).ToString("000000000", CultureInfo.InvariantCulture)).Value;

    /// <summary>
    /// People [from, to): notAfter spread evenly over the term from <paramref name="now"/> (so about 90/1095 of them end
    /// within 90 days); 9 in 10 on the roster (1 in 50 of those inactive); an open renewal for 1 in 4, drawn at random.
    /// </summary>
    private static async Task SeedAsync(string connectionString, long from, long to, DateTimeOffset now)
    {
        using var store = SigningStore.CreateDocumentStore(connectionString);
        var serializer = store.Options.Serializer();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var schema = SigningStore.Schema;
        var random = new Random((int)from + 7);
        var categories = Enum.GetValues<ApplicantCategory>();
        var staff = Enum.GetValues<StaffCategory>();
        var renewals = new List<(string Tckn, Guid Id)>();
        await using (var holders = await connection.BeginBinaryImportAsync(
            $"copy {schema}.mt_doc_certificateholder (tenant_id, id, data, not_after, mt_dotnet_type) from stdin (format binary)"))
        {
            for (var i = from; i < to; i++)
            {
                var tckn = TcknOf(i);
                var notAfter = now.AddTicks((long)(random.NextDouble() * Term.Ticks)).ToUniversalTime();
                var holder = new CertificateHolder
                {
                    Id = tckn, Name = "Kişi " + i.ToString(CultureInfo.InvariantCulture), Category = categories[i % categories.Length], NotAfter = notAfter,
                    CertificateSha256 = tckn.PadRight(64, '0'), LastSeenAt = now,
                };
                await holders.StartRowAsync();
                await holders.WriteAsync(Tenant, NpgsqlDbType.Varchar);
                await holders.WriteAsync(tckn, NpgsqlDbType.Varchar);
                await holders.WriteAsync(serializer.ToJson(holder), NpgsqlDbType.Jsonb);
                await holders.WriteAsync(notAfter, NpgsqlDbType.TimestampTz);
                await holders.WriteAsync(typeof(CertificateHolder).FullName!, NpgsqlDbType.Varchar);
                // Drawn, not every 4th person: person numbers and expiry dates come from the same sequence.
                if (random.Next(4) == 0)
                    renewals.Add((tckn, ApplicationStore.ApplicationIdFor(Tenant, "expiring-bench-" + i.ToString(CultureInfo.InvariantCulture))));
            }
            await holders.CompleteAsync();
        }
        await using (var roster = await connection.BeginBinaryImportAsync(
            $"copy {schema}.mt_doc_rostermember (tenant_id, id, data, active, mt_dotnet_type) from stdin (format binary)"))
        {
            for (var i = from; i < to; i++)
            {
                if (i % 10 == 9)
                    continue;
                var member = new RosterMember
                {
                    Id = TcknOf(i), Name = "Personel " + i.ToString(CultureInfo.InvariantCulture), Category = staff[i % staff.Length],
                    Institution = "Kurum " + (i % 300).ToString(CultureInfo.InvariantCulture), Email = $"p{i}@example.org", Active = i % 50 != 3, UpdatedAt = now,
                };
                await roster.StartRowAsync();
                await roster.WriteAsync(Tenant, NpgsqlDbType.Varchar);
                await roster.WriteAsync(member.Id, NpgsqlDbType.Varchar);
                await roster.WriteAsync(serializer.ToJson(member), NpgsqlDbType.Jsonb);
                await roster.WriteAsync(member.Active, NpgsqlDbType.Boolean);
                await roster.WriteAsync(typeof(RosterMember).FullName!, NpgsqlDbType.Varchar);
            }
            await roster.CompleteAsync();
        }
        await using (var open = await connection.BeginBinaryImportAsync(
            $"copy {schema}.mt_doc_openrenewal (tenant_id, id, data, mt_dotnet_type) from stdin (format binary)"))
        {
            foreach (var (tckn, id) in renewals)
            {
                await open.StartRowAsync();
                await open.WriteAsync(Tenant, NpgsqlDbType.Varchar);
                await open.WriteAsync(tckn, NpgsqlDbType.Varchar);
                await open.WriteAsync(serializer.ToJson(new OpenRenewal { Id = tckn, ApplicationId = id }), NpgsqlDbType.Jsonb);
                await open.WriteAsync(typeof(OpenRenewal).FullName!, NpgsqlDbType.Varchar);
            }
            await open.CompleteAsync();
        }
        await using (var views = await connection.BeginBinaryImportAsync(
            $"copy {schema}.mt_doc_applicationview (tenant_id, id, data, applicant_tckn, status, mt_dotnet_type) from stdin (format binary)"))
        {
            foreach (var (tckn, id) in renewals)
            {
                // Off the queue (no queued_at): the queue is not what is measured here.
                var view = new ApplicationView { Id = id, Tenant = Tenant, ApplicantTckn = tckn, Status = ApplicationStatus.AwaitingPrice, IsOpen = true };
                await views.StartRowAsync();
                await views.WriteAsync(Tenant, NpgsqlDbType.Varchar);
                await views.WriteAsync(id, NpgsqlDbType.Uuid);
                await views.WriteAsync(serializer.ToJson(view), NpgsqlDbType.Jsonb);
                await views.WriteAsync(tckn, NpgsqlDbType.Varchar);
                await views.WriteAsync(view.Status.ToString(), NpgsqlDbType.Varchar);
                await views.WriteAsync(typeof(ApplicationView).FullName!, NpgsqlDbType.Varchar);
            }
            await views.CompleteAsync();
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"expiring-latency: seeded people {from:N0}..{to:N0} ({renewals.Count:N0} open renewals)"));
    }

    private static async Task<Numbers> ThroughServerAsync(LocalSetup setup, WorldManifest world, string database, long people, int pages, int pageSize, int within, int seed)
    {
        // One officer pages thousands of times a second: the per-person rate limit would refuse it, and is not what is measured.
        var (server, url) = await LoadRun.StartServerAsync(setup, world, database, null, ["--Signing:RateLimits:Enabled=false"], null, database + "-" + seed);
        using (server)
        {
            try
            {
                using var channel = GrpcChannel.ForAddress(url);
                string bearer;
                using (var card = GrpcQueue.OfficerCard(world))
                    bearer = await GrpcQueue.SignInAsync(channel, card.Key);
                var headers = new Metadata { { "authorization", "Bearer " + bearer } };
                var client = new ExpiryService.ExpiryServiceClient(channel);

                var (times, listed) = await GrpcQueue.TimePagesAsync(async c =>
                {
                    var page = await client.ListExpiringAsync(new ListExpiringRequest { WithinDays = within, Page = new PageRequest { PageSize = pageSize, Cursor = c } }, headers);
                    return (page.People.Count, page.NextCursor);
                }, pages, seed, "ListExpiring");
                Array.Sort(times);
                double Pct(double q) => Math.Round(times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)], 3);
                return new Numbers(people, listed, times.Length, Pct(0.50), Pct(0.99), Math.Round(times.Average(), 3), Math.Round(times[^1], 3));
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
    }

    /// <summary>EXPLAIN ANALYZE of the store's page query at a cursor in the middle of the list (the statement ListExpiringAsync sends).</summary>
    private static async Task<string> ExplainDeepPageAsync(string connectionString, DateTimeOffset now, int within, int pageSize)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var schema = SigningStore.Schema;
        string? middleId = null;
        DateTimeOffset middle = default;
        await using (var find = new NpgsqlCommand($"select not_after, id from {schema}.mt_doc_certificateholder where tenant_id = $1 and not_after > $2 and not_after <= $3 " +
                                                  "order by not_after, id offset (select count(*) / 2 from " +
                                                  $"{schema}.mt_doc_certificateholder where tenant_id = $1 and not_after > $2 and not_after <= $3) limit 1", connection))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = Tenant });
            find.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
            find.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime().AddDays(within) });
            await using var reader = await find.ExecuteReaderAsync();
            if (await reader.ReadAsync())
                (middle, middleId) = (reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1));
        }
        var sql = ApplicationStore.ExpiringPageSql(middleId is not null, category: false);
        await using var explain = new NpgsqlCommand("explain (analyze, buffers, costs off, timing off, summary on) " + sql, connection);
        foreach (var value in ApplicationStore.ExpiringPageParameters(Tenant, now, within, middleId is null ? null : new ExpiringCursor(middle, middleId), pageSize, null))
            explain.Parameters.Add(new NpgsqlParameter { Value = value });
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    }

    // A bulk load outruns autovacuum's analyze; a long-lived store has statistics.
    private static async Task AnalyzeAsync(string ownerConnectionString)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("analyze", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync();
    }
}
