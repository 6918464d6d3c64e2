// Signing build: bootstrap, database, hsm-sim world, build, test, run, demo, clean.
// ./build.sh --target=<Target> [--configuration=Release] [--fresh] [--clock=2026-01-01T00:00:00Z] [--exclusive] [--long: 1,000,000 hostile-input cases]
// ./build.sh --target=Run --demo   (= --target=Demo: the scripted day through esign against a server of its own)
using System.Security.Cryptography;
using System.Xml.Linq;

var target = Argument("target", "Test");
if (target == "Run" && HasArgument("demo")) target = "Demo";
var configuration = Argument("configuration", "Debug");
var repo = MakeAbsolute(Directory("."));
var localDir = repo.Combine(".local");
var hsmDir = localDir.Combine("hsm");
var envFile = localDir.CombineWithFilePath("env").FullPath;
var resultsDir = repo.Combine("artifacts/test-results");
var isRoot = Environment.UserName == "root";

string RandomHex(int bytes) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();
// A secret made once per checkout and kept out of git (.local/): the operator's system key, the session-token key.
string LocalSecret(string name, Func<string> make) { var f = localDir.CombineWithFilePath(name).FullPath; EnsureDirectoryExists(localDir);
    if (!System.IO.File.Exists(f)) System.IO.File.WriteAllText(f, make()); System.IO.File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite); return System.IO.File.ReadAllText(f).Trim(); }
void Must(int exit, string what) { if (exit != 0) throw new CakeException(exit, $"{what} failed (exit {exit})"); }
int Run(string file, string args, IDictionary<string, string> env = null, bool quiet = false) =>
    StartProcess(file, new ProcessSettings { Arguments = args, EnvironmentVariables = env, RedirectStandardOutput = quiet, RedirectStandardError = quiet });
// The output of a process that succeeded, else null.
string Capture(string file, string args, IDictionary<string, string> env = null) =>
    StartProcess(file, new ProcessSettings { Arguments = args, EnvironmentVariables = env, RedirectStandardOutput = true, RedirectStandardError = true },
        out IEnumerable<string> output) == 0 ? string.Join("\n", output).Trim() : null;

// A project of the solution as it was built: no bin/<configuration> paths to keep in step.
int DotNetRun(string project, string args, IDictionary<string, string> env, bool build = false) =>
    Run("dotnet", $"run --project \"{repo.FullPath}/{project}\" -c {configuration} --no-launch-profile {(build ? "" : "--no-build")} -- {args}", env);

Dictionary<string, string> ReadEnv() => !System.IO.File.Exists(envFile) ? new() : System.IO.File.ReadAllLines(envFile)
    .Where(l => l.IndexOf('=') > 0 && !l.StartsWith("#")).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..].Trim('\''));

// The environment every test process and the server start with (SoftHSM reads SOFTHSM2_CONF at load time).
Dictionary<string, string> WorldEnv()
{
    var env = ReadEnv();
    var explicitDb = Environment.GetEnvironmentVariable("SIGNING_DB");
    if (!string.IsNullOrEmpty(explicitDb)) env["SIGNING_DB"] = explicitDb;
    env["SOFTHSM2_CONF"] = hsmDir.CombineWithFilePath("softhsm2.conf").FullPath;
    env["SIGNING_HSM_MANIFEST"] = hsmDir.CombineWithFilePath("manifest.json").FullPath;
    env["SIGNING_REPO"] = repo.FullPath;
    env["Signing__Auth__TokenKey"] = LocalSecret("token-key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); // required outside Development
    // The server's configuration for the test world, written by hsm-sim next to its trust file.
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

// PostgreSQL refuses to run as root: its server binaries run as the postgres user then.
string PgBin() => (System.IO.Directory.Exists("/usr/lib/postgresql") ? System.IO.Directory.GetDirectories("/usr/lib/postgresql") : Array.Empty<string>())
    .Select(d => d + "/bin").Where(d => System.IO.File.Exists(d + "/initdb")).OrderByDescending(d => d).FirstOrDefault()
    ?? throw new CakeException("PostgreSQL server binaries not found: run ./build.sh --target=Bootstrap as root");
int RunPg(string binary, string args) =>
    isRoot ? Run("runuser", $"-u postgres -- {PgBin()}/{binary} {args}", quiet: true) : Run($"{PgBin()}/{binary}", args, quiet: true);

// psql over TCP with the password, as the tests connect: the answer proves the login, not only a running server.
string Psql(int port, string password, string sql) => Capture($"{PgBin()}/psql", $"-h 127.0.0.1 -p {port} -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc \"{sql}\"",
    new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGCONNECT_TIMEOUT"] = "10" });

// The cluster's path is a function of the checkout: .local/pg, or /tmp/signing-pg-<hash of the checkout path> when the
// postgres user cannot enter the checkout (e.g. under /root). A cluster found there is ours by construction of the path.
string PgRoot()
{
    if (ReadEnv().TryGetValue("SIGNING_PG_DIR", out var known)) return known;
    EnsureDirectoryExists(localDir);
    if (!isRoot || Run("runuser", $"-u postgres -- test -x {localDir.FullPath}", quiet: true) == 0) return localDir.Combine("pg").FullPath;
    return "/tmp/signing-pg-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(repo.FullPath)))[..10].ToLowerInvariant();
}

// The port of the cluster's postmaster, started on a free loopback port if it is not running; 0 when it does not start.
int StartCluster(string pgRoot)
{
    var data = $"{pgRoot}/data";
    if (RunPg("pg_ctl", $"-D {data} status") == 0) return int.Parse(System.IO.File.ReadAllLines($"{data}/postmaster.pid")[3]);
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start(); var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; listener.Stop();
    var socketDir = pgRoot.Length < 80 ? pgRoot : "/tmp";
    var options = $"-p {port} -k {socketDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c track_commit_timestamp=on";
    return RunPg("pg_ctl", $"-D {data} -l {pgRoot}/log -w -t 60 -o \"{options}\" start") == 0 ? port : 0;
}

void RemoveCluster(string pgRoot)
{
    if (System.IO.File.Exists($"{pgRoot}/data/PG_VERSION")) RunPg("pg_ctl", $"-D {pgRoot}/data -m immediate -w stop");
    if (System.IO.Directory.Exists(pgRoot)) System.IO.Directory.Delete(pgRoot, true);
}

Task("Bootstrap").Description("Installs the Debian packages the world needs (softhsm2, opensc, libengine-pkcs11-openssl, postgresql; fonts-dejavu-core for the printable form; haproxy in front of several nodes; python3-aiosmtpd for the test SMTP server; chromium for the officer desk's browser tests).")
    .Does(() =>
{
    var missing = new[] { "softhsm2", "opensc", "libengine-pkcs11-openssl", "postgresql", "fonts-dejavu-core", "haproxy", "python3-aiosmtpd", "chromium" }
        .Where(p => Capture("dpkg-query", $"-W -f=${{Status}} {p}")?.Contains("install ok installed") != true).ToList();
    if (missing.Count == 0) { Information("Bootstrap: all packages present."); return; }
    var install = "install -y -q --no-install-recommends " + string.Join(" ", missing);
    if (!isRoot) throw new CakeException($"Missing Debian packages. Run: sudo apt-get {install}   (then this command again)");
    var apt = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
    Must(Run("apt-get", "update -q", apt, quiet: true), "apt-get update");
    Must(Run("apt-get", install, apt), "apt-get " + install);
});

Task("Db").Description("A throwaway PostgreSQL on a free loopback port (skipped when SIGNING_DB is set); a cluster left at its path is reused when its password file proves it ours, else replaced.")
    .IsDependentOn("Bootstrap").Does(() =>
{
    if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SIGNING_DB"))) { Information("Db: using SIGNING_DB from the environment."); return; }
    var pgRoot = PgRoot();
    // The superuser password is kept in the cluster's directory, readable by root and postgres only: whoever reads it
    // and logs in with it owns the cluster, whatever .local/env says (a new clone at the same path has none).
    var passwordFile = $"{pgRoot}/password";
    var port = System.IO.File.Exists($"{pgRoot}/data/PG_VERSION") ? StartCluster(pgRoot) : 0;
    var password = port == 0 ? null : new[] { System.IO.File.Exists(passwordFile) ? System.IO.File.ReadAllText(passwordFile).Trim() : null,
        ReadEnv().GetValueOrDefault("SIGNING_PG_PASSWORD") }.FirstOrDefault(p => !string.IsNullOrEmpty(p) && Psql(port, p, "select 1") == "1");
    if (password == null) // a cluster this checkout cannot log in to is ours by its path only: replaced, never left running
    {
        if (System.IO.Directory.Exists(pgRoot)) Warning($"Db: replacing the cluster in {pgRoot}: this checkout cannot log in to it.");
        RemoveCluster(pgRoot);
        System.IO.Directory.CreateDirectory(pgRoot);
        System.IO.File.WriteAllText(passwordFile, (password = RandomHex(16)) + "\n");
        if (isRoot) Must(Run("chown", $"-R postgres:postgres {pgRoot}"), "chown");
        Must(Run("chmod", $"-R u=rwX,go= {pgRoot}"), "chmod");
        Must(RunPg("initdb", $"-D {pgRoot}/data -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --pwfile={passwordFile}"), "initdb");
        if ((port = StartCluster(pgRoot)) == 0) throw new CakeException($"PostgreSQL did not start: see {pgRoot}/log");
    }
    // The roles of a real deployment (README "Database roles"): the owner migrates, the server runs as signing_app, audits
    // read as signing_audit. Their passwords are kept beside the superuser's; a cluster made before the roles gets them here.
    string Connection(string user, string pw, string database) => $"Host=127.0.0.1;Port={port};Username={user};Password={pw};Database={database}";
    var roles = new Dictionary<string, string>();
    foreach (var role in new[] { "signing_owner", "signing_app", "signing_audit" })
    {
        var file = $"{pgRoot}/password-{role}";
        if (!System.IO.File.Exists(file)) System.IO.File.WriteAllText(file, RandomHex(16) + "\n");
        System.IO.File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        roles[role] = System.IO.File.ReadAllText(file).Trim();
        var verb = Psql(port, password, $"select 1 from pg_roles where rolname='{role}'") == "1" ? "alter" : "create";
        if (Psql(port, password, $"{verb} role {role} login nosuperuser nocreatedb nocreaterole password '{roles[role]}'") == null)
            throw new CakeException($"Db: {verb} role {role} failed");
    }
    // A database signing from before the roles (owned by postgres, its tables too) is replaced: the owner must own it all.
    var owner = Psql(port, password, "select pg_get_userbyid(datdba) from pg_database where datname='signing'");
    if (!string.IsNullOrEmpty(owner) && owner != "signing_owner")
    {
        Warning($"Db: replacing database signing (owned by {owner}, not signing_owner); run the Migrate target to recreate its schema.");
        if (Psql(port, password, "drop database signing with (force)") == null) throw new CakeException("Db: drop database signing failed");
        owner = "";
    }
    if (string.IsNullOrEmpty(owner) && Psql(port, password, "create database signing owner signing_owner") == null)
        throw new CakeException("Db: create database signing failed");
    var env = new Dictionary<string, string>(ReadEnv()) { ["SIGNING_PG_DIR"] = pgRoot, ["SIGNING_PG_PORT"] = port.ToString(), ["SIGNING_PG_PASSWORD"] = password,
        ["SIGNING_DB"] = Connection("signing_app", roles["signing_app"], "signing"), ["SIGNING_DB_OWNER"] = Connection("signing_owner", roles["signing_owner"], "signing"),
        ["SIGNING_DB_AUDIT"] = Connection("signing_audit", roles["signing_audit"], "signing"), ["SIGNING_DB_ADMIN"] = Connection("postgres", password, "postgres") };
    System.IO.File.WriteAllLines(envFile, env.OrderBy(e => e.Key).Select(e => $"{e.Key}='{e.Value}'")
        .Prepend("# Written by build.cake: source it (set -a; . .local/env) to reach the local world."));
    Information($"Db: PostgreSQL on 127.0.0.1:{port}, data in {pgRoot}/data; connection string in .local/env");
});

Task("HsmSim").Description("Builds (or reuses) the simulated smart-card world in .local/hsm from hsm-sim/personas.json.")
    .IsDependentOn("Bootstrap").Does(() =>
{
    var args = $"--out \"{hsmDir.FullPath}\" --personas \"{repo.FullPath}/hsm-sim/personas.json\""
        + (HasArgument("fresh") ? " --fresh" : "") + (HasArgument("clock") ? $" --clock {Argument<string>("clock")}" : "");
    // The world's own SOFTHSM2_CONF, never one inherited from the caller.
    Must(DotNetRun("hsm-sim/Signing.HsmSim", args, new Dictionary<string, string> { ["SOFTHSM2_CONF"] = hsmDir.CombineWithFilePath("softhsm2.conf").FullPath }, build: true), "hsm-sim");
});

// The world's `hsm-sim serve` (CRLs, OCSP, TSA at the URLs its certificates name): found by its ready file, and only
// trusted when /proc shows that pid is a serve of this checkout's world.
string ServeReadyFile() => hsmDir.Combine("serve").CombineWithFilePath("serve.json").FullPath;
System.Text.Json.JsonElement? LiveServe()
{
    var file = ServeReadyFile();
    if (!System.IO.File.Exists(file)) return null;
    System.Text.Json.JsonElement ready;
    try { ready = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(file)).RootElement.Clone(); } catch (System.Text.Json.JsonException) { return null; }
    var pid = ready.GetProperty("pid").GetInt32();
    var cmdline = System.IO.File.Exists($"/proc/{pid}/cmdline") ? System.IO.File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "";
    return cmdline.Contains("hsm-sim") && cmdline.Contains(" serve ") && cmdline.Contains(hsmDir.FullPath) ? ready : null;
}
bool StopServe()
{
    if (LiveServe() is not { } ready) return false;
    var pid = ready.GetProperty("pid").GetInt32();
    Run("kill", $"-TERM {pid}", quiet: true);
    for (var i = 0; i < 300 && System.IO.Directory.Exists($"/proc/{pid}"); i++) System.Threading.Thread.Sleep(100);
    if (System.IO.Directory.Exists($"/proc/{pid}")) Run("kill", $"-KILL {pid}", quiet: true);
    Information($"Pki: stopped hsm-sim serve (pid {pid}).");
    return true;
}

Task("Pki").Description("HsmSim, then `hsm-sim serve` for .local/hsm in the background (CRLs, OCSP, TSA at the URLs the certificates name, OpenSSL's OCSP responder beside them); a live one of this world is reused; URLs into .local/env.")
    .IsDependentOn("HsmSim").Does(() =>
{
    using var manifest = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(hsmDir.CombineWithFilePath("manifest.json").FullPath));
    var services = manifest.RootElement.GetProperty("services");
    var createdAt = manifest.RootElement.GetProperty("createdAt").GetDateTimeOffset();
    // A serve of an earlier world (rebuilt since) answers with keys nobody holds any more: replaced.
    if (LiveServe() is { } old && old.GetProperty("worldCreatedAt").GetDateTimeOffset() != createdAt) StopServe();
    if (LiveServe() is { } live) Information($"Pki: reusing hsm-sim serve (pid {live.GetProperty("pid").GetInt32()}) at {live.GetProperty("baseUrl").GetString()}.");
    else
    {
        var dll = repo.CombineWithFilePath($"hsm-sim/Signing.HsmSim/bin/{configuration}/net10.0/hsm-sim.dll").FullPath;
        var serveDir = services.GetProperty("serveDirectory").GetString();
        EnsureDirectoryExists(serveDir);
        // Detached: bash backgrounds it with its output in a file, so it outlives this build and holds none of its pipes.
        var command = $"(exec dotnet '{dll}' serve --world '{hsmDir.FullPath}' --state-dir '{serveDir}' >> '{serveDir}/serve.log' 2>&1 < /dev/null) &";
        Must(StartProcess("bash", new ProcessSettings { Arguments = new ProcessArgumentBuilder().Append("-c").AppendQuoted(command) }), "starting hsm-sim serve");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (LiveServe() == null && clock.Elapsed < TimeSpan.FromSeconds(60)) System.Threading.Thread.Sleep(200);
        if (LiveServe() == null) throw new CakeException($"hsm-sim serve did not become ready in 60 s; its log: {serveDir}/serve.log");
    }
    var baseUrl = services.GetProperty("baseUrl").GetString();
    using (var http = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        if (http.GetStringAsync(baseUrl + "/health").GetAwaiter().GetResult() != "ok") throw new CakeException($"hsm-sim serve at {baseUrl} does not answer");
    var env = new Dictionary<string, string>(ReadEnv())
    {
        ["SIGNING_PKI_URL"] = baseUrl,
        ["SIGNING_OCSP_URL"] = services.GetProperty("ocspUrl").GetString(),
        ["SIGNING_OPENSSL_OCSP_URL"] = services.GetProperty("opensslOcspUrl").GetString(),
        ["SIGNING_TSA_URL"] = services.GetProperty("tsaUrl").GetString(),
    };
    System.IO.File.WriteAllLines(envFile, env.OrderBy(e => e.Key).Select(e => $"{e.Key}='{e.Value}'")
        .Prepend("# Written by build.cake: source it (set -a; . .local/env) to reach the local world."));
    Information($"Pki: CRLs, OCSP and TSA at {baseUrl}, OpenSSL's OCSP responder at {env["SIGNING_OPENSSL_OCSP_URL"]}; URLs in .local/env");
});

Task("Build").Description("Builds the whole solution.")
    .Does(() => DotNetBuild(repo.CombineWithFilePath("Signing.sln").FullPath, new DotNetBuildSettings { Configuration = configuration, NoLogo = true, Verbosity = DotNetVerbosity.Minimal }));

Task("Migrate").Description("Db + Build, then `Signing.Server migrate` as the owner role (SIGNING_DB_OWNER): the schema and the roles' grants on database signing.")
    .IsDependentOn("Db").IsDependentOn("Build").Does(() =>
{
    var env = WorldEnv();
    if (!env.ContainsKey("SIGNING_DB_OWNER")) { Warning("Migrate: SIGNING_DB_OWNER is not set (SIGNING_DB came from the environment): migrate that database yourself."); return; }
    Must(DotNetRun("src/Signing.Server", $"migrate --contentRoot \"{repo.FullPath}/src/Signing.Server\"", env), "the migration");
});

Task("Test").Description("Db + HsmSim + Pki + Build + Migrate, then every test project; TRX results and their closing line (summary.txt) in artifacts/test-results.")
    .IsDependentOn("Db").IsDependentOn("HsmSim").IsDependentOn("Pki").IsDependentOn("Build").IsDependentOn("Migrate").Does(() =>
{
    CleanDirectory(resultsDir);
    var testEnv = new Dictionary<string, string>(WorldEnv()) { ["SIGNING_TEST_SERVER_LOG"] = resultsDir.CombineWithFilePath("server-log.txt").FullPath }; // every test server's log, to search
    if (HasArgument("long")) testEnv["SIGNING_HOSTILE_CASES"] = "1000000";
    var exit = Run("dotnet", $"test \"{repo.FullPath}/Signing.sln\" -c {configuration} --no-build --nologo --results-directory \"{resultsDir.FullPath}\" --logger trx --logger \"console;verbosity=normal\"", testEnv);
    // Every TRX file's counters, as the plain closing line CI reads.
    var counters = System.IO.Directory.GetFiles(resultsDir.FullPath, "*.trx", SearchOption.AllDirectories)
        .Select(f => XDocument.Load(f).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters")).Where(c => c != null).ToList();
    int Sum(params string[] names) => counters.Sum(c => names.Sum(n => int.TryParse((string)c.Attribute(n), out var v) ? v : 0));
    var summary = $"{Sum("passed")} passed, {Sum("failed", "error", "timeout", "aborted")} failed" + (Sum("notExecuted") > 0 ? $", {Sum("notExecuted")} skipped" : "");
    System.IO.File.WriteAllText(resultsDir.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
    Information(summary);
    Must(exit, "dotnet test");
    if (Sum("passed") == 0) throw new CakeException("no test passed");
});

Task("Run").Description("Db + HsmSim + Pki + Build + Migrate, then the server in the foreground on 127.0.0.1 (gRPC h2c :5080, REST :5081 unless Signing:GrpcPort / Signing:RestPort say otherwise); exits with the server's code. --nodes=N: N nodes behind HAProxy instead.")
    .IsDependentOn("Db").IsDependentOn("HsmSim").IsDependentOn("Pki").IsDependentOn("Build").IsDependentOn("Migrate").Does(() =>
{
    // An operator key (a system client) for curl and scripts; it may do everything a system client can, on every tenant.
    var env = new Dictionary<string, string>(WorldEnv()) { ["Signing__Auth__SystemKeys__operator"] = LocalSecret("operator-key", () => RandomHex(24)), ["Signing__Auth__SystemClients__operator__Tenants__0"] = "*" };
    foreach (var (scope, i) in new[] { "applications:submit", "applications:read", "applications:withdraw", "payments:record", "delivery:record" }.Select((s, i) => (s, i))) env[$"Signing__Auth__SystemClients__operator__Scopes__{i}"] = scope;
    if (HasArgument("nodes"))
    {
        // Several nodes on the world's database behind HAProxy (bench/Signing.Load cluster): it prints the balancer's URL.
        Information($"Run: {Argument<int>("nodes")} nodes behind HAProxy on database signing; Ctrl+C stops them.");
        Must(DotNetRun("bench/Signing.Load", $"cluster --nodes {Argument<int>("nodes")} --database signing", WorldEnv()), "the cluster");
        return;
    }
    Information("Run: the server on 127.0.0.1 (gRPC h2c with reflection, REST beside it); Ctrl+C stops it.");
    Information("     REST as the operator: curl -H \"x-api-key: $(cat .local/operator-key)\" http://127.0.0.1:5081/v1/applications/<id>");
    Must(DotNetRun("src/Signing.Server", $"--contentRoot \"{repo.FullPath}/src/Signing.Server\"", env), "the server");
});

Task("Demo").Description("Db + HsmSim + Build + Migrate, then the scripted day through esign (demo/Signing.Demo) against a server of its own on a fresh database; its files in .local/demo.")
    .IsDependentOn("Db").IsDependentOn("HsmSim").IsDependentOn("Build").IsDependentOn("Migrate").Does(() =>
{
    var work = localDir.Combine("demo").Combine(DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")).FullPath;
    Must(DotNetRun("demo/Signing.Demo", $"--start-server --wait 120 --work \"{work}\"", WorldEnv()), $"the demo (its files and the server log: {work})");
});

Task("Clean").Description("Stops this checkout's hsm-sim serve, stops and removes its PostgreSQL (also one an earlier checkout at this path left behind), .local/ and artifacts/.")
    .Does(() =>
{
    StopServe();
    RemoveCluster(PgRoot());
    foreach (var dir in new[] { localDir, repo.Combine("artifacts") }.Where(DirectoryExists)) DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
});

// A process that fails stops the build. Cake alone would exit 1 whatever failed: Run and Demo pass on their process's own code.
try { RunTarget(target); }
catch (CakeReportException e) when (e.InnerException is CakeException { ExitCode: not (0 or 1) } failed) { Error(failed.Message); Environment.Exit(failed.ExitCode); }
