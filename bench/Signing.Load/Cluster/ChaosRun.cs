using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Signing.Contracts.V1;

namespace Signing.Load.Cluster;

public sealed record ChaosOptions
{
    public static readonly IReadOnlyList<string> AllFaults = ["kill-node", "pg-restart", "pg-freeze", "token-files"];

    public int Nodes { get; init; } = 2;
    public int Concurrency { get; init; } = 64;
    /// <summary>Officers' callers approving acknowledged submissions with the card, besides the submitting callers.</summary>
    public int Deciders { get; init; } = 4;
    public int Rounds { get; init; } = 3;
    public IReadOnlyList<string> Faults { get; init; } = AllFaults;
    public TimeSpan Freeze { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Quiet load before the first fault and after each one (the recovery gap).</summary>
    public TimeSpan Gap { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>How long a killed node stays down before the harness restarts it.</summary>
    public TimeSpan KillDown { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>How long the server token's files stay away.</summary>
    public TimeSpan TokenAway { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>How long one request is retried (same request id) before the caller gives up on it.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(90);
    /// <summary>A call that outlives its deadline by more than this is a hang.</summary>
    public TimeSpan HangMargin { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Submissions per second over all callers (0: as fast as they go).</summary>
    public double Rate { get; init; } = 200;
    /// <summary>Pre-signed forms; 0: enough for the run at Rate.</summary>
    public int Pool { get; init; }
    public int Keys { get; init; } = 256;
    public string Tenant { get; init; } = "33";
    public string? ServerDll { get; init; }
    public IReadOnlyList<string> ServerArgs { get; init; } = [];
    public string? HttpCheckPath { get; init; }
    public bool Keep { get; init; }
    public Action<string> Log { get; init; } = Console.Error.WriteLine;

    /// <summary>A rough length of the run, to size the pool.</summary>
    public TimeSpan Estimate()
    {
        var perRound = Faults.Sum(f => f switch
        {
            "kill-node" => KillDown.TotalSeconds + 15,
            "pg-restart" => 5,
            "pg-freeze" => Freeze.TotalSeconds,
            "token-files" => TokenAway.TotalSeconds + 10,
            _ => 0,
        } + Gap.TotalSeconds);
        return TimeSpan.FromSeconds(Gap.TotalSeconds + Rounds * perRound + RetryBudget.TotalSeconds / 3);
    }
}

/// <summary>One fault as injected once.</summary>
public sealed record FaultRound
{
    public required string Fault { get; init; }
    public int Round { get; init; }
    public string Detail { get; init; } = "";
    public long StartTicks { get; init; }
    /// <summary>When the harness undid the fault (restart issued, SIGCONT sent, files back).</summary>
    public long EndTicks { get; init; }
    /// <summary>From the fault's end to the end of the first successful call started after it.</summary>
    public double? RecoverSeconds { get; set; }
    /// <summary>kill-node: from the restart to the node's SERVING.</summary>
    public double? NodeBackSeconds { get; init; }
    /// <summary>token-files: from the files leaving to every node answering NOT_SERVING (null: never within the hold).</summary>
    public double? NotServingSeconds { get; init; }
    /// <summary>token-files: from the files' return to every node answering SERVING (null: not within the wait).</summary>
    public double? ServingAgainSeconds { get; init; }
    /// <summary>pg-freeze: the nodes' largest RSS sampled during the freeze (MiB).</summary>
    public double PeakRssMb { get; init; }
}

/// <summary>A fault's rows of the final table.</summary>
public sealed record FaultSummary(string Fault, int Rounds, long Sent, long Acknowledged, long Stored, long Lost, long Doubled, long Unacknowledged,
    long Hangs, long Decisions, IReadOnlyList<double?> RecoverSeconds, double PeakRssMb, IReadOnlyDictionary<string, long> FailedAttempts);

public sealed record ChaosReport
{
    public required IReadOnlyList<FaultSummary> Faults { get; init; }
    public required IReadOnlyList<FaultRound> Rounds { get; init; }
    public required StoreCheck.Result Store { get; init; }
    public long Sent { get; init; }
    public long Acknowledged { get; init; }
    public long DecisionsAcknowledged { get; init; }
    public long Hangs { get; init; }
    public double Seconds { get; init; }
    public IReadOnlyDictionary<string, string> FinalHealth { get; init; } = new Dictionary<string, string>();
    public double PeakRssMb { get; init; }
    public required IReadOnlyList<string> Failures { get; init; }
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// `chaos`: submissions (a system client, pre-signed forms of distinct applicants) and decisions (officer-mersin-1
/// approving with the card) through HAProxy in front of N nodes, while one fault at a time is injected and undone. A
/// client retries a failed or timed-out call with the same request id, as a real client would, until it is answered
/// or its budget runs out. Afterwards the store is read directly: every acknowledged submission stored once, none
/// doubled, every stream's versions 1..n, every event in the transparency log once, every node SERVING.
/// </summary>
public static class ChaosRun
{
    private const string Baseline = "baseline";

    public static async Task<ChaosReport> ExecuteAsync(LocalSetup setup, WorldManifest world, ChaosOptions options)
    {
        foreach (var fault in options.Faults)
        {
            if (!ChaosOptions.AllFaults.Contains(fault))
                throw new ArgumentException($"unknown fault '{fault}' (known: {string.Join(", ", ChaosOptions.AllFaults)})");
        }
        var postgres = LocalPostgres.Of(setup);
        var tag = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + "c";
        var poolSize = options.Pool > 0 ? options.Pool
            : options.Rate > 0 ? (int)Math.Ceiling(options.Rate * options.Estimate().TotalSeconds * 1.3) + options.Concurrency
            : 150_000;
        options.Log($"chaos: a pool of {poolSize:N0} pre-signed forms…");
        var pool = IdentityPool.Build(world, options.Tenant, poolSize, Math.Min(options.Keys, poolSize), tag, DateTimeOffset.UtcNow);

        await using var cluster = await LocalCluster.StartAsync(setup, world, new ClusterOptions
        {
            Nodes = options.Nodes,
            ServerDll = options.ServerDll,
            ServerArgs = options.ServerArgs,
            Tenants = [options.Tenant],
            HttpCheckPath = options.HttpCheckPath,
            OwnTokenCopy = options.Faults.Contains("token-files"),
            Keep = options.Keep,
        });
        var driver = new Driver(cluster, world, pool, options);
        var clock = Stopwatch.StartNew();
        var rounds = new List<FaultRound>();
        double peakRss = 0;
        using (var sampler = new RssSampler(cluster))
        {
            var load = driver.StartAsync();
            await Task.Delay(options.Gap);
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var fault in options.Faults)
                {
                    driver.Phase = fault;
                    options.Log($"chaos: round {round}, {fault}…");
                    var done = await InjectAsync(fault, round, cluster, postgres, options, sampler);
                    rounds.Add(done);
                    options.Log($"chaos: round {round}, {fault} undone after {Stopwatch.GetElapsedTime(done.StartTicks, done.EndTicks).TotalSeconds:F1} s {done.Detail}");
                    await Task.Delay(options.Gap);
                    driver.Phase = Baseline;
                }
            }
            // Nodes killed and restarted are checked like the others: each must answer SERVING now, without help.
            await driver.StopAsync();
            await load;
            peakRss = sampler.Peak;
        }
        var seconds = clock.Elapsed.TotalSeconds;

        foreach (var r in rounds)
            r.RecoverSeconds = driver.FirstSuccessAfter(r.EndTicks) is { } t ? Stopwatch.GetElapsedTime(r.EndTicks, t).TotalSeconds : null;
        var health = new Dictionary<string, string>();
        foreach (var node in cluster.Nodes)
            health[node.Name] = (await HealthAsync(node.Url, "", TimeSpan.FromSeconds(5))).ToString();

        var store = await StoreCheck.RunAsync(cluster.Logins.Admin, options.Tenant, driver.Acknowledged, driver.DecisionsAcknowledged);
        var summaries = Summarise(options, rounds, driver, store);
        var failures = new List<string>();
        if (store.Lost.Count > 0)
            failures.Add($"{store.Lost.Count} acknowledged submissions are not stored (first: {store.Lost[0]})");
        if (store.DoubledRequestIds.Count > 0 || store.StreamsWithTwoSubmissions > 0)
            failures.Add($"doubled: {store.DoubledRequestIds.Count} request ids with two streams, {store.StreamsWithTwoSubmissions} streams with two submissions");
        if (store.StreamsWithGaps > 0 || store.StreamVersionMismatches > 0)
            failures.Add($"{store.StreamsWithGaps} streams whose versions are not 1..n, {store.StreamVersionMismatches} whose stream version is not their last event's");
        if (store.EventsNotInLog > 0 || store.LeavesTwice > 0 || store.LeavesWithoutEvent > 0)
            failures.Add($"transparency log: {store.EventsNotInLog} events without a leaf, {store.LeavesTwice} events with two leaves, {store.LeavesWithoutEvent} leaves without their event");
        if (store.DecisionsLost.Count > 0 || store.DecisionsDoubled > 0)
            failures.Add($"decisions: {store.DecisionsLost.Count} acknowledged not stored, {store.DecisionsDoubled} stored twice");
        foreach (var (node, status) in health.Where(h => h.Value != nameof(HealthCheckResponse.Types.ServingStatus.Serving)))
            failures.Add($"{node} answers {status} at the end, not SERVING");
        var hangs = summaries.Sum(s => s.Hangs);
        if (hangs > 0)
            failures.Add($"{hangs} calls outlived their deadline by more than {options.HangMargin.TotalSeconds:F0} s");
        foreach (var r in rounds.Where(r => r.Fault == "token-files"))
        {
            if (r.NotServingSeconds is null or > 10)
                failures.Add($"token-files round {r.Round}: health did not turn NOT_SERVING within 10 s of the token's files leaving");
            if (r.ServingAgainSeconds is null)
                failures.Add($"token-files round {r.Round}: health did not return to SERVING after the files came back");
        }
        foreach (var r in rounds.Where(r => r.RecoverSeconds is null))
            failures.Add($"{r.Fault} round {r.Round}: no call succeeded after the fault ended");
        if (driver.Acknowledged.IsEmpty)
            failures.Add("no submission was acknowledged at all");
        return new ChaosReport
        {
            Faults = summaries,
            Rounds = rounds,
            Store = store,
            Sent = driver.Sent.Count,
            Acknowledged = driver.Acknowledged.Count,
            DecisionsAcknowledged = driver.DecisionsAcknowledged.Count,
            Hangs = hangs,
            Seconds = seconds,
            FinalHealth = health,
            PeakRssMb = peakRss,
            Failures = failures,
        };
    }

    private static async Task<FaultRound> InjectAsync(string fault, int round, LocalCluster cluster, LocalPostgres postgres, ChaosOptions options, RssSampler sampler)
    {
        var start = Stopwatch.GetTimestamp();
        switch (fault)
        {
            case "kill-node":
            {
                // Each round another node: the one killed last is then in the rotation again.
                var node = cluster.Nodes[(round - 1) % cluster.Nodes.Count];
                await node.KillAsync();
                await Task.Delay(options.KillDown);
                var end = Stopwatch.GetTimestamp();
                await node.StartAsync();
                return new FaultRound
                {
                    Fault = fault, Round = round, StartTicks = start, EndTicks = end, Detail = $"({node.Name} SIGKILLed and restarted)",
                    NodeBackSeconds = Stopwatch.GetElapsedTime(end).TotalSeconds,
                };
            }
            case "pg-restart":
            {
                await postgres.RestartFastAsync();
                return new FaultRound { Fault = fault, Round = round, StartTicks = start, EndTicks = Stopwatch.GetTimestamp(), Detail = "(pg_ctl restart -m fast)" };
            }
            case "pg-freeze":
            {
                sampler.ResetWindow();
                var stopped = postgres.Freeze();
                try
                {
                    await Task.Delay(options.Freeze);
                }
                finally
                {
                    LocalPostgres.Thaw(stopped);
                }
                return new FaultRound
                {
                    Fault = fault, Round = round, StartTicks = start, EndTicks = Stopwatch.GetTimestamp(), PeakRssMb = sampler.WindowPeak,
                    Detail = $"({stopped.Count} PostgreSQL processes stopped for {options.Freeze.TotalSeconds:F0} s)",
                };
            }
            case "token-files":
            {
                var dir = cluster.ServerTokenDirectory ?? throw new InvalidOperationException("the cluster has no token copy of its own");
                // Out of SoftHSM's token directory: when the server re-initialises the module to find the token again,
                // every folder in there is read as a token, and a renamed copy beside it would come back as the same token.
                var away = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(dir))!, Path.GetFileName(dir) + ".away");
                Directory.Move(dir, away);
                double? notServing;
                try
                {
                    notServing = await AllNodesAsync(cluster, HealthCheckResponse.Types.ServingStatus.NotServing, options.TokenAway);
                    var rest = options.TokenAway - Stopwatch.GetElapsedTime(start);
                    if (rest > TimeSpan.Zero)
                        await Task.Delay(rest);
                }
                finally
                {
                    Directory.Move(away, dir);
                }
                var end = Stopwatch.GetTimestamp();
                var back = await AllNodesAsync(cluster, HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(30));
                return new FaultRound
                {
                    Fault = fault, Round = round, StartTicks = start, EndTicks = end, NotServingSeconds = notServing, ServingAgainSeconds = back,
                    Detail = $"(NOT_SERVING after {Show(notServing)} s, SERVING again {Show(back)} s after the files' return)",
                };
            }
            default:
                throw new ArgumentException(fault);
        }
    }

    private static string Show(double? seconds) => seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "—";

    /// <summary>Polls every node's health directly until all answer <paramref name="wanted"/>; seconds until then, or null.</summary>
    private static async Task<double?> AllNodesAsync(LocalCluster cluster, HealthCheckResponse.Types.ServingStatus wanted, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < limit)
        {
            var statuses = await Task.WhenAll(cluster.Nodes.Select(n => HealthAsync(n.Url, "", TimeSpan.FromSeconds(2))));
            if (statuses.All(s => s == wanted))
                return Stopwatch.GetElapsedTime(start).TotalSeconds;
            await Task.Delay(250);
        }
        return null;
    }

    internal static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string url, string service, TimeSpan deadline)
    {
        using var channel = GrpcChannel.ForAddress(url);
        try
        {
            var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow + deadline);
            return reply.Status;
        }
        catch (RpcException)
        {
            return HealthCheckResponse.Types.ServingStatus.Unknown;
        }
    }

    private static List<FaultSummary> Summarise(ChaosOptions options, List<FaultRound> rounds, Driver driver, StoreCheck.Result store)
    {
        var phases = new[] { Baseline }.Concat(options.Faults).ToList();
        var lost = store.Lost.ToHashSet();
        var doubled = store.DoubledRequestIds.ToHashSet();
        return phases.Select(phase =>
        {
            var sent = driver.Sent.Where(s => s.Value == phase).Select(s => s.Key).ToList();
            var acked = sent.Where(driver.Acknowledged.ContainsKey).ToList();
            var of = rounds.Where(r => r.Fault == phase).ToList();
            var failed = driver.Attempts.Where(a => a.Phase == phase && a.Status != StatusCode.OK)
                .GroupBy(a => a.Status.ToString()).ToDictionary(g => g.Key, g => (long)g.Count());
            return new FaultSummary(phase, of.Count, sent.Count, acked.Count,
                sent.Count(store.StoredRequestIds.Contains), acked.Count(lost.Contains), sent.Count(doubled.Contains),
                sent.Count - acked.Count,
                driver.Attempts.Count(a => a.Phase == phase && a.Elapsed > options.Deadline + options.HangMargin),
                driver.DecisionsAcknowledged.Count(d => d.Value == phase),
                of.Select(r => r.RecoverSeconds).ToList(), of.Count == 0 ? 0 : of.Max(r => r.PeakRssMb), failed);
        }).ToList();
    }

    /// <summary>One attempt of one call: for hangs and the statuses callers met in each phase.</summary>
    internal readonly record struct Attempt(string Phase, StatusCode Status, TimeSpan Elapsed);

    /// <summary>The callers: submitters and deciders through the balancer, with their records.</summary>
    private sealed class Driver(LocalCluster cluster, WorldManifest world, List<PoolItem> pool, ChaosOptions options)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<long> _successes = new();
        private readonly Channel<string> _toDecide = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });
        private long _next = -1;
        private volatile string _phase = Baseline;

        public string Phase { get => _phase; set => _phase = value; }
        /// <summary>request id → the phase it was first sent in.</summary>
        public ConcurrentDictionary<string, string> Sent { get; } = new();
        /// <summary>request id → application id of every acknowledged submission.</summary>
        public ConcurrentDictionary<string, Guid> Acknowledged { get; } = new();
        /// <summary>application id → the phase of every acknowledged decision.</summary>
        public ConcurrentDictionary<Guid, string> DecisionsAcknowledged { get; } = new();
        public ConcurrentBag<Attempt> Attempts { get; } = [];

        public long? FirstSuccessAfter(long ticks)
        {
            long? first = null;
            foreach (var t in _successes)
            {
                if (t >= ticks && (first is null || t < first))
                    first = t;
            }
            return first;
        }

        public Task StartAsync()
        {
            var channel = GrpcChannel.ForAddress(cluster.BalancerUrl, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    ConnectTimeout = TimeSpan.FromSeconds(2),
                },
            });
            var submitters = Enumerable.Range(0, options.Concurrency).Select(i => Task.Run(() => SubmitterAsync(channel, i)));
            var deciders = Enumerable.Range(0, options.Deciders).Select(_ => Task.Run(() => DeciderAsync(channel)));
            return Task.WhenAll(submitters.Concat(deciders)).ContinueWith(_ => channel.Dispose(), TaskScheduler.Default);
        }

        /// <summary>No new requests; each caller finishes (or gives up) the one it has.</summary>
        public Task StopAsync()
        {
            _stop.Cancel();
            _toDecide.Writer.TryComplete();
            return Task.CompletedTask;
        }

        private async Task SubmitterAsync(GrpcChannel channel, int n)
        {
            var client = new ApplicationService.ApplicationServiceClient(channel);
            var headers = new Metadata { { "x-api-key", cluster.ApiKey } };
            var period = options.Rate > 0 ? TimeSpan.FromSeconds(options.Concurrency / options.Rate) : TimeSpan.Zero;
            // Spread the callers' first sends over one period, so the load starts as a rate, not a burst.
            var due = Stopwatch.GetTimestamp() + (long)(period.TotalSeconds * Stopwatch.Frequency * n / options.Concurrency);
            while (!_stop.IsCancellationRequested)
            {
                if (period > TimeSpan.Zero)
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        try
                        {
                            await Task.Delay(wait, _stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                    }
                    due = Math.Max(due + (long)(period.TotalSeconds * Stopwatch.Frequency), Stopwatch.GetTimestamp());
                }
                var index = Interlocked.Increment(ref _next);
                if (index >= pool.Count)
                    return;
                var item = pool[(int)index];
                var phase = Phase;
                Sent[item.RequestId] = phase;
                var request = new SubmitESignedRequest { Cms = UnsafeByteOperations.UnsafeWrap(item.Cms), ClientRequestId = item.RequestId };
                var reply = await RetryAsync(phase, deadline => client.SubmitESignedAsync(request, headers, deadline).ResponseAsync);
                if (reply is null)
                    continue;
                var id = Guid.Parse(reply.Application.Id);
                Acknowledged[item.RequestId] = id;
                if (reply.Application.Status == "AWAITING_APPROVAL")
                    _toDecide.Writer.TryWrite(reply.Application.Id);
            }
        }

        private async Task DeciderAsync(GrpcChannel channel)
        {
            GrpcQueue.Card card;
            try
            {
                card = SharedCard.Officer(world);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or Signing.Tokens.TokenException)
            {
                options.Log($"chaos: no decisions: the officer's card cannot be used ({e.Message})");
                return;
            }
            var approvals = new ApprovalService.ApprovalServiceClient(channel);
            Metadata? officer = null;
            await foreach (var id in _toDecide.Reader.ReadAllAsync())
            {
                if (_stop.IsCancellationRequested)
                    return;
                var phase = Phase;
                officer ??= await SignInAsync(channel, card, phase);
                if (officer is null)
                    return;
                var document = await RetryAsync(phase, deadline => approvals.GetDecisionDocumentAsync(
                    new GetDecisionDocumentRequest { ApplicationId = id, Decision = Decision.Approve }, officer, deadline).ResponseAsync);
                if (document is null)
                    continue;
                byte[] signature;
                // One PKCS#11 session per token and process, and sessions are not thread-safe.
                await SigningKeyLock.WaitAsync();
                try
                {
                    signature = new Signing.Tokens.CadesSigner(card.Key).Sign(document.Document.ToByteArray(), detached: true);
                }
                finally
                {
                    SigningKeyLock.Release();
                }
                var request = new DecideRequest
                {
                    ApplicationId = id,
                    Document = document.Document,
                    Signature = ByteString.CopyFrom(signature),
                    ExpectedVersion = document.Version,
                };
                var decided = await RetryAsync(phase, deadline => approvals.DecideAsync(request, officer, deadline).ResponseAsync, resolve: async () =>
                {
                    // A retry after a lost answer meets its own commit as a version conflict: the stream tells whether it landed.
                    var now = await approvals.GetDecisionDocumentAsync(
                        new GetDecisionDocumentRequest { ApplicationId = id, Decision = Decision.Approve }, officer, DateTime.UtcNow + options.Deadline);
                    return now.Version > document.Version;
                });
                if (decided)
                    DecisionsAcknowledged[Guid.Parse(id)] = phase;
            }
        }

        private async Task<Metadata?> SignInAsync(GrpcChannel channel, GrpcQueue.Card card, string phase)
        {
            // The challenge and the sign-in may land on different nodes: until challenges live in PostgreSQL that fails,
            // and the officer tries again, as a desk client would.
            var token = await RetryAsync(phase, async deadline =>
            {
                await SigningKeyLock.WaitAsync();
                try
                {
                    using var timeout = new CancellationTokenSource(deadline - DateTime.UtcNow);
                    return await GrpcQueue.SignInAsync(channel, card.Key).WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new RpcException(new Status(StatusCode.DeadlineExceeded, "sign-in took longer than its deadline"));
                }
                finally
                {
                    SigningKeyLock.Release();
                }
            }, retryAlso: [StatusCode.NotFound, StatusCode.Unauthenticated, StatusCode.FailedPrecondition, StatusCode.InvalidArgument]);
            return token is null ? null : new Metadata { { "authorization", "Bearer " + token } };
        }

        private static SemaphoreSlim SigningKeyLock => SharedCard.Lock;

        private async Task<bool> RetryAsync<T>(string phase, Func<DateTime, Task<T>> call, Func<Task<bool>> resolve) where T : class
        {
            var transportFailed = false;
            var until = Stopwatch.GetTimestamp() + (long)(options.RetryBudget.TotalSeconds * Stopwatch.Frequency);
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await call(DateTime.UtcNow + options.Deadline);
                    Record(phase, StatusCode.OK, begin);
                    return true;
                }
                catch (RpcException e)
                {
                    Record(phase, e.StatusCode, begin);
                    if (transportFailed && e.StatusCode is StatusCode.Aborted or StatusCode.FailedPrecondition)
                    {
                        try
                        {
                            if (await resolve())
                            {
                                _successes.Enqueue(Stopwatch.GetTimestamp());
                                return true;
                            }
                        }
                        catch (RpcException)
                        {
                            // Unknown yet: try the decision again.
                        }
                    }
                    if (!Retryable(e.StatusCode) || Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency) > until)
                        return false;
                    transportFailed = true;
                }
                await Task.Delay(Jitter(delay));
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }

        private async Task<T?> RetryAsync<T>(string phase, Func<DateTime, Task<T>> call, IReadOnlyCollection<StatusCode>? retryAlso = null) where T : class
        {
            var until = Stopwatch.GetTimestamp() + (long)(options.RetryBudget.TotalSeconds * Stopwatch.Frequency);
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    var reply = await call(DateTime.UtcNow + options.Deadline);
                    Record(phase, StatusCode.OK, begin);
                    return reply;
                }
                catch (RpcException e)
                {
                    Record(phase, e.StatusCode, begin);
                    if (!(Retryable(e.StatusCode) || retryAlso?.Contains(e.StatusCode) == true)
                        || Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency) > until)
                        return null;
                }
                await Task.Delay(Jitter(delay));
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }

        private void Record(string phase, StatusCode status, long begin)
        {
            var end = Stopwatch.GetTimestamp();
            Attempts.Add(new Attempt(phase, status, Stopwatch.GetElapsedTime(begin, end)));
            if (status == StatusCode.OK)
                _successes.Enqueue(end);
        }

        private static TimeSpan Jitter(TimeSpan delay) => delay * (0.5 + Random.Shared.NextDouble());

        /// <summary>What a client may send again with the same request id: the server did not say no, it did not answer.</summary>
        private static bool Retryable(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled;
    }

    /// <summary>Samples the nodes' RSS every 250 ms: the run's peak and the peak of a window (the freeze).</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly Timer _timer;
        private double _peak, _window;

        public RssSampler(LocalCluster cluster) =>
            _timer = new Timer(_ =>
            {
                foreach (var node in cluster.Nodes)
                {
                    if (node.Pid is { } pid)
                    {
                        var (rss, _) = ProcStat.Memory(pid);
                        lock (this)
                        {
                            _peak = Math.Max(_peak, rss);
                            _window = Math.Max(_window, rss);
                        }
                    }
                }
            }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));

        public double Peak { get { lock (this) return _peak; } }
        public double WindowPeak { get { lock (this) return _window; } }
        public void ResetWindow() { lock (this) _window = 0; }
        public void Dispose() => _timer.Dispose();
    }
}

/// <summary>
/// officer-mersin-1's card, logged in once per process (a second C_Login of the same token is refused), and the lock
/// every signature on it takes (a PKCS#11 session is not thread-safe).
/// </summary>
public static class SharedCard
{
    private static GrpcQueue.Card? _officer;

    public static SemaphoreSlim Lock { get; } = new(1, 1);

    public static GrpcQueue.Card Officer(WorldManifest world)
    {
        lock (Lock)
            return _officer ??= GrpcQueue.OfficerCard(world);
    }
}
