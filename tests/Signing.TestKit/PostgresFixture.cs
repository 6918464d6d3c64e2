using Npgsql;
using Signing.Store;

namespace Signing.TestKit;

/// <summary>
/// The real PostgreSQL of the build's Db target (SIGNING_DB_ADMIN, SIGNING_DB_OWNER, SIGNING_DB, SIGNING_DB_AUDIT from the
/// environment or .local/env; started on demand). Each fixture instance gets a database of its own, made as a deployment
/// makes one: created for the owner role, migrated as the owner, then used as the runtime role — so every test that
/// works through <see cref="ConnectionString"/> proves the server needs no more than the runtime role's rights.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    // xunit builds class fixtures through their one public constructor: a migrated database is that default.
    private bool _migrate = true;

    /// <summary>A fixture whose database is left empty, as a deployment has it before its migrate step.</summary>
    public static PostgresFixture Unmigrated() => new() { _migrate = false };

    /// <summary>The runtime role (signing_app) on this fixture's own, fresh database: what the server connects as.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The schema owner (signing_owner) on this database: for a test that migrates, changes the schema or tampers.</summary>
    public string OwnerConnectionString { get; private set; } = "";

    /// <summary>The read-only audit role (signing_audit) on this database.</summary>
    public string AuditConnectionString { get; private set; } = "";

    /// <summary>The superuser, on database postgres (it creates and drops the fixture's database).</summary>
    public string AdminConnectionString { get; private set; } = "";

    public string DatabaseName { get; } = "t_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>What <see cref="InitializeAsync"/>'s migration did (null when the fixture was made unmigrated).</summary>
    public MigrationResult? Migration { get; private set; }

    public async Task InitializeAsync()
    {
        string[] settings = ["SIGNING_DB_ADMIN", "SIGNING_DB_OWNER", "SIGNING_DB", "SIGNING_DB_AUDIT"];
        LocalWorld.EnsureBuilt("Db", () => settings.All(s => !string.IsNullOrEmpty(LocalWorld.Setting(s))));
        string On(string setting) => new NpgsqlConnectionStringBuilder(LocalWorld.Setting(setting)) { Database = DatabaseName }.ConnectionString;
        AdminConnectionString = LocalWorld.Setting("SIGNING_DB_ADMIN")!;
        OwnerConnectionString = On("SIGNING_DB_OWNER");
        ConnectionString = On("SIGNING_DB");
        AuditConnectionString = On("SIGNING_DB_AUDIT");
        var owner = new NpgsqlConnectionStringBuilder(OwnerConnectionString).Username;
        await AdminAsync($"create database \"{DatabaseName}\" owner \"{owner}\"");
        if (_migrate)
            Migration = await SigningStore.MigrateAsync(OwnerConnectionString, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"drop database if exists \"{DatabaseName}\" with (force)");
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
