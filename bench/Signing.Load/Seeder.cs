using System.Diagnostics;
using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Store;

namespace Signing.Load;

/// <summary>
/// Fills a store with e-signed renewal applications on the approval queue, exactly as submissions make them: the
/// decider's events in new streams, the inline projections (view, queue, expiring holders) and the open-renewal guard,
/// many streams per Marten transaction, several writers in parallel.
/// </summary>
public sealed class Seeder(DocumentStore store, IReadOnlyList<string> tenants)
{
    /// <summary>Submission times start here, 1 s apart per application: the queue's order is the seeding order.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Tckn[] Officers = [Tckn.Parse("16384729550"), Tckn.Parse("27495816350")];
    private readonly Dictionary<string, TenantSettings> _settings = tenants.ToDictionary(t => t, t => TenantSettings.Mersin(Officers) with { ProvinceCode = t });

    /// <summary>
    /// Applications [from, to) of the global sequence; application i goes to tenant i mod tenants. A transaction holds
    /// <paramref name="perTransaction"/> applications of one tenant (sessions are per tenant under conjoined tenancy):
    /// grouping a chunk of the sequence by tenant instead would leave 81 provinces with transactions of a handful each.
    /// </summary>
    public async Task SeedAsync(long from, long to, int workers, int perTransaction, Action<long>? progress = null)
    {
        var work = WorkItems(from, to, tenants.Count, perTransaction);
        var next = -1;
        var done = 0L;
        async Task Worker()
        {
            int w;
            while ((w = Interlocked.Increment(ref next)) < work.Count)
            {
                var (t, first, count) = work[w];
                var tenant = tenants[t];
                await using var session = store.LightweightSession(tenant);
                for (var k = 0L; k < count; k++)
                {
                    var i = first + k * tenants.Count;
                    var command = Command(tenant, i);
                    var decision = ApplicationDecider.Decide(command, ApplicationState.Initial);
                    if (!decision.IsAccepted)
                        throw new InvalidOperationException($"seed application {i} refused: {decision.Error}");
                    session.Events.StartStream(command.ApplicationId, decision.Events.Cast<object>().ToArray());
                    session.Insert(new OpenRenewal { Id = command.Applicant.Tckn.Value, ApplicationId = command.ApplicationId });
                }
                await session.SaveChangesAsync();
                progress?.Invoke(Interlocked.Add(ref done, count));
            }
        }
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Worker)));
    }

    /// <summary>
    /// The transactions of [from, to): tenant index, its first application and how many (every tenants-th from there),
    /// the tenants taken in turn so that writers keep every province's seeding at the same pace.
    /// </summary>
    public static List<(int Tenant, long First, long Count)> WorkItems(long from, long to, int tenants, int perTransaction)
    {
        var perTenant = Enumerable.Range(0, tenants).Select(t =>
        {
            // The first application of [from, to) that goes to tenant t, and how many of them there are.
            var first = from + ((t - from % tenants) % tenants + tenants) % tenants;
            var count = first < to ? (to - 1 - first) / tenants + 1 : 0;
            return (First: first, Count: count);
        }).ToArray();
        var items = new List<(int, long, long)>();
        for (var block = 0L; ; block++)
        {
            var any = false;
            for (var t = 0; t < tenants; t++)
            {
                var (first, count) = perTenant[t];
                var skip = block * perTransaction;
                if (skip >= count)
                    continue;
                items.Add((t, first + skip * tenants, Math.Min(perTransaction, count - skip)));
                any = true;
            }
            if (!any)
                return items;
        }
    }

    private SubmitRenewal Command(string tenant, long i)
    {
        var requestId = "seed-" + i;
        var id = ApplicationStore.ApplicationIdFor(tenant, requestId);
        var tckn = TcknFor(i);
        var at = Epoch.AddSeconds(i);
        var notAfter = at.AddDays(60);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
        var category = (i % 10) switch { 0 => ApplicantCategory.Manager, 1 or 2 => ApplicantCategory.FamilyPhysician, _ => ApplicantCategory.Doctor };
        return new SubmitRenewal(id, requestId, _settings[tenant],
            new Applicant(tckn, PersonName.Parse("Deneme Başvuru"), category),
            new Contact($"seed{i}@example.org", "+90 532 000 00 00"), "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin",
            new CertificateFacts(notAfter, sha),
            new Confirmation.ESigned(new SignatureFacts(Indication.Passed, tckn.Value, notAfter, sha, SigningTime: at)), at);
    }

    /// <summary>A distinct valid TCKN per application number (9 leading digits from the number, check digits computed).</summary>
    public static Tckn TcknFor(long i)
    {
        var body = (200_000_000 + i).ToString("000000000");
        var d = body.Select(c => c - '0').ToArray();
        var odd = d[0] + d[2] + d[4] + d[6] + d[8];
        var even = d[1] + d[3] + d[5] + d[7];
        var d10 = ((odd * 7 - even) % 10 + 10) % 10;
        var d11 = (odd + even + d10) % 10;
        return Tckn.Parse(body + d10 + d11);
    }
}

/// <summary>ListQueue page-of-50 latency over random keyset cursors (and first pages), one caller, warm.</summary>
public static class QueueLatency
{
    /// <summary>The queue is the application views with a queued_at (a partial keyset index over them).</summary>
    public static readonly string QueueTable = $"{SigningStore.Schema}.mt_doc_applicationview";

    public sealed record Numbers(long QueueRows, int Pages, double P50Ms, double P99Ms, double MeanMs, double MaxMs);

    public static async Task<Numbers> MeasureDirectAsync(DocumentStore store, string connectionString, string tenant, int pages, int pageSize, int seed)
    {
        var app = new ApplicationStore(store);
        var (rows, cursors) = await CursorsAsync(connectionString, tenant, pages, seed);
        // Warm the plan cache and the pool, as a long-running server is.
        for (var i = 0; i < Math.Min(200, cursors.Count); i++)
            await app.ListQueueAsync(tenant, cursors[i], pageSize);
        var times = new double[cursors.Count];
        for (var i = 0; i < cursors.Count; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            var page = await app.ListQueueAsync(tenant, cursors[i], pageSize);
            times[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
            if (page.Items.Count == 0 && cursors[i] is null)
                throw new InvalidOperationException("the first page of a seeded queue is empty");
        }
        return Summarise(rows, times);
    }

    /// <summary>
    /// The same keyset page as plain SQL through Npgsql (rows read as JSON text, not deserialised), to split the page's
    /// cost between PostgreSQL and Marten (LINQ translation and deserialising 51 documents).
    /// </summary>
    public static async Task<Numbers> MeasureSqlAsync(string connectionString, string tenant, int pages, int pageSize, int seed)
    {
        var (rows, cursors) = await CursorsAsync(connectionString, tenant, pages, seed);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var table = QueueTable;
        async Task<int> Page(QueueCursor? cursor)
        {
            await using var command = cursor is null
                ? dataSource.CreateCommand($"select d.data from {table} as d where d.tenant_id = $1 and d.queued_at is not null order by d.queued_at, d.id limit $2")
                : dataSource.CreateCommand($"select d.data from {table} as d where d.tenant_id = $1 and d.queued_at is not null and (d.queued_at, d.id) > ($3, $4) order by d.queued_at, d.id limit $2");
            command.Parameters.Add(new NpgsqlParameter { Value = tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
            if (cursor is not null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = cursor.QueuedAt.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = cursor.Id });
            }
            await using var reader = await command.ExecuteReaderAsync();
            var n = 0;
            while (await reader.ReadAsync())
                n += reader.GetString(0).Length > 0 ? 1 : 0;
            return n;
        }
        for (var i = 0; i < Math.Min(200, cursors.Count); i++)
            await Page(cursors[i]);
        var times = new double[cursors.Count];
        for (var i = 0; i < cursors.Count; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            await Page(cursors[i]);
            times[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        }
        return Summarise(rows, times);
    }

    /// <summary>EXPLAIN (ANALYZE, BUFFERS) of one deep page, to show the plan walks the keyset index.</summary>
    public static async Task<string> ExplainDeepPageAsync(string connectionString, string tenant, int pageSize)
    {
        var (_, cursors) = await CursorsAsync(connectionString, tenant, 10, 3);
        var cursor = cursors.First(c => c is not null)!;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"explain (analyze, buffers) select d.data from {QueueTable} as d where d.tenant_id = @t and d.queued_at is not null and (d.queued_at, d.id) > (@q, @i) order by d.queued_at, d.id limit @n", connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("q", cursor.QueuedAt.ToUniversalTime());
        command.Parameters.AddWithValue("i", cursor.Id);
        command.Parameters.AddWithValue("n", pageSize + 1);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return string.Join('\n', lines);
    }

    public static Numbers Summarise(long rows, double[] times)
    {
        Array.Sort(times);
        double Pct(double q) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)];
        return new Numbers(rows, times.Length, Pct(0.5), Pct(0.99), times.Average(), times[^1]);
    }

    /// <summary>One in ten is the first page; the rest start after a random queue row (a deep cursor), shuffled.</summary>
    public static async Task<(long Rows, List<QueueCursor?> Cursors)> CursorsAsync(string connectionString, string tenant, int pages, int seed)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {QueueTable} where tenant_id = @t and queued_at is not null", connection);
        count.Parameters.AddWithValue("t", tenant);
        var rows = (long)(await count.ExecuteScalarAsync())!;
        var deep = pages - pages / 10;
        await using var sample = new NpgsqlCommand(
            $"select queued_at, id from {QueueTable} where tenant_id = @t and queued_at is not null order by random() limit @n", connection);
        sample.Parameters.AddWithValue("t", tenant);
        sample.Parameters.AddWithValue("n", deep);
        var cursors = new List<QueueCursor?>(pages);
        await using (var reader = await sample.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                cursors.Add(new QueueCursor(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.GetGuid(1)));
        }
        while (cursors.Count < pages)
            cursors.Add(null);
        var random = new Random(seed);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cursors));
        return (rows, cursors);
    }
}
