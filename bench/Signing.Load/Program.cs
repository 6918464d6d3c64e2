using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Signing.Load;
using Signing.Store;

// signing-load: throughput of SubmitESigned (run) and ListQueue latency on a seeded store (seed, queue-latency). Issue 8.
var root = new RootCommand("Load driver of Signing: `run` (SubmitESigned throughput, with --baseline the naive server too), " +
                           "`seed` (fill a database with applications), `queue-latency` (ListQueue at 10k and at 1M), " +
                           "`flood` (a card holder's sign-in latency while another address floods CreateChallenge), " +
                           "`expiring-latency` (ListExpiring at 10k and at 1M people), `seed-signed` (fill a database with N submissions, one CMS each, through a started server), " +
                           "`cluster` (N nodes behind HAProxy), `chaos` (faults under load, then the store checked), `roster-import` (a 100k staff list over gRPC). Exit 0 ok, 1 a check failed, 2 bad usage.");
root.Subcommands.Add(RunCommand());
root.Subcommands.Add(SeedCommand());
root.Subcommands.Add(QueueLatencyCommand());
root.Subcommands.Add(StoreCommand());
root.Subcommands.Add(FloodRun.Command());
root.Subcommands.Add(LookupLatency.Command());
root.Subcommands.Add(RosterImportBench.Command());
root.Subcommands.Add(ExpiringLatency.Command());
root.Subcommands.Add(SignedSeeder.Command());
root.Subcommands.Add(Signing.Load.Cluster.ClusterCommands.Cluster());
root.Subcommands.Add(Signing.Load.Cluster.ClusterCommands.Chaos());
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    parsed.Invoke();
    return 2;
}
try
{
    // Ctrl+C or SIGTERM cancels the command, which then stops what it started (a cluster's nodes drain for a while before
    // they exit): the default two seconds would end this process first and leave them running.
    return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) });
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FileNotFoundException or InvalidDataException or TimeoutException or NpgsqlException)
{
    Console.Error.WriteLine("signing-load: " + e.Message);
    return e is ArgumentException ? 2 : 1;
}

static Command RunCommand()
{
    var server = new Option<string?>("--server") { Description = "URL of a running server (h2c), e.g. http://127.0.0.1:5080; needs --api-key. Default: start one (--start-server)." };
    var startServer = new Option<bool>("--start-server") { Description = "Start src/Signing.Server (bin/Release, else bin/Debug) as a child process on free ports with a fresh database (the default)." };
    var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll to start (default: src/Signing.Server/bin/Release|Debug/net10.0)." };
    var apiKey = new Option<string?>("--api-key") { Description = "The system key (x-api-key) for --server (or SIGNING_LOAD_API_KEY). A started server gets a random one." };
    var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers.", DefaultValueFactory = _ => 64 };
    var duration = new Option<string>("--duration") { Description = "Measured time, e.g. 20s, 1m.", DefaultValueFactory = _ => "20s" };
    var warmup = new Option<string>("--warmup") { Description = "Unmeasured time before it.", DefaultValueFactory = _ => "3s" };
    var baseline = new Option<bool>("--baseline") { Description = "Also run the naive server (--Signing:GroupCommit:Enabled=false --Signing:Receipts:MaxBatch=1: one transaction and one receipt signature per submission) and print the ratio." };
    var tenant = new Option<string>("--tenants", "--tenant")
    {
        Description = "Provinces of the forms: plate codes (33,01,…) or 'all' (01–81); submissions and the pool are spread evenly over them, and a started server is configured with them.",
        DefaultValueFactory = _ => "33",
    }.Validated();
    var pool = new Option<int>("--pool") { Description = "Pre-signed forms (distinct applicants) to make before the clock starts.", DefaultValueFactory = _ => 150_000 };
    var keys = new Option<int>("--keys")
    {
        Description = "Distinct applicant RSA-2048 key pairs in the pool, used in turn. More than the verifier's key cache (64) means every submission brings a key the server has not seen, as real applicants do; 1 lets every verification hit that cache.",
        DefaultValueFactory = _ => 256,
    };
    var channels = new Option<int>("--channels") { Description = "GrpcChannels the callers share (each may open several HTTP/2 connections).", DefaultValueFactory = _ => 1 };
    var keep = new Option<bool>("--keep") { Description = "Keep the run databases (default: dropped)." };
    var serverArg = new Option<string[]>("--server-arg")
    {
        Description = "An extra argument for a started server (repeatable), e.g. --server-arg=--Signing:GroupCommit:MaxInFlight=2.",
        AllowMultipleArgumentsPerToken = false,
    };
    var serverDb = new Option<string?>("--server-db") { Description = "For --server: the connection string of its store, to check accepted == streams (default SIGNING_DB)." };
    var serverPid = new Option<int?>("--server-pid") { Description = "For --server: its process id, to report its CPU and memory." };
    var versusDll = new Option<string?>("--versus-dll")
    {
        Description = "Another Signing.Server.dll (e.g. a Release build of the tree before a change) measured the same way, alternating with --server-dll (or this tree's) for --rounds rounds; prints both and their ratio per round.",
    };
    var versusRecordOff = new Option<bool>("--versus-record-off")
    {
        Description = "Measure this build against itself with the signed record off (its database's log trigger disabled, evidence rows discarded), alternating for --rounds rounds; prints both and their ratio per round.",
    };
    var rounds = new Option<int>("--rounds") { Description = "Rounds of the measurement (each: every build, every mode, each on a fresh database).", DefaultValueFactory = _ => 1 };
    var noCache = new Option<bool>("--no-cache") { Description = "Make a new pool even if an earlier run saved one for this world, tenant and size (under the temp directory)." };
    var command = new Command("run", "SubmitESigned throughput: pre-signs a pool of forms, then --concurrency callers submit for --duration; prints subm/s, latency percentiles, errors, CPU and memory, and checks accepted == streams.")
    {
        server, startServer, serverDll, apiKey, concurrency, duration, warmup, baseline, tenant, pool, keys, channels, keep, noCache, serverArg, serverDb, serverPid,
        versusDll, versusRecordOff, rounds,
    };
    command.SetAction(async (parse, _) =>
    {
        var options = new RunOptions
        {
            ServerUrl = parse.GetValue(startServer) ? null : parse.GetValue(server),
            ServerDll = parse.GetValue(serverDll),
            ApiKey = parse.GetValue(apiKey),
            Concurrency = Positive(parse.GetValue(concurrency), "--concurrency"),
            Duration = Span(parse.GetValue(duration)!, "--duration"),
            Warmup = Span(parse.GetValue(warmup)!, "--warmup", allowZero: true),
            Baseline = parse.GetValue(baseline),
            Tenants = ProvinceList.Parse(parse.GetValue(tenant)!, "--tenants"),
            Pool = Positive(parse.GetValue(pool), "--pool"),
            Keys = Positive(parse.GetValue(keys), "--keys"),
            Channels = Positive(parse.GetValue(channels), "--channels"),
            Keep = parse.GetValue(keep),
            NoCache = parse.GetValue(noCache),
            ServerArgs = parse.GetValue(serverArg) ?? [],
            ServerDb = parse.GetValue(serverDb),
            ServerPid = parse.GetValue(serverPid),
            VersusDll = parse.GetValue(versusDll),
            VersusRecordOff = parse.GetValue(versusRecordOff),
            Rounds = Positive(parse.GetValue(rounds), "--rounds"),
        };
        return await LoadRun.ExecuteAsync(options);
    });
    return command;
}

static Command SeedCommand()
{
    var count = new Option<long>("--count") { Description = "Applications to add.", DefaultValueFactory = _ => 1_000_000 };
    var tenants = new Option<string>("--tenants") { Description = "Plate codes (33,01,…) or 'all' (01–81); applications are spread evenly.", DefaultValueFactory = _ => "33,01" }.Validated();
    var database = new Option<string?>("--database") { Description = "Database to fill (created if missing). Default: a new one, kept (its name is printed)." };
    var workers = new Option<int>("--workers") { Description = "Parallel writers.", DefaultValueFactory = _ => 3 };
    var batch = new Option<int>("--batch") { Description = "Applications per transaction.", DefaultValueFactory = _ => 500 };
    var command = new Command("seed", "Fills a database with e-signed applications on the approval queue (events, inline projections and open-renewal guards as real submissions make them).")
    {
        count, tenants, database, workers, batch,
    };
    command.SetAction(async (parse, _) =>
    {
        var setup = LocalSetup.Discover();
        var codes = ProvinceList.Parse(parse.GetValue(tenants)!, "--tenants");
        var name = parse.GetValue(database) ?? "load_seed_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        if (!await DatabaseExistsAsync(setup, name))
            await setup.CreateDatabaseAsync(name);
        else
            await SigningStore.MigrateAsync(setup.OwnerConnectionStringFor(name), CancellationToken.None);
        using var store = SigningStore.CreateDocumentStore(setup.ConnectionStringFor(name));
        var from = await ExistingSeededAsync(setup.ConnectionStringFor(name));
        var total = Positive(parse.GetValue(count), "--count");
        var seconds = await SeedAsync(store, codes, from, from + total, parse.GetValue(workers), parse.GetValue(batch));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {total:N0} applications into database {name} in {seconds:F0} s ({total / seconds:N0}/s); it now holds {from + total:N0}"));
        return 0;
    });
    return command;
}

static Command QueueLatencyCommand()
{
    var count = new Option<long>("--count") { Description = "Applications at the large measurement.", DefaultValueFactory = _ => 1_000_000 };
    var small = new Option<long>("--small") { Description = "Applications at the small measurement.", DefaultValueFactory = _ => 10_000 };
    var tenants = new Option<string>("--tenants") { Description = "Plate codes (33,01,…; the first is measured) or 'all' (01–81; 33 is measured, the officer --grpc signs in as is Mersin's).", DefaultValueFactory = _ => "33,01" }.Validated();
    var pages = new Option<int>("--pages") { Description = "Pages measured at each size.", DefaultValueFactory = _ => 2_000 };
    var pageSize = new Option<int>("--page-size") { Description = "Items per page.", DefaultValueFactory = _ => 50 };
    var workers = new Option<int>("--workers") { Description = "Parallel seeding writers.", DefaultValueFactory = _ => 3 };
    var batch = new Option<int>("--batch") { Description = "Applications per seeding transaction.", DefaultValueFactory = _ => 500 };
    var keep = new Option<bool>("--keep") { Description = "Keep the seeded database (default: dropped)." };
    var grpc = new Option<bool>("--grpc") { Description = "Also through the server: start it on the seeded database, sign in as officer-mersin-1 with the token, time ListQueue over gRPC." };
    var command = new Command("queue-latency",
        "Seeds a dedicated database to --small applications, measures ListQueue pages, seeds on to --count, measures again, prints both and the ratio. " +
        "Measures ApplicationStore.ListQueueAsync in process (the query the server's ListQueue runs), the same page as plain SQL, and with --grpc through the server.")
    {
        count, small, tenants, pages, pageSize, workers, batch, keep, grpc,
    };
    command.SetAction(async (parse, _) =>
    {
        var setup = LocalSetup.Discover();
        var codes = ProvinceList.Parse(parse.GetValue(tenants)!, "--tenants");
        if (parse.GetValue(tenants)!.Trim().Equals(ProvinceList.All, StringComparison.OrdinalIgnoreCase))
            codes = ["33", .. codes.Where(c => c != "33")];
        var smallCount = Positive(parse.GetValue(small), "--small");
        var largeCount = Positive(parse.GetValue(count), "--count");
        if (largeCount <= smallCount)
            throw new ArgumentException("--count must be larger than --small");
        var name = "load_queue_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await setup.CreateDatabaseAsync(name);
        var connection = setup.ConnectionStringFor(name);
        try
        {
            using var store = SigningStore.CreateDocumentStore(connection);
            var w = parse.GetValue(workers);
            var b = parse.GetValue(batch);
            var n = Positive(parse.GetValue(pages), "--pages");
            var size = Positive(parse.GetValue(pageSize), "--page-size");
            var seedSeconds = await SeedAsync(store, codes, 0, smallCount, w, b);
            await AnalyzeAsync(connection);
            var atSmall = await QueueLatency.MeasureDirectAsync(store, connection, codes[0], n, size, seed: 1);
            var sqlSmall = await QueueLatency.MeasureSqlAsync(connection, codes[0], n, size, seed: 1);
            var viaGrpc = parse.GetValue(grpc);
            var world = viaGrpc ? WorldManifest.Load(setup.ManifestPath) : null;
            var grpcSmall = viaGrpc ? await ThroughServerAsync(setup, world!, name, sqlSmall.QueueRows, n, size, 1) : null;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"queue-latency: at {smallCount:N0}: p50 {atSmall.P50Ms:F2} ms, p99 {atSmall.P99Ms:F2} ms (SQL alone p50 {sqlSmall.P50Ms:F2}, p99 {sqlSmall.P99Ms:F2})"));
            seedSeconds += await SeedAsync(store, codes, smallCount, largeCount, w, b);
            await AnalyzeAsync(connection);
            var atLarge = await QueueLatency.MeasureDirectAsync(store, connection, codes[0], n, size, seed: 2);
            var sqlLarge = await QueueLatency.MeasureSqlAsync(connection, codes[0], n, size, seed: 2);
            var grpcLarge = viaGrpc ? await ThroughServerAsync(setup, world!, name, sqlLarge.QueueRows, n, size, 2) : null;
            Report.PrintQueue(codes[0], size, (smallCount, atSmall), (largeCount, atLarge), seedSeconds, largeCount,
                "ApplicationStore.ListQueueAsync in process (Marten + PostgreSQL; gRPC not included)");
            Report.PrintQueueSql(smallCount, sqlSmall, largeCount, sqlLarge);
            if (grpcSmall is not null && grpcLarge is not null)
                Report.PrintQueueGrpc(smallCount, grpcSmall, largeCount, grpcLarge);
            Console.WriteLine("plan of a deep page at " + largeCount.ToString("N0", CultureInfo.InvariantCulture) + ":\n  "
                + (await QueueLatency.ExplainDeepPageAsync(connection, codes[0], size)).Replace("\n", "\n  "));
            return atLarge.P99Ms <= 5 && atLarge.P99Ms <= 1.5 * atSmall.P99Ms ? 0 : 1;
        }
        finally
        {
            if (parse.GetValue(keep))
                Console.Error.WriteLine($"queue-latency: kept database {name}");
            else
                await setup.DropDatabaseAsync(name);
        }
    });
    return command;
}

static Command StoreCommand()
{
    var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers.", DefaultValueFactory = _ => 64 };
    var duration = new Option<string>("--duration") { Description = "Measured time.", DefaultValueFactory = _ => "10s" };
    var warmup = new Option<string>("--warmup") { Description = "Unmeasured time before it.", DefaultValueFactory = _ => "3s" };
    var maxBatch = new Option<int>("--max-batch") { Description = "GroupCommitOptions.MaxBatch.", DefaultValueFactory = _ => 256 };
    var shape = new Option<string>("--shape") { Description = "full (the product's store) or events-only (an experiment: no inline projections).", DefaultValueFactory = _ => "full" };
    var maxInFlight = new Option<int>("--max-in-flight") { Description = "GroupCommitOptions.MaxInFlight.", DefaultValueFactory = _ => 2 };
    var command = new Command("store", "The write path alone (no gRPC, verification or receipt): group commit vs one transaction per submission, in process, each on a fresh database.")
    {
        concurrency, duration, warmup, maxBatch, maxInFlight, shape,
    };
    command.SetAction(async (parse, _) =>
    {
        var setup = LocalSetup.Discover();
        var c = Positive(parse.GetValue(concurrency), "--concurrency");
        var d = Span(parse.GetValue(duration)!, "--duration");
        var w = Span(parse.GetValue(warmup)!, "--warmup", allowZero: true);
        var results = new List<StoreBench.Numbers>();
        foreach (var mode in new[] { "group-commit", "naive" })
            results.Add(await StoreBench.RunAsync(setup, mode, c, w, d, Positive(parse.GetValue(maxBatch), "--max-batch"), Positive(parse.GetValue(maxInFlight), "--max-in-flight"), parse.GetValue(shape)!));
        Console.WriteLine($"store write path, {c} callers, {d.TotalSeconds:F0} s");
        Console.WriteLine($"{"mode",-13} {"subm/s",8} {"p50 ms",7} {"p99 ms",7} {"batches",8} {"avg batch",9} {"db CPU%",8} {"cli CPU%",9}");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Mode,-13} {r.PerSecond,8:F0} {r.P50Ms,7:F1} {r.P99Ms,7:F1} {r.Batches,8} {(r.Batches == 0 ? 0 : (double)r.Submissions / r.Batches),9:F1} {r.DbCpuPct,8:F0} {r.ClientCpuPct,9:F0}"));
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { kind = "signing-load-store", concurrency = c, runs = results }));
        return 0;
    });
    return command;
}

static async Task<QueueLatency.Numbers> ThroughServerAsync(LocalSetup setup, WorldManifest world, string database, long rows, int pages, int size, int seed)
{
    // One officer pages thousands of times a second: the per-person rate limit would refuse it, and is not what is measured.
    var (server, url) = await LoadRun.StartServerAsync(setup, world, database, null, ["--Signing:RateLimits:Enabled=false"], null, database);
    using (server)
    {
        try
        {
            return await GrpcQueue.MeasureAsync(url, world, rows, pages, size, seed);
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

static async Task<double> SeedAsync(Marten.DocumentStore store, IReadOnlyList<string> tenants, long from, long to, int workers, int batch)
{
    var sw = Stopwatch.StartNew();
    var lastReport = 0L;
    var seeder = new Seeder(store, tenants);
    await seeder.SeedAsync(from, to, Positive(workers, "--workers"), Positive(batch, "--batch"), done =>
    {
        // Progress every 50k, on stderr (stdout keeps the table and the JSON line).
        var step = done / 50_000;
        if (step > Interlocked.Read(ref lastReport) && Interlocked.Exchange(ref lastReport, step) < step)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed: {from + done:N0} / {to:N0} ({done / sw.Elapsed.TotalSeconds:N0}/s)"));
    });
    return sw.Elapsed.TotalSeconds;
}

// Statistics as autovacuum would have them on a long-lived store; a bulk load outruns autovacuum's analyze.
static async Task AnalyzeAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var analyze = new NpgsqlCommand($"analyze {QueueLatency.QueueTable}", connection) { CommandTimeout = 600 };
    await analyze.ExecuteNonQueryAsync();
}

static async Task<bool> DatabaseExistsAsync(LocalSetup setup, string name)
{
    await using var connection = new NpgsqlConnection(setup.ServerConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("select 1 from pg_database where datname = @n", connection);
    command.Parameters.AddWithValue("n", name);
    return await command.ExecuteScalarAsync() is not null;
}

static async Task<long> ExistingSeededAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"select count(*) from {SigningStore.Schema}.mt_events where type = 'renewal_submitted'", connection);
    return (long)(await command.ExecuteScalarAsync())!;
}

static T Positive<T>(T value, string name) where T : System.Numerics.INumber<T> =>
    value > T.Zero ? value : throw new ArgumentException($"{name} must be positive, not {value}");

static TimeSpan Span(string text, string name, bool allowZero = false)
{
    text = text.Trim();
    var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
        : text.EndsWith('s') ? (text[..^1], 1.0)
        : text.EndsWith('m') ? (text[..^1], 60.0)
        : (text, 1.0);
    if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || (!allowZero && value == 0))
        throw new ArgumentException($"{name}: '{text}' is not a duration like 20s, 500ms or 1m");
    return TimeSpan.FromSeconds(value * unit);
}
