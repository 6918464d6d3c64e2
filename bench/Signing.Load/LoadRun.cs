using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;
using Signing.Bench.Shared;
using Signing.Contracts.V1;

namespace Signing.Load;

public sealed record RunOptions
{
    public string? ServerUrl { get; init; }
    public string? ServerDll { get; init; }
    public string? ApiKey { get; init; }
    public int Concurrency { get; init; } = 64;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public bool Baseline { get; init; }
    /// <summary>The provinces the forms are spread over, each getting the same share of the submissions.</summary>
    public IReadOnlyList<string> Tenants { get; init; } = ["33"];
    public int Pool { get; init; } = 150_000;
    public int Keys { get; init; } = 256;
    public int Channels { get; init; } = 1;
    public bool Keep { get; init; }
    public bool NoCache { get; init; }
    public IReadOnlyList<string> ServerArgs { get; init; } = [];
    /// <summary>For --server: its store's connection string (default SIGNING_DB) and its pid (for CPU and memory), if known.</summary>
    public string? ServerDb { get; init; }
    public int? ServerPid { get; init; }
    /// <summary>A second server build to measure against (e.g. the tree before a change), alternating with ServerDll for Rounds rounds.</summary>
    public string? VersusDll { get; init; }
    /// <summary>
    /// Measure against the same build with the signed record off (<see cref="RecordOff"/>) instead of another build: the
    /// "versus" side of each round.
    /// </summary>
    public bool VersusRecordOff { get; init; }
    public int Rounds { get; init; } = 1;
}

/// <summary>The numbers of one timed phase against one server.</summary>
public sealed record RunResult
{
    public required string Mode { get; init; }
    /// <summary>With --versus-dll: "versus" or "this", and the round.</summary>
    public string? Build { get; init; }
    public int Round { get; init; }
    public double Seconds { get; init; }
    public long Completed { get; init; }
    public double PerSecond { get; init; }
    public double P50Ms { get; init; }
    public double P95Ms { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
    public long Errors { get; init; }
    public Dictionary<string, long> ErrorsByStatus { get; init; } = [];
    public string? FirstError { get; init; }
    public long AcceptedTotal { get; init; }
    public long Replayed { get; init; }
    public long StreamsInStore { get; init; }
    /// <summary>In the run's own database: submission streams per tenant, to show the load was spread.</summary>
    public IReadOnlyDictionary<string, long>? StreamsPerTenant { get; init; }
    public long AcceptedIdsFoundInStore { get; init; }
    public bool PoolExhausted { get; init; }
    public double ServerCpuPctOfCore { get; init; }
    public double ServerRssMb { get; init; }
    public double ServerPeakRssMb { get; init; }
    public double ClientCpuPctOfCore { get; init; }
    public double DbCpuPctOfCore { get; init; }
    public double MachineBusyPct { get; init; }
    public int ReceiptsChecked { get; init; }
    public int ReceiptsBad { get; init; }
    /// <summary>The mean length of the signed batches the checked receipts went out in.</summary>
    public double ReceiptsPerSignature { get; init; }
    public string? FirstReceiptProblem { get; init; }
    public bool Consistent => AcceptedTotal - Replayed == StreamsInStore && AcceptedIdsFoundInStore == AcceptedTotal - Replayed;
    public bool ReceiptsOk => ReceiptsBad == 0;
}

/// <summary>
/// `run`: the timed SubmitESigned phase. Each of --concurrency callers loops over one shared HTTP/2 channel, sending
/// the next pre-signed form from the pool (a distinct applicant each). Latency and throughput are taken from calls
/// that complete inside the measured window (after the warm-up); accepted == streams is checked afterwards.
/// </summary>
public static class LoadRun
{
    public static async Task<int> ExecuteAsync(RunOptions options)
    {
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        var tag = DateTime.UtcNow.ToString("MMddHHmmss") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        if (options.ServerUrl is not null && (options.Baseline || options.VersusDll is not null || options.VersusRecordOff))
            throw new ArgumentException("--baseline, --versus-dll and --versus-record-off start their own servers: leave out --server");
        if (options.VersusDll is not null && options.VersusRecordOff)
            throw new ArgumentException("--versus-dll and --versus-record-off each name the other side of the comparison: give one");

        Console.Error.WriteLine($"load: building a pool of {options.Pool:N0} applicants over {ProvinceList.Describe(options.Tenants)} ({options.Keys:N0} RSA-2048 key pairs in turn, a NES certificate each, a signed form each)…");
        var sw = Stopwatch.StartNew();
        // A started server gets a fresh database, so a pool saved by an earlier run can be reused; a given server cannot.
        // A server that runs on (a cluster measured run after run) already holds earlier runs' open renewals: a pool drawn
        // at random would meet some of those people again, and their second renewal is rightly refused as AlreadyExists.
        var taken = options.ServerUrl is not null && options.ServerDb is not null ? await OpenRenewalsAsync(options.ServerDb) : null;
        var pool = IdentityPool.BuildSpread(world, options.Tenants, options.Pool, options.Keys, tag, DateTimeOffset.UtcNow,
            cached: options.ServerUrl is null && !options.NoCache, Console.Error.WriteLine, taken);
        Console.Error.WriteLine($"load: pool ready in {sw.Elapsed.TotalSeconds:F1} s ({options.Pool / sw.Elapsed.TotalSeconds:N0}/s)");
        var sample = IdentityPool.VerifySample(setup.ManifestPath, pool[0]);
        if (sample.Indication != Verification.Indication.TotalPassed)
        {
            Console.Error.WriteLine($"load: the sample form does not verify ({sample.Indication}/{sample.SubIndication}: {sample.Reason}); not starting");
            return 1;
        }
        Console.Error.WriteLine("load: sample verified with CmsVerifier (hsm-sim trust): TOTAL_PASSED");

        var results = new List<RunResult>();
        var modes = options.Baseline ? new[] { "group-commit", "naive" } : [options.ServerUrl is null ? "group-commit" : "external"];
        if (options.ServerUrl is { } url)
        {
            foreach (var mode in modes)
                results.Add(await AgainstAsync(url, null, options.ServerPid, options, pool, mode, setup, options.ServerDb, world.RootCertificate, ownDatabase: false));
        }
        else
        {
            // Alternating the builds round by round spreads the machine's slow and fast stretches over both.
            var builds = options.VersusDll is { } versus ? new (string? Build, string? Dll, bool RecordOff)[] { ("versus", versus, false), ("this", options.ServerDll, false) }
                : options.VersusRecordOff ? [("versus", options.ServerDll, true), ("this", options.ServerDll, false)]
                : [(null, options.ServerDll, false)];
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var (build, dll, recordOff) in builds)
                {
                    foreach (var mode in modes)
                    {
                        var label = build is null ? (options.Rounds == 1 ? "" : $"r{round}_") : $"r{round}_{build}_";
                        var result = await WithOwnServerAsync(setup, world, options with { ServerDll = dll }, pool, mode, tag + "_" + label.TrimEnd('_'), recordOff);
                        results.Add(result with { Build = build, Round = round });
                    }
                }
            }
        }

        Report.PrintRun(results, options);
        if (options.VersusDll is not null || options.VersusRecordOff)
            Report.PrintComparison(results, options);
        return results.All(r => r.Consistent && r.ReceiptsOk) ? 0 : 1;
    }

    private static async Task<RunResult> WithOwnServerAsync(LocalSetup setup, WorldManifest world, RunOptions options, List<PoolItem> pool, string mode, string tag,
        bool recordOff = false)
    {
        var database = $"load_{tag.TrimEnd('_')}_{mode.Replace('-', '_')}";
        // Empty, not migrated here: the server build measured (maybe another tree's, --server-dll) brings its own schema.
        var logins = DatabaseLogins.Of(setup);
        await logins.CreateDatabaseAsync(database);
        var key = options.ApiKey ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var extra = new List<string>();
        // The naive baseline batches nothing: one transaction and one receipt signature per submission.
        if (mode == "naive")
            extra.AddRange(["--Signing:GroupCommit:Enabled=false", "--Signing:Receipts:MaxBatch=1"]);
        extra.AddRange(options.ServerArgs);
        Process? server = null;
        try
        {
            (server, var url) = await StartServerAsync(setup, world, database, options.ServerDll, extra, (key, options.Tenants), $"{tag}-{mode}");
            if (recordOff)
                await RecordOff.ApplyAsync(logins.For(database).Owner);
            // The owner's login: ANALYZE skips tables the runtime role does not own.
            return await AgainstAsync(url, key, server.Id, options, pool, mode, setup, logins.For(database).Owner, world.RootCertificate, ownDatabase: true);
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
            server?.Dispose();
            if (!options.Keep)
                await setup.DropDatabaseAsync(database);
            else
                Console.Error.WriteLine($"load: kept database {database}");
        }
    }

    /// <summary>
    /// The server <paramref name="dll"/> on these ports, run through <c>sh -c exec</c> so its output goes straight to
    /// <paramref name="log"/> (no piping cost in this process) and the pid is the server's own (a signal hits it, not a
    /// shell). The working directory is the dll's: the server reads appsettings.json from its content root.
    /// </summary>
    internal static ProcessStartInfo ServerStartInfo(string dll, int grpcPort, int restPort, IEnumerable<string> args,
        IEnumerable<KeyValuePair<string, string>> environment, string log)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$SIGNING_LOAD_SERVER_LOG\" 2>&1");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--Signing:GrpcPort={grpcPort}");
        start.ArgumentList.Add($"--Signing:RestPort={restPort}");
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (variable, value) in environment)
            start.Environment[variable] = value;
        start.Environment["SIGNING_LOAD_SERVER_LOG"] = log;
        return start;
    }

    /// <summary>
    /// Starts src/Signing.Server on free loopback ports over <paramref name="database"/> with the hsm-sim world's
    /// settings and, if given, a system key that may submit in the given tenants (all the driver does with it), and waits
    /// until its health service says SERVING. The database is first brought to the schema that build expects
    /// (<see cref="ServerBuild"/>). The caller kills it.
    /// </summary>
    internal static async Task<(Process Server, string Url)> StartServerAsync(LocalSetup setup, WorldManifest world, string database,
        string? serverDll, IEnumerable<string> extraArgs, (string Key, IReadOnlyList<string> Tenants)? systemClient, string name)
    {
        var build = ServerBuild.At(Path.GetFullPath(serverDll ?? FindServerDll(setup.Repo)));
        var dll = build.Dll;
        var port = FreePort();
        var restPort = FreePort();
        var log = Path.Combine(Path.GetTempPath(), $"signing-load-{name}.log");
        var environment = ServerEnvironment(setup, world, systemClient, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var connection = await build.PrepareAsync(DatabaseLogins.Of(setup).For(database), environment, log);
        var start = ServerStartInfo(dll, port, restPort, extraArgs, environment, log);
        start.Environment["SIGNING_DB"] = connection;
        Console.Error.WriteLine($"load: starting {dll} [{name}] on 127.0.0.1:{port}, database {database} as " +
                                $"{new NpgsqlConnectionStringBuilder(connection).Username}{(build.HasMigrateStep ? " (migrated by its own migrate step)" : " (it applies its schema at start)")}, log {log}");
        var server = Process.Start(start) ?? throw new InvalidOperationException("the server process did not start");
        var url = $"http://127.0.0.1:{port}";
        try
        {
            await WaitServingAsync(url, server, log);
        }
        catch
        {
            if (!server.HasExited)
                server.Kill();
            server.Dispose();
            throw;
        }
        return (server, url);
    }

    /// <summary>
    /// The environment a started server needs in the hsm-sim world: its configuration file, the server token's PIN, a
    /// session-token key (nodes of one cluster share it, so a session issued by one is accepted by all) and, if given, a
    /// system client that may submit in the given tenants, which the server is configured to serve (those it does not
    /// ship with are added as <see cref="SyntheticProvinces"/>).
    /// </summary>
    internal static Dictionary<string, string> ServerEnvironment(LocalSetup setup, WorldManifest world,
        (string Key, IReadOnlyList<string> Tenants)? systemClient, string tokenKey)
    {
        var environment = new Dictionary<string, string>
        {
            ["SOFTHSM2_CONF"] = setup.SoftHsmConf,
            ["SIGNING_CONFIG"] = File.Exists(setup.ServerConfigPath) ? setup.ServerConfigPath
                : throw new FileNotFoundException($"the server configuration is not at {setup.ServerConfigPath} (run ./build.sh --target=HsmSim)", setup.ServerConfigPath),
            // A server build that takes its world from the manifest instead (a baseline measured with --server-dll) reads this.
            ["SIGNING_HSM_MANIFEST"] = setup.ManifestPath,
            ["SIGNING_SERVER_PIN"] = world.ServerPin ?? throw new InvalidDataException("the manifest has no server-mersin persona (userPin)"),
            // Outside Development the server refuses to start without a session-token key; this run's own is enough.
            ["Signing__Auth__TokenKey"] = tokenKey,
        };
        if (systemClient is var (systemKey, tenants))
        {
            environment["Signing__Auth__SystemKeys__load"] = systemKey;
            environment["Signing__Auth__SystemClients__load__Scopes__0"] = "applications:submit";
            for (var t = 0; t < tenants.Count; t++)
                environment[$"Signing__Auth__SystemClients__load__Tenants__{t}"] = tenants[t];
            // "*" (every tenant served) names no province to add.
            foreach (var (variable, value) in SyntheticProvinces.Environment(tenants.Where(t => t != "*")))
                environment[variable] = value;
        }
        return environment;
    }

    private static async Task<RunResult> AgainstAsync(string url, string? key, int? serverPid, RunOptions options, List<PoolItem> pool, string mode,
        LocalSetup setup, string? connectionString, string rootCertificate, bool ownDatabase)
    {
        key ??= options.ApiKey ?? Environment.GetEnvironmentVariable("SIGNING_LOAD_API_KEY")
            ?? throw new ArgumentException("--server needs the system key: --api-key KEY or SIGNING_LOAD_API_KEY (the server's Signing:Auth:SystemKeys:<name>)");
        var channels = Enumerable.Range(0, Math.Max(1, options.Channels)).Select(_ => GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        })).ToList();
        var headers = new Metadata { { "x-api-key", key } };
        var clients = channels.Select(c => new ApplicationService.ApplicationServiceClient(c)).ToList();

        // A few calls outside the pool's accounting would skew accepted == streams: warm the connection with health checks only.
        foreach (var c in channels)
            await new Health.HealthClient(c).CheckAsync(new HealthCheckRequest());

        var next = -1L;
        var exhausted = 0;
        var stop = 0;
        var errors = new ConcurrentDictionary<string, long>();
        string? firstError = null;
        var acceptedIds = new ConcurrentBag<Guid>();
        // Every 512th reply's receipt is kept and checked after the run (a few hundred per run, off the timed path).
        var receipts = new ConcurrentBag<SignedReceipt>();
        long accepted = 0, replayed = 0;
        var latencies = new List<long>[options.Concurrency];
        var measureFrom = 0L;
        var measureTo = long.MaxValue;

        async Task Caller(int n)
        {
            var mine = latencies[n] = new List<long>(1 << 16);
            var client = clients[n % clients.Count];
            while (Volatile.Read(ref stop) == 0)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= pool.Count)
                {
                    Interlocked.Exchange(ref exhausted, 1);
                    return;
                }
                var item = pool[(int)index];
                var request = new SubmitESignedRequest { Cms = UnsafeByteOperations.UnsafeWrap(item.Cms), ClientRequestId = item.RequestId };
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    var reply = await client.SubmitESignedAsync(request, headers);
                    Interlocked.Increment(ref accepted);
                    if ((index & 511) == 0)
                        receipts.Add(reply.Receipt);
                    if (reply.Replayed)
                        Interlocked.Increment(ref replayed);
                    else
                        acceptedIds.Add(Guid.Parse(reply.Application.Id));
                }
                catch (RpcException e)
                {
                    var end2 = Stopwatch.GetTimestamp();
                    if (end2 >= Volatile.Read(ref measureFrom) && end2 <= Volatile.Read(ref measureTo))
                        errors.AddOrUpdate(e.StatusCode.ToString(), 1, (_, v) => v + 1);
                    else
                        errors.AddOrUpdate(e.StatusCode + " (outside window)", 1, (_, v) => v + 1);
                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                    continue;
                }
                var end = Stopwatch.GetTimestamp();
                if (begin >= Volatile.Read(ref measureFrom) && end <= Volatile.Read(ref measureTo))
                    mine.Add(end - begin);
            }
        }

        var machineStart = (0L, 0L);
        double serverCpuStart = 0, clientCpuStart = 0, dbCpuStart = 0;
        var postmaster = setup.PostmasterPid();
        Console.Error.WriteLine($"load: [{mode}] {options.Concurrency} callers, warm-up {options.Warmup.TotalSeconds:F0} s, measuring {options.Duration.TotalSeconds:F0} s…");
        var began = Stopwatch.GetTimestamp();
        // Measured calls are those that start after the warm-up (the window opens) and end before it closes.
        Volatile.Write(ref measureFrom, began + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency));
        var callers = Enumerable.Range(0, options.Concurrency).Select(n => Task.Run(() => Caller(n))).ToArray();
        if (connectionString is not null && options.Warmup >= TimeSpan.FromSeconds(2))
        {
            // A fresh database has no planner statistics: the server's prepared lookups (by TCKN, by id) get generic plans
            // made on empty tables, which scan the whole tenant. A running server's database has been analysed by
            // autovacuum (within autovacuum_naptime, one minute); do now what it would do, so the window measures that.
            await Task.Delay(options.Warmup / 2);
            await AnalyzeAsync(connectionString);
            await Task.Delay(options.Warmup / 2);
        }
        else
        {
            await Task.Delay(options.Warmup);
        }
        var windowStart = Stopwatch.GetTimestamp();
        machineStart = ProcStat.Machine();
        serverCpuStart = serverPid is { } p0 ? ProcStat.CpuSeconds(p0) ?? 0 : 0;
        clientCpuStart = ProcStat.ClientCpuSeconds();
        dbCpuStart = postmaster is { } pm0 ? ProcStat.TreeCpuSeconds(pm0) : 0;
        await Task.WhenAny(Task.Delay(options.Duration), Task.WhenAll(callers));
        var windowEnd = Stopwatch.GetTimestamp();
        Volatile.Write(ref measureTo, windowEnd);
        var machineEnd = ProcStat.Machine();
        var serverCpu = serverPid is { } p1 ? (ProcStat.CpuSeconds(p1) ?? 0) - serverCpuStart : 0;
        var clientCpu = ProcStat.ClientCpuSeconds() - clientCpuStart;
        var dbCpu = postmaster is { } pm1 ? ProcStat.TreeCpuSeconds(pm1) - dbCpuStart : 0;
        var memory = serverPid is { } p2 ? ProcStat.Memory(p2) : (0, 0);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(callers);
        foreach (var c in channels)
            c.Dispose();

        var seconds = (double)(windowEnd - windowStart) / Stopwatch.Frequency;
        var all = latencies.Where(l => l is not null).SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Pct(double q) => all.Length == 0 ? 0 : Ms(all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)]);
        var inWindow = errors.Where(e => !e.Key.EndsWith("(outside window)", StringComparison.Ordinal)).Sum(e => e.Value);

        // Nothing lost, nothing doubled: every accepted (non-replayed) reply is a stream in the store, and no other stream exists.
        var connection = connectionString ?? setup.ServerConnectionString;
        var ids = acceptedIds.ToArray();
        var (streams, found, perTenant) = await CountStreamsAsync(connection, options.Tenants, ids, ownDatabase);
        var receiptCheck = ReceiptCheck.Verify(receipts, rootCertificate, setup.ManifestPath);
        var machine = (double)(machineEnd.Busy - machineStart.Item1) / Math.Max(1, machineEnd.Total - machineStart.Item2) * 100;
        return new RunResult
        {
            Mode = mode,
            Seconds = seconds,
            Completed = all.Length,
            PerSecond = all.Length / seconds,
            P50Ms = Pct(0.50),
            P95Ms = Pct(0.95),
            P99Ms = Pct(0.99),
            MaxMs = all.Length == 0 ? 0 : Ms(all[^1]),
            Errors = errors.Values.Sum(),
            ErrorsByStatus = new Dictionary<string, long>(errors),
            FirstError = firstError,
            AcceptedTotal = accepted,
            Replayed = replayed,
            StreamsInStore = streams,
            StreamsPerTenant = perTenant,
            AcceptedIdsFoundInStore = found,
            ReceiptsChecked = receiptCheck.Checked,
            ReceiptsBad = receiptCheck.Bad,
            ReceiptsPerSignature = receiptCheck.MeanBatch,
            FirstReceiptProblem = receiptCheck.FirstProblem,
            PoolExhausted = exhausted == 1,
            ServerCpuPctOfCore = serverCpu / seconds * 100,
            ClientCpuPctOfCore = clientCpu / seconds * 100,
            DbCpuPctOfCore = dbCpu / seconds * 100,
            ServerRssMb = memory.Item1,
            ServerPeakRssMb = memory.Item2,
            MachineBusyPct = machine,
        };
    }

    private static async Task AnalyzeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("analyze", connection) { CommandTimeout = 120 };
        await analyze.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Streams in the run's own database (all of them, in the run's tenants), or — against a shared server — the streams
    /// of the accepted ids; plus how many accepted ids have a stream.
    /// </summary>
    private static async Task<(long Streams, long Found, IReadOnlyDictionary<string, long>? PerTenant)> CountStreamsAsync(string connectionString,
        IReadOnlyList<string> tenants, Guid[] ids, bool ownDatabase)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var found = new NpgsqlCommand($"select count(*) from {Store.SigningStore.Schema}.mt_streams where tenant_id = any(@t) and id = any(@ids)", connection);
        found.Parameters.AddWithValue("t", tenants.ToArray());
        found.Parameters.AddWithValue("ids", ids);
        var foundCount = (long)(await found.ExecuteScalarAsync())!;
        if (!ownDatabase)
            return (foundCount, foundCount, null);
        // Application streams only: certificate-holder streams (CertificateSeen) are not submissions.
        await using var all = new NpgsqlCommand(
            $"select tenant_id, count(distinct stream_id) from {Store.SigningStore.Schema}.mt_events where tenant_id = any(@t) and type = 'renewal_submitted' group by tenant_id",
            connection);
        all.Parameters.AddWithValue("t", tenants.ToArray());
        var perTenant = new Dictionary<string, long>();
        await using (var reader = await all.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                perTenant[reader.GetString(0)] = reader.GetInt64(1);
        }
        return (perTenant.Values.Sum(), foundCount, perTenant);
    }

    internal static async Task WaitServingAsync(string url, Process server, string log)
    {
        using var channel = GrpcChannel.ForAddress(url);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
                throw new InvalidOperationException($"the server exited with {server.ExitCode} before serving; its log:\n{Tail(log)}");
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return;
            }
            catch (RpcException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the server did not report SERVING within 120 s; its log:\n{Tail(log)}");
    }

    internal static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";

    /// <summary>The TCKNs with an open renewal in the server's database (mt_doc_openrenewal is keyed by TCKN).</summary>
    private static async Task<IReadOnlySet<string>> OpenRenewalsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select id from signing.mt_doc_openrenewal", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            taken.Add(reader.GetString(0));
        if (taken.Count > 0)
            Console.Error.WriteLine($"load: {taken.Count:N0} people already have an open renewal on that server; the pool leaves them out");
        return taken;
    }

    internal static string FindServerDll(string repo)
    {
        var candidates = new[] { "Release", "Debug" }
            .Select(c => Path.Combine(repo, "src", "Signing.Server", "bin", c, "net10.0", "Signing.Server.dll"))
            .Where(File.Exists).ToList();
        return candidates.FirstOrDefault() ?? throw new FileNotFoundException(
            "no built server: dotnet build -c Release src/Signing.Server/Signing.Server.csproj (or pass --server-dll / --server URL)");
    }

    internal static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();
}
