using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Signing.Demo;

/// <summary>
/// A server of the demo's own: a fresh database beside the world's (the personas' renewals of an earlier run would be
/// "already open"), made as a deployment makes one (created for the owner role, `Signing.Server migrate` as the owner,
/// the server as the runtime role), the server on free loopback ports with its log in the work directory. Disposing stops
/// the server and drops the database, also after a failed day.
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private ServerProcess? _server;

    public string Database { get; }
    public string LogFile { get; }
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server is not started");

    private DemoServer(string adminConnectionString, string database, string logFile)
    {
        _adminConnectionString = adminConnectionString;
        Database = database;
        LogFile = logFile;
    }

    /// <param name="world">The world's connections (SIGNING_DB, SIGNING_DB_OWNER, SIGNING_DB_ADMIN): their roles make the demo's own.</param>
    /// <param name="environment">What the server needs beyond this process's environment (which it inherits).</param>
    public static async Task<DemoServer> StartAsync(WorldDatabase world, string serverDll, IReadOnlyDictionary<string, string> environment,
        string workDirectory, TimeSpan readyTimeout, CancellationToken cancel = default)
    {
        var database = "demo_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "_"
            + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Directory.CreateDirectory(workDirectory);
        var demo = new DemoServer(world.Admin, database, Path.Combine(workDirectory, "server.log"));
        var owner = new NpgsqlConnectionStringBuilder(world.Owner) { Database = database };
        await demo.ExecuteAsync($"create database {database} owner \"{owner.Username}\"", cancel);
        try
        {
            var migrate = await ServerProcess.MigrateAsync(serverDll, owner.ConnectionString, cancel);
            if (migrate.ExitCode != 0)
                throw new InvalidOperationException($"`Signing.Server migrate` failed (exit {migrate.ExitCode}): {migrate.StandardError.Trim()}");
            var serverEnvironment = new Dictionary<string, string>(environment)
            {
                ["SIGNING_DB"] = new NpgsqlConnectionStringBuilder(world.Runtime) { Database = database }.ConnectionString,
            };
            demo._server = await ServerProcess.StartAsync(serverDll, serverEnvironment, readyTimeout, demo.LogFile);
            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    /// <summary>The last lines the server wrote, for a failure report.</summary>
    public string Tail(int lines) => string.Join(Environment.NewLine, (_server?.Log ?? "").Split('\n').TakeLast(lines));

    private async Task ExecuteAsync(string sql, CancellationToken cancel)
    {
        // Not the world's database itself: a database cannot be dropped from a connection to it, and the world's may be busy.
        var builder = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancel);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        await ExecuteAsync($"drop database if exists {Database} with (force)", CancellationToken.None);
    }
}

/// <summary>
/// The world's PostgreSQL as its roles reach it: the runtime role (SIGNING_DB), the schema owner (SIGNING_DB_OWNER) and a
/// superuser (SIGNING_DB_ADMIN); a world with SIGNING_DB alone uses it for all three.
/// </summary>
public sealed record WorldDatabase(string Runtime, string Owner, string Admin)
{
    public static WorldDatabase? FromEnvironment()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        return Get("SIGNING_DB") is { } runtime ? new WorldDatabase(runtime, Get("SIGNING_DB_OWNER") ?? runtime, Get("SIGNING_DB_ADMIN") ?? runtime) : null;
    }
}
