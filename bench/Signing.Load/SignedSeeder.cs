using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Store;

namespace Signing.Load;

public sealed record SignedSeedOptions
{
    public long Count { get; init; }
    public IReadOnlyList<string> Tenants { get; init; } = ["33", "01"];
    public string? Database { get; init; }
    public string? ServerUrl { get; init; }
    public string? ApiKey { get; init; }
    public string ClientName { get; init; } = "load";
    public string? ServerDll { get; init; }
    public IReadOnlyList<string> ServerArgs { get; init; } = [];
    public int Concurrency { get; init; } = 64;
    public int Chunk { get; init; } = 10_000;
    public int Keys { get; init; } = 256;
    public ApplicantKeyType KeyType { get; init; } = ApplicantKeyType.Rsa;
    public int Signers { get; init; } = Environment.ProcessorCount;
    public bool SignOnly { get; init; }
}

/// <summary>
/// `seed-signed`: fills a database with N submissions through the product's real path (SubmitESigned on a started
/// server, group commit, --concurrency callers), each with its own applicant certificate and signed form. Applicant i is
/// fixed by i (tenant, TCKN, request id, form bytes), so the seeding is resumable: each chunk first asks the store which
/// of its applications exist and makes only the others, and one sent twice is answered as a retry. The forms are made
/// chunk by chunk beside the submissions (a bounded queue between them), never all held at once.
/// </summary>
public static class SignedSeeder
{
    private const int QueueCapacity = 4_096;
    private const int SignBatch = 512;

    public static Command Command()
    {
        var count = new Option<long>("--count") { Description = "Submissions the database should hold when done (applicants 0 … count-1).", DefaultValueFactory = _ => 1_000_000 };
        var tenants = new Option<string>("--tenants") { Description = "Plate codes (33,01,…) or 'all' (01–81); applicant i goes to tenant i mod n.", DefaultValueFactory = _ => "33,01" }.Validated();
        var database = new Option<string?>("--database") { Description = "Database to fill (created and migrated if missing; resumed if it exists). Default: a new one, kept." };
        var server = new Option<string?>("--server") { Description = "A running server (h2c URL) on --database instead of starting one; needs --api-key and a system client allowed to submit in --tenants." };
        var apiKey = new Option<string?>("--api-key") { Description = "For --server: the system key (x-api-key)." };
        var clientName = new Option<string>("--client-name") { Description = "For --server: the system client's name (request ids are per submitter, so resuming needs it).", DefaultValueFactory = _ => "load" };
        var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll to start (default: src/Signing.Server/bin/Release|Debug/net10.0)." };
        var serverArg = new Option<string[]>("--server-arg") { Description = "An extra argument for the started server (repeatable).", AllowMultipleArgumentsPerToken = false };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers.", DefaultValueFactory = _ => 64 };
        var chunk = new Option<int>("--chunk") { Description = "Applicants per chunk (the unit of resumption).", DefaultValueFactory = _ => 10_000 };
        var keys = new Option<int>("--keys") { Description = "Distinct applicant key pairs, used in turn (each applicant still has a certificate and a signature of its own).", DefaultValueFactory = _ => 256 };
        var keyType = new Option<string>("--key-type") { Description = "rsa (RSA-2048, as most NES cards) or ecdsa (P-256: cheaper to sign, costlier to verify).", DefaultValueFactory = _ => "rsa" };
        var signers = new Option<int>("--signers") { Description = "Threads making applicants.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var signOnly = new Option<bool>("--sign-only") { Description = "Only make the applicants (no server, no database): the rate of making them alone." };
        var command = new Command("seed-signed",
            "Fills a database with --count submissions through SubmitESigned on a started server (group commit, --concurrency callers), " +
            "each with its own NES certificate and signed form (attached CAdES-BES); resumable; keeps the database and writes its logins to .local/seed/<database>.env.")
        {
            count, tenants, database, server, apiKey, clientName, serverDll, serverArg, concurrency, chunk, keys, keyType, signers, signOnly,
        };
        command.SetAction(async (parse, _) => await ExecuteAsync(new SignedSeedOptions
        {
            Count = Positive(parse.GetValue(count), "--count"),
            Tenants = ProvinceList.Parse(parse.GetValue(tenants)!, "--tenants"),
            Database = parse.GetValue(database),
            ServerUrl = parse.GetValue(server),
            ApiKey = parse.GetValue(apiKey),
            ClientName = parse.GetValue(clientName)!,
            ServerDll = parse.GetValue(serverDll),
            ServerArgs = parse.GetValue(serverArg) ?? [],
            Concurrency = Positive(parse.GetValue(concurrency), "--concurrency"),
            Chunk = Positive(parse.GetValue(chunk), "--chunk"),
            Keys = Positive(parse.GetValue(keys), "--keys"),
            KeyType = Enum.TryParse<ApplicantKeyType>(parse.GetValue(keyType), ignoreCase: true, out var kt) ? kt : throw new ArgumentException("--key-type is rsa or ecdsa"),
            Signers = Positive(parse.GetValue(signers), "--signers"),
            SignOnly = parse.GetValue(signOnly),
        }));
        return command;
    }

    public static async Task<int> ExecuteAsync(SignedSeedOptions options)
    {
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        var sw = Stopwatch.StartNew();
        using var factory = new ApplicantFactory(world, options.Keys, options.KeyType, DateTimeOffset.UtcNow);
        Console.Error.WriteLine($"seed-signed: {factory.KeyCount} {options.KeyType} key pairs in {sw.Elapsed.TotalSeconds:F1} s");
        var sample = IdentityPool.VerifySample(setup.ManifestPath, Applicant(factory, options, 0));
        if (sample.Indication != Verification.Indication.TotalPassed)
            throw new InvalidOperationException($"a sample applicant's form does not verify ({sample.Indication}/{sample.SubIndication}: {sample.Reason})");
        if (options.SignOnly)
            return SignOnly(factory, options);

        var database = options.Database ?? "seed_signed_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var logins = DatabaseLogins.Of(setup);
        if (options.ServerUrl is null && !await logins.DatabaseExistsAsync(database))
            await logins.CreateDatabaseAsync(database);
        logins = logins.For(database);
        Process? server = null;
        try
        {
            var url = options.ServerUrl;
            var key = options.ApiKey;
            if (url is null)
            {
                key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
                (server, url) = await LoadRun.StartServerAsync(setup, world, database, options.ServerDll, options.ServerArgs, (key, options.Tenants), "seed-" + database);
            }
            else if (key is null)
            {
                throw new ArgumentException("--server needs --api-key");
            }
            var before = await SubmissionsAsync(logins.Owner);
            var numbers = await SeedAsync(factory, options, url, key!, logins.Owner, server?.Id, setup.PostmasterPid());
            var after = await SubmissionsAsync(logins.Owner);
            var envFile = WriteLogins(setup, database, logins);
            Report(numbers, options, database, before, after, envFile);
            return numbers.Failed == 0 && after >= options.Count ? 0 : 1;
        }
        finally
        {
            if (server is not null)
                await StopAsync(server);
        }
    }

    /// <summary>What one seeding did: submitted (new), replayed (already stored: a resumed chunk), skipped (found in the store before signing).</summary>
    public sealed record Numbers(long Submitted, long Replayed, long Skipped, long Failed, string? FirstFailure, double Seconds,
        double SigningSeconds, double ClientCpuSeconds, double ServerCpuSeconds, double DbCpuSeconds);

    private static async Task<Numbers> SeedAsync(ApplicantFactory factory, SignedSeedOptions options, string url, string key, string owner,
        int? serverPid, int? postmaster)
    {
        var queue = Channel.CreateBounded<PoolItem>(new BoundedChannelOptions(QueueCapacity) { SingleWriter = true });
        long submitted = 0, replayed = 0, skipped = 0, failed = 0, signingTicks = 0;
        string? firstFailure = null;
        var sw = Stopwatch.StartNew();
        var (client0, server0, db0) = (ProcStat.ClientCpuSeconds(), serverPid is { } p ? ProcStat.CpuSeconds(p) ?? 0 : 0, postmaster is { } pm ? ProcStat.TreeCpuSeconds(pm) : 0);

        var producer = Task.Run(async () =>
        {
            try
            {
                for (var from = 0L; from < options.Count; from += options.Chunk)
                {
                    var to = Math.Min(options.Count, from + options.Chunk);
                    var missing = await MissingAsync(owner, options, from, to);
                    Interlocked.Add(ref skipped, to - from - missing.Count);
                    for (var b = 0; b < missing.Count; b += SignBatch)
                    {
                        var batch = missing.Skip(b).Take(SignBatch).ToArray();
                        var items = new PoolItem[batch.Length];
                        var begin = Stopwatch.GetTimestamp();
                        Parallel.For(0, batch.Length, new ParallelOptions { MaxDegreeOfParallelism = options.Signers },
                            j => items[j] = Applicant(factory, options, batch[j]));
                        Interlocked.Add(ref signingTicks, Stopwatch.GetTimestamp() - begin);
                        foreach (var item in items)
                            await queue.Writer.WriteAsync(item);
                    }
                }
            }
            finally
            {
                queue.Writer.Complete();
            }
        });

        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
        });
        var client = new ApplicationService.ApplicationServiceClient(channel);
        var headers = new Metadata { { "x-api-key", key } };
        async Task Caller()
        {
            await foreach (var item in queue.Reader.ReadAllAsync())
            {
                var request = new SubmitESignedRequest { Cms = UnsafeByteOperations.UnsafeWrap(item.Cms), ClientRequestId = item.RequestId };
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var reply = await client.SubmitESignedAsync(request, headers);
                        Interlocked.Increment(ref reply.Replayed ? ref replayed : ref submitted);
                        break;
                    }
                    catch (RpcException e) when (Transient(e.StatusCode) && attempt < 8)
                    {
                        // The same request id and signed bytes again: a retry the server answers from the store if the first commit landed.
                        await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt));
                    }
                    catch (RpcException e)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstFailure, $"{item.RequestId}: {e.StatusCode} {e.Status.Detail}", null);
                        break;
                    }
                }
            }
        }

        var callers = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(Caller)).ToArray();
        var all = Task.WhenAll(callers.Append(producer));
        var lastDone = 0L;
        var lastAt = sw.Elapsed;
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))) != all)
        {
            var done = Interlocked.Read(ref submitted) + Interlocked.Read(ref replayed) + Interlocked.Read(ref skipped);
            var now = sw.Elapsed;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed-signed: {done:N0} / {options.Count:N0} ({(done - lastDone) / (now - lastAt).TotalSeconds:N0}/s now, {Interlocked.Read(ref failed)} failed)"));
            (lastDone, lastAt) = (done, now);
        }
        await all;
        var seconds = sw.Elapsed.TotalSeconds;
        return new Numbers(submitted, replayed, skipped, failed, firstFailure, seconds, (double)signingTicks / Stopwatch.Frequency,
            ProcStat.ClientCpuSeconds() - client0, serverPid is { } p1 ? (ProcStat.CpuSeconds(p1) ?? 0) - server0 : 0,
            postmaster is { } pm1 ? ProcStat.TreeCpuSeconds(pm1) - db0 : 0);
    }

    /// <summary>SIGTERM and a wait, not a kill: a server stopping cleanly signs a last checkpoint over everything seeded.</summary>
    private static async Task StopAsync(Process server)
    {
        using (server)
        {
            if (server.HasExited)
                return;
            using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await server.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("seed-signed: the server did not stop within 60 s of SIGTERM; killed");
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }

    private static bool Transient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded or StatusCode.Aborted;

    /// <summary>Applicant <paramref name="i"/> of the seeding: its tenant, TCKN, request id and form follow from i alone.</summary>
    private static PoolItem Applicant(ApplicantFactory factory, SignedSeedOptions options, long i) =>
        factory.Make(i, options.Tenants[(int)(i % options.Tenants.Count)], Seeder.TcknFor(i).Value, RequestId(i), DateTimeOffset.UtcNow);

    private static string RequestId(long i) => "seed-signed-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>The applicants of [from, to) whose application is not in the store yet (its id is fixed by tenant, submitter and request id).</summary>
    private static async Task<List<long>> MissingAsync(string connectionString, SignedSeedOptions options, long from, long to)
    {
        var submitter = SubmitRenewal.SystemSubmitter(options.ClientName);
        var ids = new Dictionary<Guid, long>();
        for (var i = from; i < to; i++)
            ids[ApplicationStore.ApplicationIdFor(options.Tenants[(int)(i % options.Tenants.Count)], submitter, RequestId(i))] = i;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select id from {SigningStore.Schema}.mt_streams where id = any(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.Keys.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            ids.Remove(reader.GetGuid(0));
        return [.. ids.Values.Order()];
    }

    private static async Task<long> SubmissionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {SigningStore.Schema}.mt_events where type = 'renewal_submitted'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static int SignOnly(ApplicantFactory factory, SignedSeedOptions options)
    {
        var sw = Stopwatch.StartNew();
        var cpu0 = ProcStat.ClientCpuSeconds();
        long bytes = 0;
        Parallel.For(0L, options.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Signers },
            i => Interlocked.Add(ref bytes, Applicant(factory, options, i).Cms.Length));
        var seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"made {options.Count:N0} applicants ({options.KeyType}, {factory.KeyCount} keys, {options.Signers} threads) in {seconds:F1} s: " +
            $"{options.Count / seconds:N0}/s, {(ProcStat.ClientCpuSeconds() - cpu0) * 1000 / options.Count:F3} ms CPU each " +
            $"(thread time: issuing the certificate {factory.IssueTicks * 1000.0 / Stopwatch.Frequency / options.Count:F3} ms, the signed form {factory.SignTicks * 1000.0 / Stopwatch.Frequency / options.Count:F3} ms), " +
            $"CMS {bytes / options.Count:N0} bytes on average"));
        return 0;
    }

    /// <summary>
    /// The seeded database's logins (audit, runtime, owner) as a shell file, so `set -a; . FILE` points `esign audit verify`
    /// (SIGNING_DB_AUDIT) at it; kept out of the output because it holds passwords.
    /// </summary>
    private static string WriteLogins(LocalSetup setup, string database, DatabaseLogins logins)
    {
        var dir = Path.Combine(setup.Repo, ".local", "seed");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, database + ".env");
        File.WriteAllLines(file, new[]
        {
            "# Written by signing-load seed-signed: the logins of database " + database,
            $"SIGNING_DB_AUDIT='{logins.Audit ?? logins.Owner}'",
            $"SIGNING_DB='{logins.Runtime}'",
            $"SIGNING_DB_OWNER='{logins.Owner}'",
        });
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    private static void Report(Numbers n, SignedSeedOptions options, string database, long before, long after, string envFile)
    {
        var sent = n.Submitted + n.Replayed;
        var cpu = (double x) => sent == 0 ? 0 : x * 1000 / sent;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed-signed: database {database}: {after:N0} submissions (was {before:N0}); this run {n.Submitted:N0} new, {n.Replayed:N0} replayed, " +
            $"{n.Skipped:N0} already stored, {n.Failed:N0} failed in {n.Seconds:F1} s = {sent / n.Seconds:N0} submissions/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU per submission: client {cpu(n.ClientCpuSeconds):F3} ms (making applicants and gRPC), server {cpu(n.ServerCpuSeconds):F3} ms, PostgreSQL {cpu(n.DbCpuSeconds):F3} ms; " +
            $"signing batches ran {n.SigningSeconds / Math.Max(n.Seconds, 1e-9) * 100:F0} % of the time ({options.KeyType}, {options.Keys} keys)"));
        if (n.FirstFailure is not null)
            Console.WriteLine("  first failure: " + n.FirstFailure);
        if (after < options.Count)
            Console.WriteLine($"  INCOMPLETE: {after:N0} of {options.Count:N0}; run the same command again to resume");
        Console.WriteLine($"  logins of {database}: {envFile} (set -a; . {envFile}; set +a — then esign audit verify reads SIGNING_DB_AUDIT)");
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            kind = "signing-load-seed-signed", database, count = after, n.Submitted, n.Replayed, n.Skipped, n.Failed, seconds = Math.Round(n.Seconds, 1),
            perSecond = Math.Round(sent / n.Seconds), keyType = options.KeyType.ToString().ToLowerInvariant(), options.Keys, options.Concurrency,
            clientCpuMs = Math.Round(cpu(n.ClientCpuSeconds), 3), serverCpuMs = Math.Round(cpu(n.ServerCpuSeconds), 3), dbCpuMs = Math.Round(cpu(n.DbCpuSeconds), 3),
        }));
    }

    private static T Positive<T>(T value, string name) where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentException($"{name} must be positive, not {value}");
}
