using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Signing.Load.Cluster;

/// <summary>`cluster` (N nodes behind HAProxy, in the foreground) and `chaos` (the fault harness).</summary>
public static class ClusterCommands
{
    public static Command Cluster()
    {
        var nodes = new Option<int>("--nodes") { Description = "Server nodes.", DefaultValueFactory = _ => 2 };
        var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll every node runs (default: src/Signing.Server/bin/Release|Debug/net10.0)." };
        var database = new Option<string?>("--database") { Description = "An existing, migrated database of the world's PostgreSQL (e.g. signing); default: a fresh one, migrated once, dropped at the end." };
        var keep = new Option<bool>("--keep") { Description = "Keep the fresh database at the end." };
        var tenants = new Option<string>("--tenants") { Description = "Provinces (plate codes, or 'all') the nodes serve and the printed system key may submit in.", DefaultValueFactory = _ => "33,01" }.Validated();
        var httpCheck = new Option<string?>("--http-check") { Description = "Check each node with an HTTP GET of this path on its REST port instead of a TCP connect to its gRPC port." };
        var serverArg = new Option<string[]>("--server-arg") { Description = "An extra argument for every node (repeatable).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("cluster", "Starts --nodes server nodes on one database behind HAProxy (h2c, round robin per request), prints the balancer's URL and a system key, and runs until Ctrl+C.")
        {
            nodes, serverDll, database, keep, tenants, httpCheck, serverArg,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var setup = LocalSetup.Discover();
            var world = WorldManifest.Load(setup.ManifestPath);
            await using var cluster = await LocalCluster.StartAsync(setup, world, new ClusterOptions
            {
                Nodes = parse.GetValue(nodes),
                ServerDll = parse.GetValue(serverDll),
                Database = parse.GetValue(database),
                Keep = parse.GetValue(keep),
                Tenants = ProvinceList.Parse(parse.GetValue(tenants)!, "--tenants"),
                HttpCheckPath = parse.GetValue(httpCheck),
                ServerArgs = parse.GetValue(serverArg) ?? [],
            });
            Console.WriteLine($"balancer  {cluster.BalancerUrl}");
            foreach (var node in cluster.Nodes)
                Console.WriteLine($"{node.Name,-9} {node.Url} (pid {node.Pid}, REST :{node.RestPort}, log {node.Log})");
            Console.WriteLine($"database  {cluster.Database}");
            Console.WriteLine($"files     {cluster.Directory}");
            // The key goes to a file, not the terminal: it is a credential.
            var keyFile = Path.Combine(cluster.Directory, "api-key");
            await File.WriteAllTextAsync(keyFile, cluster.ApiKey + "\n", CancellationToken.None);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            // The owner's login on this database, for run's accepted == streams check (ANALYZE needs the owner).
            var dbFile = Path.Combine(cluster.Directory, "db-connection");
            await File.WriteAllTextAsync(dbFile, cluster.Logins.Owner + "\n", CancellationToken.None);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(dbFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Console.WriteLine($"system key (client 'load', applications:submit) in {keyFile}, the database's connection in {dbFile}; e.g.");
            Console.WriteLine($"  signing-load run --server {cluster.BalancerUrl} --api-key $(cat {keyFile}) --server-db \"$(cat {dbFile})\"");
            Console.WriteLine("Ctrl+C stops the balancer and the nodes.");
            try
            {
                await Task.WhenAny(Task.Delay(Timeout.Infinite, cancel), cluster.Balancer.Process.WaitForExitAsync(cancel));
            }
            catch (OperationCanceledException)
            {
            }
            return cluster.Balancer.Process.HasExited ? 1 : 0;
        });
        return command;
    }

    public static Command Chaos()
    {
        var nodes = new Option<int>("--nodes") { Description = "Server nodes behind HAProxy.", DefaultValueFactory = _ => 2 };
        var concurrency = new Option<int>("--concurrency") { Description = "Submitting callers.", DefaultValueFactory = _ => 64 };
        var deciders = new Option<int>("--deciders") { Description = "Officer callers approving acknowledged submissions with the card (0: none).", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Times each fault is injected.", DefaultValueFactory = _ => 3 };
        var faults = new Option<string>("--faults") { Description = "Faults, comma-separated, in order: kill-node, pg-restart, pg-freeze, token-files.", DefaultValueFactory = _ => string.Join(',', ChaosOptions.AllFaults) };
        var freeze = new Option<string>("--freeze") { Description = "How long PostgreSQL stays stopped (SIGSTOP) in pg-freeze.", DefaultValueFactory = _ => "30s" };
        var deadline = new Option<string>("--deadline") { Description = "Each call's gRPC deadline.", DefaultValueFactory = _ => "10s" };
        var gap = new Option<string>("--gap") { Description = "Plain load before the first fault and after each.", DefaultValueFactory = _ => "8s" };
        var killDown = new Option<string>("--kill-down") { Description = "How long a killed node stays down.", DefaultValueFactory = _ => "3s" };
        var tokenAway = new Option<string>("--token-away") { Description = "How long the server token's files stay away.", DefaultValueFactory = _ => "15s" };
        var budget = new Option<string>("--retry-budget") { Description = "How long a client keeps retrying one request (same request id).", DefaultValueFactory = _ => "90s" };
        var rate = new Option<double>("--rate") { Description = "Submissions per second over all callers (0: unpaced).", DefaultValueFactory = _ => 200 };
        var pool = new Option<int>("--pool") { Description = "Pre-signed forms (0: enough for the run at --rate)." };
        var tenant = new Option<string>("--tenant") { Description = "Province of the forms.", DefaultValueFactory = _ => "33" };
        var serverDll = new Option<string?>("--server-dll") { Description = "The Signing.Server.dll the nodes run." };
        var httpCheck = new Option<string?>("--http-check") { Description = "HAProxy checks this path on each node's REST port (HTTP GET) instead of a TCP connect." };
        var serverArg = new Option<string[]>("--server-arg") { Description = "An extra argument for every node (repeatable).", AllowMultipleArgumentsPerToken = false };
        var keep = new Option<bool>("--keep") { Description = "Keep the run's database." };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var command = new Command("chaos",
            "Submissions and officers' decisions through HAProxy in front of --nodes nodes while faults are injected one at a time " +
            "(SIGKILL of a node, PostgreSQL fast restart, PostgreSQL frozen by SIGSTOP, the server token's files removed); clients retry with the same request id. " +
            "Then checks from the database: acknowledged = stored once, nothing doubled, versions 1..n, every event in the log once; every node SERVING. Exit 1 if a check fails. Needs root (runuser, signals to PostgreSQL).")
        {
            nodes, concurrency, deciders, rounds, faults, freeze, deadline, gap, killDown, tokenAway, budget, rate, pool, tenant, serverDll, httpCheck, serverArg, keep, json,
        };
        command.SetAction(async (parse, _) =>
        {
            var setup = LocalSetup.Discover();
            var world = WorldManifest.Load(setup.ManifestPath);
            var options = new ChaosOptions
            {
                Nodes = parse.GetValue(nodes),
                Concurrency = parse.GetValue(concurrency),
                Deciders = parse.GetValue(deciders),
                Rounds = parse.GetValue(rounds),
                Faults = parse.GetValue(faults)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Freeze = Duration(parse.GetValue(freeze)!, "--freeze"),
                Deadline = Duration(parse.GetValue(deadline)!, "--deadline"),
                Gap = Duration(parse.GetValue(gap)!, "--gap"),
                KillDown = Duration(parse.GetValue(killDown)!, "--kill-down"),
                TokenAway = Duration(parse.GetValue(tokenAway)!, "--token-away"),
                RetryBudget = Duration(parse.GetValue(budget)!, "--retry-budget"),
                Rate = parse.GetValue(rate),
                Pool = parse.GetValue(pool),
                Tenant = parse.GetValue(tenant)!,
                ServerDll = parse.GetValue(serverDll),
                HttpCheckPath = parse.GetValue(httpCheck),
                ServerArgs = parse.GetValue(serverArg) ?? [],
                Keep = parse.GetValue(keep),
            };
            if (options.Nodes < 1 || options.Concurrency < 1 || options.Rounds < 1 || options.Deciders < 0)
                throw new ArgumentException("--nodes, --concurrency and --rounds must be positive, --deciders not negative");
            var report = await ChaosRun.ExecuteAsync(setup, world, options);
            Print(report, options, Console.Out);
            if (parse.GetValue(json) is { } file)
                await File.WriteAllTextAsync(file, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            return report.Passed ? 0 : 1;
        });
        return command;
    }

    public static void Print(ChaosReport report, ChaosOptions options, TextWriter output)
    {
        string F(double? v) => v is { } x ? x.ToString("F1", CultureInfo.InvariantCulture) : "—";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chaos: {options.Nodes} nodes behind HAProxy, {options.Concurrency} callers at {options.Rate:F0}/s + {options.Deciders} deciders, deadline {options.Deadline.TotalSeconds:F0} s, {report.Seconds:F0} s in all"));
        output.WriteLine($"{"fault",-12} {"rounds",6} {"sent",7} {"acked",7} {"stored",7} {"lost",5} {"doubled",7} {"unacked",7} {"hangs",5} {"decided",7} {"peak RSS",8}  recover s per round / failed attempts");
        foreach (var f in report.Faults)
        {
            var failed = string.Join(' ', f.FailedAttempts.OrderByDescending(p => p.Value).Select(p => $"{p.Key}:{p.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{f.Fault,-12} {f.Rounds,6} {f.Sent,7} {f.Acknowledged,7} {f.Stored,7} {f.Lost,5} {f.Doubled,7} {f.Unacknowledged,7} {f.Hangs,5} {f.Decisions,7} {(f.PeakRssMb > 0 ? f.PeakRssMb.ToString("F0", CultureInfo.InvariantCulture) + " MB" : ""),8}  " +
                $"{string.Join(", ", f.RecoverSeconds.Select(F))} / {failed}"));
        }
        foreach (var r in report.Rounds)
            output.WriteLine($"  {r.Fault} round {r.Round}: recovered {F(r.RecoverSeconds)} s after the fault ended {r.Detail}" +
                             (r.NodeBackSeconds is { } b ? $"; node SERVING {F(b)} s after its restart" : ""));
        var s = report.Store;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store: {s.StoredSubmissions} submissions ({report.Acknowledged} acknowledged, {s.Lost.Count} of them lost, {s.DoubledRequestIds.Count} request ids doubled), " +
            $"{s.Events} events, {s.StreamsWithGaps} streams with gaps, {s.EventsNotInLog} events not in the log, {s.LeavesTwice} twice; " +
            $"decisions {report.DecisionsAcknowledged} acknowledged, {s.DecisionsLost.Count} lost, {s.DecisionsDoubled} doubled"));
        output.WriteLine($"health at the end: {string.Join(", ", report.FinalHealth.Select(h => $"{h.Key} {h.Value}"))}; peak RSS of a node {report.PeakRssMb:F0} MB");
        output.WriteLine(report.Passed ? "chaos: all checks passed" : "chaos: FAILED\n  " + string.Join("\n  ", report.Failures));
    }

    internal static TimeSpan Duration(string text, string name)
    {
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? TimeSpan.FromSeconds(value * unit)
            : throw new ArgumentException($"{name}: '{text}' is not a duration like 30s, 500ms or 1m");
    }
}
