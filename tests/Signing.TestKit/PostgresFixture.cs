using Npgsql;

namespace Signing.TestKit;

/// <summary>
/// The real PostgreSQL of the build's Db target (SIGNING_DB or .local/env; started on demand).
/// Each fixture instance gets a database of its own, so test classes never see each other's rows.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public string ServerConnectionString { get; private set; } = "";

    /// <summary>The connection string of this fixture's own, fresh database.</summary>
    public string ConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = "t_" + Guid.NewGuid().ToString("N")[..16];

    public async Task InitializeAsync()
    {
        LocalWorld.EnsureBuilt("Db", () => !string.IsNullOrEmpty(LocalWorld.Setting("SIGNING_DB")));
        ServerConnectionString = LocalWorld.Setting("SIGNING_DB")!;
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{DatabaseName}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = DatabaseName }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{DatabaseName}\" with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
