// Signing build: bootstrap, database, hsm-sim world, build, test, run, clean.
// ./build.sh --target=<Target> [--configuration=Release] [--fresh] [--clock=2026-01-01T00:00:00Z]
// ./build.sh --target=Run --demo   (= --target=Demo: the scripted day through esign against a fresh server)
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Xml.Linq;

var target = Argument("target", "Test");
// `--target=Run --demo` plays the demo instead of serving in the foreground.
if (target == "Run" && HasArgument("demo")) target = "Demo";
var configuration = Argument("configuration", "Debug");
var fresh = HasArgument("fresh");
var clock = Argument<string>("clock", null);

var repo = MakeAbsolute(Directory("."));
var localDir = repo.Combine(".local");
var hsmDir = localDir.Combine("hsm");
var envFile = localDir.CombineWithFilePath("env");
var resultsDir = repo.Combine("artifacts/test-results");
var solution = repo.CombineWithFilePath("Signing.sln");
var isRoot = Environment.UserName == "root";
// fonts-dejavu-core: the printable form (PDFsharp) embeds DejaVu Sans.
var aptPackages = new[] { "softhsm2", "opensc", "libengine-pkcs11-openssl", "postgresql", "fonts-dejavu-core" };

// ---------------------------------------------------------------- helpers

int Run(string file, string args, IDictionary<string, string> env = null, bool quiet = false)
{
    var settings = new ProcessSettings { Arguments = args, RedirectStandardOutput = quiet, RedirectStandardError = quiet };
    if (env != null) settings.EnvironmentVariables = env;
    return StartProcess(file, settings);
}

string Capture(string file, string args)
{
    StartProcess(file, new ProcessSettings { Arguments = args, RedirectStandardOutput = true, RedirectStandardError = true },
        out IEnumerable<string> output);
    return string.Join("\n", output).Trim();
}

// Runs a PostgreSQL binary as the postgres user when we are root (PostgreSQL refuses root).
int RunPg(string binary, string args, bool quiet = false) =>
    isRoot ? Run("runuser", $"-u postgres -- {PgBin()}/{binary} {args}", quiet: quiet)
           : Run($"{PgBin()}/{binary}", args, quiet: quiet);

string PgBin()
{
    var bins = System.IO.Directory.Exists("/usr/lib/postgresql")
        ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(d => d + "/bin")
            .Where(d => System.IO.File.Exists(d + "/initdb")).OrderByDescending(d => d).ToList()
        : new List<string>();
    if (bins.Count == 0) throw new Exception("PostgreSQL server binaries not found: run ./build.sh --target=Bootstrap as root");
    return bins[0];
}

Dictionary<string, string> ReadEnv()
{
    var env = new Dictionary<string, string>();
    if (FileExists(envFile))
        foreach (var line in System.IO.File.ReadAllLines(envFile.FullPath))
        {
            var i = line.IndexOf('=');
            if (i > 0 && !line.StartsWith("#")) env[line[..i]] = line[(i + 1)..].Trim('\'');
        }
    return env;
}

void WriteEnv(Dictionary<string, string> env)
{
    EnsureDirectoryExists(localDir);
    System.IO.File.WriteAllLines(envFile.FullPath,
        new[] { "# Written by build.cake: source it (set -a; . .local/env) to reach the local world." }
        .Concat(env.OrderBy(e => e.Key).Select(e => $"{e.Key}='{e.Value}'")));
}

// The environment every test process and the server start with (SoftHSM reads SOFTHSM2_CONF at load time).
Dictionary<string, string> WorldEnv()
{
    var env = ReadEnv();
    var explicitDb = Environment.GetEnvironmentVariable("SIGNING_DB");
    if (!string.IsNullOrEmpty(explicitDb)) env["SIGNING_DB"] = explicitDb;
    env["SOFTHSM2_CONF"] = hsmDir.CombineWithFilePath("softhsm2.conf").FullPath;
    env["SIGNING_HSM_MANIFEST"] = hsmDir.CombineWithFilePath("manifest.json").FullPath;
    env["SIGNING_REPO"] = repo.FullPath;
    // The server's configuration for this world (trust file, officers, server token), written by hsm-sim.
    var serverConfig = hsmDir.CombineWithFilePath("server.json").FullPath;
    if (System.IO.File.Exists(serverConfig)) env["SIGNING_CONFIG"] = serverConfig;
    // The directorate's receipt key lives on the server token of the throwaway hsm-sim world; its test PIN is in
    // the world's manifest. A real deployment sets SIGNING_SERVER_PIN from its secret store instead.
    var manifest = hsmDir.CombineWithFilePath("manifest.json").FullPath;
    if (System.IO.File.Exists(manifest) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGNING_SERVER_PIN")))
    {
        using var doc = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(manifest));
        foreach (var p in doc.RootElement.GetProperty("personas").EnumerateArray())
            if (p.GetProperty("role").GetString() == "server")
                env["SIGNING_SERVER_PIN"] = p.GetProperty("userPin").GetString();
    }
    return env;
}

int FreeLoopbackPort()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

// ---------------------------------------------------------------- targets

Task("Bootstrap")
    .Description("Installs the Debian packages the world needs (softhsm2, opensc, libengine-pkcs11-openssl, postgresql, fonts-dejavu-core).")
    .Does(() =>
{
    var missing = aptPackages
        .Where(p => !Capture("dpkg-query", $"-W -f=${{Status}} {p}").Contains("install ok installed")).ToList();
    if (missing.Count == 0) { Information("Bootstrap: all packages present."); return; }
    var line = "apt-get install -y --no-install-recommends " + string.Join(" ", missing);
    if (!isRoot) throw new Exception($"Missing Debian packages. Run: sudo {line}   (then this command again)");
    Information($"Bootstrap: installing {string.Join(", ", missing)}");
    var apt = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
    if (Run("apt-get", "update -q", apt, quiet: true) != 0) throw new Exception("apt-get update failed");
    if (Run("apt-get", "install -y -q --no-install-recommends " + string.Join(" ", missing), apt) != 0)
        throw new Exception("apt-get install failed: " + line);
});

Task("Db")
    .Description("A throwaway PostgreSQL on a free loopback port under .local/pg (skipped when SIGNING_DB is set).")
    .IsDependentOn("Bootstrap")
    .Does(() =>
{
    if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGNING_DB")))
    {
        Information("Db: using SIGNING_DB from the environment.");
        return;
    }
    var env = ReadEnv();
    var pgRoot = env.TryGetValue("SIGNING_PG_DIR", out var known) ? known : localDir.Combine("pg").FullPath;
    EnsureDirectoryExists(localDir);
    if (isRoot && !env.ContainsKey("SIGNING_PG_DIR") && Run("runuser", $"-u postgres -- test -x {localDir.FullPath}", quiet: true) != 0)
    {
        // The clone lives where the postgres user cannot reach (e.g. under /root): keep the cluster in /tmp.
        var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(repo.FullPath)))[..10].ToLowerInvariant();
        pgRoot = $"/tmp/signing-pg-{hash}";
    }
    var data = $"{pgRoot}/data";
    var socketDir = pgRoot.Length < 80 ? pgRoot : "/tmp";

    if (System.IO.File.Exists($"{data}/PG_VERSION") && env.TryGetValue("SIGNING_PG_PORT", out var portText)
        && RunPg("pg_ctl", $"-D {data} status", quiet: true) == 0)
    {
        Information($"Db: reusing the running PostgreSQL on 127.0.0.1:{portText}.");
        return;
    }

    var password = env.TryGetValue("SIGNING_PG_PASSWORD", out var pw) ? pw : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    if (!System.IO.File.Exists($"{data}/PG_VERSION"))
    {
        if (System.IO.Directory.Exists(pgRoot)) System.IO.Directory.Delete(pgRoot, true);
        System.IO.Directory.CreateDirectory(pgRoot);
        System.IO.File.WriteAllText($"{pgRoot}/pw", password + "\n");
        if (isRoot) Run("chown", $"-R postgres:postgres {pgRoot}");
        Run("chmod", $"700 {pgRoot}");
        if (RunPg("initdb", $"-D {data} -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --pwfile={pgRoot}/pw", quiet: true) != 0)
            throw new Exception("initdb failed");
        System.IO.File.Delete($"{pgRoot}/pw");
    }
    var port = FreeLoopbackPort();
    var options = $"-p {port} -k {socketDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB";
    if (RunPg("pg_ctl", $"-D {data} -l {pgRoot}/log -w -t 60 -o \"{options}\" start", quiet: true) != 0)
        throw new Exception($"PostgreSQL did not start: see {pgRoot}/log");
    var exists = Capture(isRoot ? "runuser" : $"{PgBin()}/psql",
        (isRoot ? $"-u postgres -- {PgBin()}/psql " : "") + $"-h {socketDir} -p {port} -U postgres -tAc \"select 1 from pg_database where datname='signing'\"");
    if (exists != "1")
        RunPg("psql", $"-h {socketDir} -p {port} -U postgres -qc \"create database signing\"", quiet: true);

    env["SIGNING_PG_DIR"] = pgRoot;
    env["SIGNING_PG_PORT"] = port.ToString();
    env["SIGNING_PG_PASSWORD"] = password;
    env["SIGNING_DB"] = $"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=signing";
    WriteEnv(env);
    Information($"Db: PostgreSQL on 127.0.0.1:{port}, data in {data}; connection string in .local/env");
});

Task("HsmSim")
    .Description("Builds (or reuses) the simulated smart-card world in .local/hsm from hsm-sim/personas.json.")
    .IsDependentOn("Bootstrap")
    .Does(() =>
{
    var project = repo.CombineWithFilePath("hsm-sim/Signing.HsmSim/Signing.HsmSim.csproj");
    DotNetBuild(project.FullPath, new DotNetBuildSettings { Configuration = configuration, Verbosity = DotNetVerbosity.Quiet, NoLogo = true });
    var dll = repo.CombineWithFilePath($"hsm-sim/Signing.HsmSim/bin/{configuration}/net10.0/hsm-sim.dll");
    var args = $"\"{dll.FullPath}\" --out \"{hsmDir.FullPath}\" --personas \"{repo.FullPath}/hsm-sim/personas.json\""
        + (fresh ? " --fresh" : "") + (clock != null ? $" --clock {clock}" : "");
    // The world's own SOFTHSM2_CONF, never one inherited from the caller.
    if (Run("dotnet", args, new Dictionary<string, string> { ["SOFTHSM2_CONF"] = hsmDir.CombineWithFilePath("softhsm2.conf").FullPath }) != 0)
        throw new Exception("hsm-sim failed");
});

Task("Build")
    .Description("Builds the whole solution.")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration, NoLogo = true, Verbosity = DotNetVerbosity.Minimal });
});

Task("Test")
    .Description("Db + HsmSim + Build, then every test project; TRX results in artifacts/test-results.")
    .IsDependentOn("Db")
    .IsDependentOn("HsmSim")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(resultsDir);
    Exception failure = null;
    try
    {
        DotNetTest(solution.FullPath, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoLogo = true,
            ResultsDirectory = resultsDir,
            Loggers = new[] { "trx", "console;verbosity=normal" },
            EnvironmentVariables = WorldEnv(),
        });
    }
    catch (Exception e) { failure = e; }
    var summary = SummarizeTrx(resultsDir.FullPath);
    Information(summary);
    if (failure != null) throw failure;
    if (summary.StartsWith("0 passed, 0 failed")) throw new Exception("no test ran");
});

Task("Run")
    .Description("Db + HsmSim + Build, then the server in the foreground on 127.0.0.1 (gRPC h2c :5080, REST :5081).")
    .IsDependentOn("Db")
    .IsDependentOn("HsmSim")
    .IsDependentOn("Build")
    .Does(() =>
{
    var dll = repo.CombineWithFilePath($"src/Signing.Server/bin/{configuration}/net10.0/Signing.Server.dll");
    // An operator key (a system client) for curl and scripts, made once per checkout and kept out of git (.local/).
    var keyFile = localDir.CombineWithFilePath("operator-key").FullPath;
    if (!System.IO.File.Exists(keyFile))
    {
        System.IO.File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
        System.IO.File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
    var env = WorldEnv();
    env["Signing__Auth__SystemKeys__operator"] = System.IO.File.ReadAllText(keyFile).Trim();
    Information("Run: gRPC on 127.0.0.1:5080 (h2c, reflection on), REST on 127.0.0.1:5081; Ctrl+C stops it.");
    Information("     REST as the operator: curl -H \"x-api-key: $(cat .local/operator-key)\" http://127.0.0.1:5081/v1/applications/<id>");
    Run("dotnet", $"\"{dll.FullPath}\" --contentRoot \"{repo.FullPath}/src/Signing.Server\"", env);
});

Task("Demo")
    .Description("Db + HsmSim + Build, then the server on free ports with a fresh database and the scripted day through esign (demo/Signing.Demo); the server is always stopped.")
    .IsDependentOn("Db")
    .IsDependentOn("HsmSim")
    .IsDependentOn("Build")
    .Does(() =>
{
    var env = WorldEnv();
    if (!env.TryGetValue("SIGNING_DB", out var baseDb) || string.IsNullOrEmpty(baseDb)) throw new Exception("Demo: SIGNING_DB is not known (run the Db target)");
    var serverDll = repo.CombineWithFilePath($"src/Signing.Server/bin/{configuration}/net10.0/Signing.Server.dll").FullPath;
    var demoDll = repo.CombineWithFilePath($"demo/Signing.Demo/bin/{configuration}/net10.0/Signing.Demo.dll").FullPath;
    var esignDll = repo.CombineWithFilePath($"src/Signing.Cli/bin/{configuration}/net10.0/esign.dll").FullPath;
    var grpcPort = FreeLoopbackPort();
    var restPort = FreeLoopbackPort();
    // The courier is a system client: a random key per run, known only to this server and this demo.
    var courierKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
    // A fresh database per run: the personas' renewals of an earlier run would be "already open".
    var dbName = "demo_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
    DemoPsql(baseDb, $"create database {dbName}");
    var workDir = localDir.Combine("demo").Combine(dbName);
    EnsureDirectoryExists(workDir);
    var serverLog = workDir.CombineWithFilePath("server.log").FullPath;

    var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
    {
        UseShellExecute = false,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        WorkingDirectory = repo.Combine("src/Signing.Server").FullPath,
    };
    psi.ArgumentList.Add(serverDll);
    psi.ArgumentList.Add($"--Signing:GrpcPort={grpcPort}");
    psi.ArgumentList.Add($"--Signing:RestPort={restPort}");
    foreach (var e in env) psi.Environment[e.Key] = e.Value;
    psi.Environment["SIGNING_DB"] = DemoConnectionString(baseDb, dbName);
    psi.Environment["Signing__Auth__SystemKeys__courier"] = courierKey;
    Information($"Demo: server on 127.0.0.1:{grpcPort} (gRPC) / {restPort} (REST), database {dbName}, log {serverLog}");
    var log = new System.IO.StreamWriter(serverLog) { AutoFlush = true };
    var server = System.Diagnostics.Process.Start(psi);
    server.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
    server.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
    server.BeginOutputReadLine();
    server.BeginErrorReadLine();
    int exit;
    try
    {
        // Signing.Demo waits (at most 30 s) for grpc.health.v1 SERVING before it plays.
        var demoEnv = new Dictionary<string, string>(env) { ["ESIGN_COURIER_KEY"] = courierKey };
        exit = Run("dotnet", $"\"{demoDll}\" --server http://127.0.0.1:{grpcPort} --esign \"{esignDll}\" --work \"{workDir.FullPath}\" --wait 30", demoEnv);
    }
    finally
    {
        if (!server.HasExited) { server.Kill(true); server.WaitForExit(10000); }
        lock (log) log.Dispose();
        DemoPsql(baseDb, $"drop database if exists {dbName} with (force)");
    }
    if (exit != 0)
    {
        var tail = System.IO.File.ReadAllLines(serverLog).TakeLast(40);
        Warning("Demo: last lines of the server log:\n" + string.Join("\n", tail));
        throw new Exception($"Demo failed (exit {exit}); the server log is {serverLog}");
    }
});

// The demo's own database next to the world's: psql over TCP with the world's credentials (no server-side socket needed).
void DemoPsql(string connectionString, string sql)
{
    var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
        .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
    string Part(string key, string fallback) => parts.TryGetValue(key, out var v) ? v : fallback;
    var env = new Dictionary<string, string> { ["PGPASSWORD"] = Part("password", "") };
    var args = $"-h {Part("host", "127.0.0.1")} -p {Part("port", "5432")} -U {Part("username", "postgres")} -d {Part("database", "postgres")} -v ON_ERROR_STOP=1 -qc \"{sql}\"";
    if (Run($"{PgBin()}/psql", args, env, quiet: true) != 0) throw new Exception($"Demo: psql failed: {sql}");
}

string DemoConnectionString(string connectionString, string database) =>
    string.Join(";", connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Where(p => !p.TrimStart().StartsWith("Database=", StringComparison.OrdinalIgnoreCase))
        .Append($"Database={database}"));

Task("Clean")
    .Description("Stops our PostgreSQL and removes .local/ and artifacts/.")
    .Does(() =>
{
    var env = ReadEnv();
    if (env.TryGetValue("SIGNING_PG_DIR", out var pgRoot) && System.IO.File.Exists($"{pgRoot}/data/PG_VERSION"))
    {
        RunPg("pg_ctl", $"-D {pgRoot}/data -m fast -w stop", quiet: true);
        System.IO.Directory.Delete(pgRoot, true);
        Information("Clean: PostgreSQL stopped and removed.");
    }
    if (DirectoryExists(localDir)) DeleteDirectory(localDir, new DeleteDirectorySettings { Recursive = true, Force = true });
    if (DirectoryExists(repo.Combine("artifacts"))) DeleteDirectory(repo.Combine("artifacts"), new DeleteDirectorySettings { Recursive = true, Force = true });
});

// Reads every TRX file's counters: the plain closing line CI reads.
string SummarizeTrx(string dir)
{
    int passed = 0, failed = 0, skipped = 0;
    foreach (var file in System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir, "*.trx", SearchOption.AllDirectories) : Array.Empty<string>())
    {
        var counters = XDocument.Load(file).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
        if (counters == null) continue;
        int Count(string name) => int.TryParse((string)counters.Attribute(name), out var n) ? n : 0;
        passed += Count("passed");
        failed += Count("failed") + Count("error") + Count("timeout") + Count("aborted");
        skipped += Count("notExecuted");
    }
    return $"{passed} passed, {failed} failed" + (skipped > 0 ? $", {skipped} skipped" : "");
}

RunTarget(target);
