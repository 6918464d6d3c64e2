using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Signing.Demo;

/// <summary>
/// A server of the demo's own: a fresh database beside the world's (the personas' renewals of an earlier run would be
/// "already open"), the server on free loopback ports with its log in the work directory. Disposing stops the server
/// and drops the database, also after a failed day.
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly string _baseConnectionString;
    private ServerProcess? _server;

    public string Database { get; }
    public string LogFile { get; }
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server is not started");

    private DemoServer(string baseConnectionString, string database, string logFile)
    {
        _baseConnectionString = baseConnectionString;
        Database = database;
        LogFile = logFile;
    }

    /// <param name="baseConnectionString">The world's database (SIGNING_DB): its credentials make the demo's own.</param>
    /// <param name="environment">What the server needs beyond this process's environment (which it inherits).</param>
    public static async Task<DemoServer> StartAsync(string baseConnectionString, string serverDll, IReadOnlyDictionary<string, string> environment,
        string workDirectory, TimeSpan readyTimeout, CancellationToken cancel = default)
    {
        var database = "demo_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "_"
            + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Directory.CreateDirectory(workDirectory);
        var demo = new DemoServer(baseConnectionString, database, Path.Combine(workDirectory, "server.log"));
        await demo.ExecuteAsync($"create database {database}", cancel);
        try
        {
            var serverEnvironment = new Dictionary<string, string>(environment)
            {
                ["SIGNING_DB"] = new NpgsqlConnectionStringBuilder(baseConnectionString) { Database = database }.ConnectionString,
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
        var builder = new NpgsqlConnectionStringBuilder(_baseConnectionString) { Database = "postgres", Pooling = false };
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
