using System.CommandLine;
using Npgsql;
using Signing.Demo;

var server = new Option<string>("--server")
{
    Description = "The server's gRPC address. Default: $ESIGN_SERVER, else http://127.0.0.1:5080.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESIGN_SERVER") is { Length: > 0 } s ? s : "http://127.0.0.1:5080",
};
var esign = new Option<FileInfo?>("--esign") { Description = "The esign.dll to run. Default: src/Signing.Cli/bin/<configuration>/net10.0/esign.dll of this checkout." };
var manifest = new Option<FileInfo?>("--manifest") { Description = "The hsm-sim world's manifest. Default: $SIGNING_HSM_MANIFEST, else .local/hsm/manifest.json." };
var work = new Option<DirectoryInfo?>("--work") { Description = "Scratch directory (profiles, PDFs, receipts). Default: a new temporary directory." };
var courierKeyEnv = new Option<string>("--courier-key-env")
{
    Description = "Environment variable holding the courier's system API key (as configured on the server).",
    DefaultValueFactory = _ => DemoRunner.ApiKeyVariable,
    HelpName = "VAR",
};
var wait = new Option<int>("--wait")
{
    Description = "Seconds to wait for the server's grpc.health.v1 SERVING before playing (0: do not wait).",
    DefaultValueFactory = _ => 30,
};
var startServer = new Option<bool>("--start-server")
{
    Description = "Start a server of the demo's own first: a fresh database beside $SIGNING_DB (made with $SIGNING_DB_ADMIN, migrated as $SIGNING_DB_OWNER), free loopback ports, a random courier key, " +
        "its log in the work directory; stopped and dropped afterwards. --server and --courier-key-env are then not used.",
};
var lang = new Option<string>("--lang") { Description = "Language of esign's output: tr or en.", DefaultValueFactory = _ => "tr" };
lang.AcceptOnlyFromAmong("tr", "en");

var root = new RootCommand("The Signing demo: a scripted day at the Mersin directorate, played through `esign` against a running server. " +
    "Exit 0 when every step ended as the story says, 1 when one did not, 2 on bad options or a server that is not ready.")
{
    server, esign, manifest, work, courierKeyEnv, wait, startServer, lang,
};
root.SetAction(async (parse, cancel) =>
{
    var repo = Locate.Repository();
    var esignDll = parse.GetValue(esign)?.FullName ?? Locate.EsignDll(repo);
    var manifestPath = parse.GetValue(manifest)?.FullName
        ?? (Environment.GetEnvironmentVariable("SIGNING_HSM_MANIFEST") is { Length: > 0 } m ? m : Path.Combine(repo ?? ".", ".local", "hsm", "manifest.json"));
    var keyVariable = parse.GetValue(courierKeyEnv)!;
    var key = Environment.GetEnvironmentVariable(keyVariable);
    var own = parse.GetValue(startServer);
    var serverDll = Locate.Built(repo, "src/Signing.Server", "Signing.Server.dll");
    var world = WorldDatabase.FromEnvironment();
    var problems = new List<string>();
    if (!File.Exists(esignDll)) problems.Add($"esign not built: {esignDll}");
    if (!File.Exists(manifestPath)) problems.Add($"hsm-sim manifest not found: {manifestPath} (run ./build.sh --target=HsmSim)");
    if (!own && string.IsNullOrEmpty(key)) problems.Add($"the courier key variable {keyVariable} is not set");
    if (own && !File.Exists(serverDll)) problems.Add($"server not built: {serverDll}");
    if (own && world is null) problems.Add("SIGNING_DB is not set (run ./build.sh --target=Db and source .local/env)");
    if (problems.Count > 0)
    {
        foreach (var p in problems)
            Console.Error.WriteLine("demo: " + p);
        return 2;
    }
    var workDir = parse.GetValue(work)?.FullName ?? Directory.CreateTempSubdirectory("signing-demo-").FullName;
    var readyTimeout = TimeSpan.FromSeconds(parse.GetValue(wait) is > 0 and var seconds ? seconds : 30);
    DemoServer? ownServer = null;
    try
    {
        if (own)
        {
            ownServer = await DemoServer.StartAsync(world!, serverDll, new Dictionary<string, string>(), workDir, readyTimeout, cancel);
            Console.WriteLine($"demo: server on {ownServer.Server.Address}, database {ownServer.Database}, log {ownServer.LogFile}");
        }
        else if (parse.GetValue(wait) > 0)
            await ServerHealth.WaitServingAsync(parse.GetValue(server)!, readyTimeout, cancel);
    }
    catch (Exception e) when (e is TimeoutException or InvalidOperationException or NpgsqlException)
    {
        Console.Error.WriteLine("demo: " + e.Message);
        return 2;
    }
    await using (ownServer)
    {
        var address = ownServer?.Server.Address ?? parse.GetValue(server)!;
        var options = new DemoOptions(address, esignDll, manifestPath, workDir, ownServer?.Server.CourierKey ?? key!) { Lang = parse.GetValue(lang)! };
        var result = await new DemoRunner(options, Console.Out).RunAsync(cancel);
        if (!result.Ok && ownServer is not null)
            Console.Error.WriteLine($"demo: the last lines of the server log ({ownServer.LogFile}):\n{ownServer.Tail(40)}");
        return result.Ok ? 0 : 1;
    }
});
return await root.Parse(args).InvokeAsync();

/// <summary>Finds this checkout and its built esign from the demo's own location.</summary>
internal static class Locate
{
    public static string? Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln")))
                return dir.FullName;
        return null;
    }

    public static string EsignDll(string? repo) => Built(repo, "src/Signing.Cli", "esign.dll");

    /// <summary>A project's output of the same configuration the demo was built in (bin/Debug or bin/Release).</summary>
    public static string Built(string? repo, string project, string file)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        return Path.Combine(repo ?? ".", project, "bin", configuration, "net10.0", file);
    }
}
