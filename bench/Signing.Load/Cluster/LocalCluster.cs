using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Signing.Load.Cluster;

public sealed record ClusterOptions
{
    public int Nodes { get; init; } = 2;
    public string? ServerDll { get; init; }
    /// <summary>An existing database of the world's PostgreSQL (already migrated); null: a fresh one, migrated once here.</summary>
    public string? Database { get; init; }
    public bool Keep { get; init; }
    public IReadOnlyList<string> ServerArgs { get; init; } = [];
    public IReadOnlyList<string> Tenants { get; init; } = ["33"];
    /// <summary>A readiness path on each node's REST port for HAProxy's check (HTTP GET, 200 = up); null: a TCP check of the gRPC port.</summary>
    public string? HttpCheckPath { get; init; }
    /// <summary>Give the nodes a copy of the world's token directory (and a softhsm2.conf of their own), so faults on it never touch the world.</summary>
    public bool OwnTokenCopy { get; init; }
    public string? ApiKey { get; init; }
}

/// <summary>
/// N server nodes on one database of the world's PostgreSQL, behind HAProxy. Every node has the same configuration: the
/// world's server.json, the same server token (each process logs in its own session), the same session-token key, the
/// same system client; the schema is brought in once by the build's migrate step before any node starts. Its files
/// (HAProxy's configuration and log, the nodes' logs, the token copy) are under .local/cluster/&lt;run&gt;.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalSetup _setup;
    private readonly bool _dropDatabase;

    private LocalCluster(LocalSetup setup, string directory, string database, bool dropDatabase, DatabaseLogins logins, string apiKey, string tokenKey,
        IReadOnlyList<ServerNode> nodes, string softHsmConf, string? serverTokenDirectory)
    {
        _setup = setup;
        Directory = directory;
        Database = database;
        _dropDatabase = dropDatabase;
        Logins = logins;
        ApiKey = apiKey;
        TokenKey = tokenKey;
        Nodes = nodes;
        SoftHsmConf = softHsmConf;
        ServerTokenDirectory = serverTokenDirectory;
    }

    public string Directory { get; }
    public string Database { get; }
    /// <summary>The world's logins on this cluster's database (Admin: a superuser, for the checks).</summary>
    public DatabaseLogins Logins { get; }
    /// <summary>The system client's key (x-api-key), client name "load", allowed to submit in the options' tenants.</summary>
    public string ApiKey { get; }
    /// <summary>The session-token key every node shares (Signing:Auth:TokenKey).</summary>
    public string TokenKey { get; }
    public IReadOnlyList<ServerNode> Nodes { get; }
    public Haproxy Balancer { get; private set; } = null!;
    public string BalancerUrl => Balancer.Url;
    public string SoftHsmConf { get; }
    /// <summary>With OwnTokenCopy: the server token's directory inside the copy (what the token-files fault moves away).</summary>
    public string? ServerTokenDirectory { get; }

    public static async Task<LocalCluster> StartAsync(LocalSetup setup, WorldManifest world, ClusterOptions options)
    {
        if (options.Nodes < 1)
            throw new ArgumentException("--nodes must be at least 1");
        if (Haproxy.Executable() is null)
            throw new InvalidOperationException("haproxy is not installed (./build.sh --target=Bootstrap installs Debian's haproxy)");
        var tag = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        var directory = Path.Combine(setup.Repo, ".local", "cluster", tag);
        System.IO.Directory.CreateDirectory(directory);

        var softHsmConf = setup.SoftHsmConf;
        string? serverTokenDirectory = null;
        if (options.OwnTokenCopy)
            (softHsmConf, serverTokenDirectory) = CopyTokens(setup.SoftHsmConf, Path.Combine(directory, "hsm"), ServerTokenLabel(world.Path));

        var apiKey = options.ApiKey ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var tokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var environment = LoadRun.ServerEnvironment(setup, world, (apiKey, options.Tenants), tokenKey);
        environment["SOFTHSM2_CONF"] = softHsmConf;

        var build = ServerBuild.At(Path.GetFullPath(options.ServerDll ?? LoadRun.FindServerDll(setup.Repo)));
        var database = options.Database ?? "cluster_" + tag;
        var logins = DatabaseLogins.Of(setup).For(database);
        var fresh = options.Database is null;
        if (fresh)
            await logins.CreateDatabaseAsync(database);
        // Once, before any node: a node never changes the schema (two nodes migrating at once is not a plan).
        var runtime = fresh ? await build.PrepareAsync(logins, environment, Path.Combine(directory, "migrate.log")) : logins.Runtime;
        environment["SIGNING_DB"] = runtime;

        var nodes = Enumerable.Range(0, options.Nodes)
            .Select(i => new ServerNode(i, build.Dll, environment, options.ServerArgs, Path.Combine(directory, $"node{i + 1}.log")))
            .ToList();
        var cluster = new LocalCluster(setup, directory, database, fresh && !options.Keep, logins, apiKey, tokenKey, nodes, softHsmConf, serverTokenDirectory);
        try
        {
            // One at a time: each start logs in to the token and warms up, which two cores do better in turn.
            foreach (var node in nodes)
            {
                Console.Error.WriteLine($"cluster: starting {node.Name} on {node.Url} (REST :{node.RestPort}), log {node.Log}");
                await node.StartAsync();
            }
            cluster.Balancer = await Haproxy.StartAsync(directory, nodes, options.HttpCheckPath);
            Console.Error.WriteLine($"cluster: HAProxy on {cluster.BalancerUrl} (configuration {cluster.Balancer.ConfigPath}, log {cluster.Balancer.Log})");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Balancer is not null)
            await Balancer.DisposeAsync();
        await Task.WhenAll(Nodes.Select(n => n.StopAsync()));
        foreach (var node in Nodes)
            node.Process?.Dispose();
        if (_dropDatabase)
        {
            try
            {
                await _setup.DropDatabaseAsync(Database);
            }
            catch (Npgsql.NpgsqlException e)
            {
                Console.Error.WriteLine($"cluster: could not drop database {Database}: {e.Message}");
            }
        }
    }

    /// <summary>The label of the server persona's token, from the world's manifest.</summary>
    internal static string ServerTokenLabel(string manifestPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        foreach (var persona in doc.RootElement.GetProperty("personas").EnumerateArray())
        {
            if (persona.TryGetProperty("role", out var role) && role.GetString() == "server"
                && persona.TryGetProperty("tokenLabel", out var label) && label.GetString() is { Length: > 0 } text)
                return text;
        }
        throw new InvalidDataException($"{manifestPath} has no persona with role server and a tokenLabel");
    }

    /// <summary>
    /// Copies the token directory named by <paramref name="softHsmConf"/> to <paramref name="target"/>/tokens with a
    /// softhsm2.conf of its own; returns that conf and the copied server token's directory (found by its label).
    /// </summary>
    private static (string Conf, string ServerToken) CopyTokens(string softHsmConf, string target, string serverLabel)
    {
        var source = File.ReadLines(softHsmConf).Select(l => l.Trim())
            .Where(l => l.StartsWith("directories.tokendir", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf('=') + 1)..].Trim()).FirstOrDefault()
            ?? throw new InvalidDataException($"{softHsmConf} names no directories.tokendir");
        var tokens = Path.Combine(target, "tokens");
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(tokens, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        var conf = Path.Combine(target, "softhsm2.conf");
        File.WriteAllText(conf, string.Join('\n',
            File.ReadLines(softHsmConf).Select(l => l.TrimStart().StartsWith("directories.tokendir", StringComparison.Ordinal)
                ? $"directories.tokendir = {tokens}/" : l)) + "\n");
        // SoftHSM keeps the label, space-padded, in the token's token.object.
        var needle = Encoding.UTF8.GetBytes(serverLabel.PadRight(32));
        var server = System.IO.Directory.EnumerateDirectories(tokens)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "token.object")) && File.ReadAllBytes(Path.Combine(d, "token.object")).AsSpan().IndexOf(needle) >= 0)
            ?? throw new InvalidDataException($"no token labelled {serverLabel} in {tokens}");
        return (conf, server);
    }
}
