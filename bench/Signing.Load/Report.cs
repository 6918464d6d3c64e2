using System.Globalization;
using System.Text.Json;

namespace Signing.Load;

/// <summary>A compact table for people, one JSON line for the README and for machines.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void PrintRun(IReadOnlyList<RunResult> results, RunOptions options)
    {
        var cores = Environment.ProcessorCount;
        Console.WriteLine();
        Console.WriteLine($"SubmitESigned, {options.Concurrency} callers, {options.Duration.TotalSeconds:F0} s measured after {options.Warmup.TotalSeconds:F0} s warm-up, {ProvinceList.Describe(options.Tenants)}, {cores} cores");
        Console.WriteLine($"{"mode",-13} {"subm/s",8} {"p50 ms",7} {"p95 ms",7} {"p99 ms",7} {"max ms",7} {"errors",6} {"srv CPU%",9} {"db CPU%",8} {"cli CPU%",9} {"machine%",8} {"others%",8} {"srv RSS MB",11} {"accepted",9} {"streams",8}");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(r.Build is null ? r.Mode : $"{r.Round}:{r.Build}:{r.Mode}"),-13} {r.PerSecond,8:F0} {r.P50Ms,7:F1} {r.P95Ms,7:F1} {r.P99Ms,7:F1} {r.MaxMs,7:F1} {r.Errors,6} {r.ServerCpuPctOfCore,9:F0} {r.DbCpuPctOfCore,8:F0} {r.ClientCpuPctOfCore,9:F0} {r.MachineBusyPct,8:F0} {Others(r, cores),8:F0} {r.ServerRssMb,5:F0}/{r.ServerPeakRssMb,-5:F0} {r.AcceptedTotal - r.Replayed,9} {r.StreamsInStore,8}"));
            if (r.Errors > 0)
                Console.WriteLine($"  errors: {string.Join(", ", r.ErrorsByStatus.Select(e => $"{e.Key}={e.Value}"))}; first: {r.FirstError}");
            if (r.PoolExhausted)
                Console.WriteLine("  note: the pool of pre-signed forms ran out before the window closed (raise --pool); the rate is over the calls made.");
            Console.WriteLine(r.Consistent
                ? $"  accepted == streams: {r.AcceptedTotal - r.Replayed} == {r.StreamsInStore} (every accepted id found: {r.AcceptedIdsFoundInStore})"
                : $"  MISMATCH: accepted {r.AcceptedTotal - r.Replayed} (replayed {r.Replayed}), streams {r.StreamsInStore}, accepted ids found {r.AcceptedIdsFoundInStore}");
            if (options.Tenants.Count > 1 && r.StreamsPerTenant is { Count: > 0 } per)
                Console.WriteLine($"  spread: {per.Count} of {options.Tenants.Count} tenants have streams, {per.Values.Min()}–{per.Values.Max()} each");
            Console.WriteLine(r.ReceiptsOk
                ? string.Create(CultureInfo.InvariantCulture, $"  receipts: {r.ReceiptsChecked} sampled, every one verifies (signer certified by the root, own document in the signed batch); {r.ReceiptsPerSignature:F1} receipts per signature")
                : $"  RECEIPTS: {r.ReceiptsBad} of {r.ReceiptsChecked} sampled do not verify; first: {r.FirstReceiptProblem}");
        }
        double? ratio = null;
        if (results.Count == 2 && results[1].PerSecond > 0 && results[0].Build is null)
        {
            ratio = results[0].PerSecond / results[1].PerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"group commit / naive = {ratio:F2}×"));
        }
        Console.WriteLine("(CPU% is of one core: 100% = one core busy; machine% is of all cores; others% = CPU of other processes on the machine, of one core)");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-load-run",
            concurrency = options.Concurrency,
            seconds = options.Duration.TotalSeconds,
            cores,
            tenantCount = options.Tenants.Count,
            tenants = options.Tenants.Count <= ProvinceList.ShortList ? options.Tenants : null,
            runs = results.Select(r => new
            {
                r.Mode, r.Build, r.Round, perSecond = Math.Round(r.PerSecond), p50Ms = Math.Round(r.P50Ms, 1), p95Ms = Math.Round(r.P95Ms, 1),
                p99Ms = Math.Round(r.P99Ms, 1), maxMs = Math.Round(r.MaxMs, 1), r.Errors, r.ErrorsByStatus,
                serverCpuPct = Math.Round(r.ServerCpuPctOfCore), dbCpuPct = Math.Round(r.DbCpuPctOfCore), clientCpuPct = Math.Round(r.ClientCpuPctOfCore),
                machinePct = Math.Round(r.MachineBusyPct), othersCpuPct = Math.Round(Others(r, cores)), serverRssMb = Math.Round(r.ServerRssMb), serverPeakRssMb = Math.Round(r.ServerPeakRssMb),
                accepted = r.AcceptedTotal - r.Replayed, streams = r.StreamsInStore, r.Consistent, r.PoolExhausted,
                streamsPerTenantMin = r.StreamsPerTenant is { Count: > 0 } per ? per.Values.Min() : (long?)null,
                streamsPerTenantMax = r.StreamsPerTenant is { Count: > 0 } per2 ? per2.Values.Max() : (long?)null,
                r.ReceiptsChecked, r.ReceiptsBad, receiptsPerSignature = Math.Round(r.ReceiptsPerSignature, 1),
            }),
            ratio = ratio is null ? (double?)null : Math.Round(ratio.Value, 2),
        }, Json));
    }

    /// <summary>
    /// --versus-dll: per round, group commit of this build against the other's (the change's cost), and with --baseline this
    /// build's group commit against its own naive server.
    /// </summary>
    public static void PrintComparison(IReadOnlyList<RunResult> results, RunOptions options)
    {
        double Rate(int round, string build, string mode) =>
            results.FirstOrDefault(r => r.Round == round && r.Build == build && r.Mode == mode)?.PerSecond ?? double.NaN;
        Console.WriteLine();
        Console.WriteLine(options.VersusRecordOff
            ? $"this build ({options.ServerDll ?? "src/Signing.Server"}) with the signed record on against itself with it off (versus), subm/s, {options.Concurrency} callers"
            : $"this build ({options.ServerDll ?? "src/Signing.Server"}) against --versus-dll ({options.VersusDll}), subm/s, {options.Concurrency} callers");
        Console.WriteLine($"{"round",5} {"versus gc",10} {"this gc",8} {"this/versus",12} {"versus naive",13} {"this naive",11} {"this gc/naive",14}");
        var rows = Enumerable.Range(1, options.Rounds).Select(round => (Round: round,
            VersusGc: Rate(round, "versus", "group-commit"), ThisGc: Rate(round, "this", "group-commit"),
            VersusNaive: Rate(round, "versus", "naive"), ThisNaive: Rate(round, "this", "naive"))).ToList();
        foreach (var r in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Round,5} {r.VersusGc,10:F0} {r.ThisGc,8:F0} {r.ThisGc / r.VersusGc,11:F3}× {r.VersusNaive,13:F0} {r.ThisNaive,11:F0} {r.ThisGc / r.ThisNaive,13:F2}×"));
        var versusSum = rows.Sum(r => r.VersusGc);
        var thisSum = rows.Sum(r => r.ThisGc);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"over all rounds: this/versus = {thisSum / versusSum:F3}× (group commit, summed rates); this gc/naive = {thisSum / rows.Sum(r => r.ThisNaive):F2}×"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-load-compare",
            versus = options.VersusRecordOff ? "this build, record off" : options.VersusDll,
            rounds = rows.Select(r => new { r.Round, versusGc = Math.Round(r.VersusGc), thisGc = Math.Round(r.ThisGc), versusNaive = Math.Round(r.VersusNaive), thisNaive = Math.Round(r.ThisNaive) }),
            thisOverVersus = Math.Round(thisSum / versusSum, 3),
            thisGcOverNaive = Math.Round(thisSum / rows.Sum(r => r.ThisNaive), 2),
        }, Json));
    }

    /// <summary>CPU of everything else on the machine (other builds, tests), in % of one core: a noisy neighbour shows here.</summary>
    private static double Others(RunResult r, int cores) =>
        Math.Max(0, r.MachineBusyPct * cores - r.ServerCpuPctOfCore - r.DbCpuPctOfCore - r.ClientCpuPctOfCore);

    public static void PrintQueueSql(long small, QueueLatency.Numbers atSmall, long large, QueueLatency.Numbers atLarge)
    {
        Console.WriteLine("the same pages as plain SQL (Npgsql, JSON rows read as text, no Marten):");
        foreach (var (total, n) in new[] { (small, atSmall), (large, atLarge) })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total,13:N0} {n.QueueRows,11:N0} {n.Pages,6} {n.P50Ms,7:F2} {n.P99Ms,7:F2} {n.MeanMs,8:F2} {n.MaxMs,7:F2}"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-queue-latency-sql",
            small = new { applications = small, p50Ms = Math.Round(atSmall.P50Ms, 2), p99Ms = Math.Round(atSmall.P99Ms, 2) },
            large = new { applications = large, p50Ms = Math.Round(atLarge.P50Ms, 2), p99Ms = Math.Round(atLarge.P99Ms, 2) },
        }, Json));
    }

    public static void PrintQueueGrpc(long small, QueueLatency.Numbers atSmall, long large, QueueLatency.Numbers atLarge)
    {
        Console.WriteLine("the same through the server: ListQueue over gRPC as officer-mersin-1 (bearer token), cursors from the server's own walk:");
        foreach (var (total, n) in new[] { (small, atSmall), (large, atLarge) })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total,13:N0} {n.QueueRows,11:N0} {n.Pages,6} {n.P50Ms,7:F2} {n.P99Ms,7:F2} {n.MeanMs,8:F2} {n.MaxMs,7:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gRPC p99 at {large:N0} / at {small:N0} = {atLarge.P99Ms / atSmall.P99Ms:F2}×"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-queue-latency-grpc",
            small = new { applications = small, p50Ms = Math.Round(atSmall.P50Ms, 2), p99Ms = Math.Round(atSmall.P99Ms, 2) },
            large = new { applications = large, p50Ms = Math.Round(atLarge.P50Ms, 2), p99Ms = Math.Round(atLarge.P99Ms, 2) },
            p99Ratio = Math.Round(atLarge.P99Ms / atSmall.P99Ms, 2),
        }, Json));
    }

    public static void PrintQueue(string tenant, int pageSize, (long Total, QueueLatency.Numbers N) small, (long Total, QueueLatency.Numbers N) large,
        double seedSeconds, long seeded, string how)
    {
        Console.WriteLine();
        Console.WriteLine($"ListQueue page of {pageSize}, tenant {tenant}, {how}; random pages (1 in 10 the first page, the rest after a random row)");
        Console.WriteLine($"{"applications",13} {"queue rows",11} {"pages",6} {"p50 ms",7} {"p99 ms",7} {"mean ms",8} {"max ms",7}");
        foreach (var (total, n) in new[] { small, large })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total,13:N0} {n.QueueRows,11:N0} {n.Pages,6} {n.P50Ms,7:F2} {n.P99Ms,7:F2} {n.MeanMs,8:F2} {n.MaxMs,7:F2}"));
        var ratio = large.N.P99Ms / small.N.P99Ms;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p99 at {large.Total:N0} / p99 at {small.Total:N0} = {ratio:F2}×; p50 ratio {large.N.P50Ms / small.N.P50Ms:F2}×; seeding {seeded:N0} applications took {seedSeconds:F0} s ({seeded / seedSeconds:N0}/s)"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-queue-latency",
            tenant, pageSize, how,
            small = new { applications = small.Total, small.N.QueueRows, p50Ms = Math.Round(small.N.P50Ms, 2), p99Ms = Math.Round(small.N.P99Ms, 2), meanMs = Math.Round(small.N.MeanMs, 2) },
            large = new { applications = large.Total, large.N.QueueRows, p50Ms = Math.Round(large.N.P50Ms, 2), p99Ms = Math.Round(large.N.P99Ms, 2), meanMs = Math.Round(large.N.MeanMs, 2) },
            p99Ratio = Math.Round(ratio, 2),
            seedPerSecond = Math.Round(seeded / seedSeconds),
        }, Json));
    }
}
