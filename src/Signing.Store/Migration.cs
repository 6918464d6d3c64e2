using System.Security.Cryptography;
using System.Text;
using JasperFx;
using Marten;
using Npgsql;
using Weasel.Core;

namespace Signing.Store;

/// <summary>The roles the migration grants to: the server's runtime role and the read-only audit role.</summary>
public sealed record DatabaseRoles(string Runtime = DatabaseRoles.DefaultRuntime, string Audit = DatabaseRoles.DefaultAudit)
{
    public const string DefaultRuntime = "signing_app";
    public const string DefaultAudit = "signing_audit";
    public static readonly DatabaseRoles Default = new();
}

/// <summary>What a migration did: the schema objects it created or changed (empty when the schema was current), and the grants.</summary>
public sealed record MigrationResult(IReadOnlyList<string> Changes, IReadOnlyList<string> Grants, bool WaitedForAnother);

/// <summary>Whether a database holds the schema this build expects (what the server checks before it serves).</summary>
public enum SchemaState
{
    Current,
    /// <summary>Never migrated: no stamp.</summary>
    Missing,
    /// <summary>Migrated by a build with another schema.</summary>
    Outdated,
}

public static partial class SigningStore
{
    /// <summary>
    /// Tables whose rows are the record: the runtime role may read and add rows, never change or remove one. One list,
    /// shared by the grants and the tests that prove them.
    /// </summary>
    public static readonly IReadOnlyList<string> AppendOnlyTables =
        ["mt_events", "evidence", "log_leaves", "log_nodes", "log_checkpoints", SingleUseClaims.TableName];

    /// <summary>Tables the runtime role may not touch at all (only the owner's SECURITY DEFINER trigger writes them).</summary>
    public static readonly IReadOnlyList<string> OwnerOnlyTables = ["log_state"];

    /// <summary>One row: the fingerprint of the schema the last migration applied. Read by the server at start.</summary>
    public const string StampTable = "schema_stamp";

    // Any constant both sides agree on: pg_advisory_lock keys are per database.
    private const long MigrationLockKey = 0x5349_474E_4D49_4752; // "SIGNMIGR"

    /// <inheritdoc cref="MigrateAsync(string, DatabaseRoles, CancellationToken)"/>
    public static Task<MigrationResult> MigrateAsync(string ownerConnectionString, CancellationToken ct) =>
        MigrateAsync(ownerConnectionString, DatabaseRoles.Default, ct);

    /// <summary>
    /// Brings the database's schema to this build's (Marten's documents and events and every extended object), then grants
    /// <paramref name="roles"/> their rights, under an advisory lock: of nodes migrating at once one applies, the others wait
    /// and find nothing left to do. Connect as the schema's owner (its functions run with the owner's rights where they say
    /// SECURITY DEFINER). Grants are applied after the objects exist: default privileges alone would miss tables
    /// created before them.
    /// </summary>
    public static async Task<MigrationResult> MigrateAsync(string ownerConnectionString, DatabaseRoles roles, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ownerConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        var waited = !(bool)(await ScalarAsync(connection, $"select pg_try_advisory_lock({MigrationLockKey})", ct))!;
        if (waited)
            await ScalarAsync(connection, $"select pg_advisory_lock({MigrationLockKey})", ct);
        try
        {
            using var store = DocumentStore.For(o =>
            {
                Configure(o, ownerConnectionString);
                o.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            });
            var migration = await store.Storage.Database.CreateMigrationAsync(ct);
            var changes = migration.Deltas.Where(d => d.Difference != SchemaPatchDifference.None)
                .Select(d => $"{d.Difference.ToString().ToLowerInvariant()} {(d.SchemaObject.Identifier.Schema == "Database" ? "schema " + Schema : d.SchemaObject.Identifier.QualifiedName)}").ToList();
            if (migration.Difference != SchemaPatchDifference.None)
                await store.Storage.Database.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate, ct: ct);
            var grants = await GrantAsync(connection, roles, ct);
            await ExecuteAsync(connection,
                $"create table if not exists {Schema}.{StampTable} (id int primary key check (id = 1), fingerprint text not null, migrated_at timestamptz not null default now()); " +
                $"insert into {Schema}.{StampTable} (id, fingerprint) values (1, '{Fingerprint(store)}') " +
                "on conflict (id) do update set fingerprint = excluded.fingerprint, migrated_at = now() where schema_stamp.fingerprint <> excluded.fingerprint; " +
                $"revoke all on {Schema}.{StampTable} from {Quote(roles.Runtime)}, {Quote(roles.Audit)}; " +
                $"grant select on {Schema}.{StampTable} to {Quote(roles.Runtime)}, {Quote(roles.Audit)}", ct);
            return new MigrationResult(changes, grants, waited);
        }
        finally
        {
            await ScalarAsync(connection, $"select pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Rights from scratch on every table present (revoke, then grant, in one transaction, so a change of the lists takes
    /// rights away too): the runtime role reads and writes Marten's working tables (streams, projected documents),
    /// reads and appends to <see cref="AppendOnlyTables"/>, nothing on <see cref="OwnerOnlyTables"/>; the audit role
    /// reads everything.
    /// </summary>
    private static async Task<IReadOnlyList<string>> GrantAsync(NpgsqlConnection connection, DatabaseRoles roles, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("select tablename from pg_tables where schemaname = @s and tablename <> @stamp order by tablename", connection))
        {
            list.Parameters.AddWithValue("s", Schema);
            list.Parameters.AddWithValue("stamp", StampTable);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                tables.Add(reader.GetString(0));
        }
        var (app, audit) = (Quote(roles.Runtime), Quote(roles.Audit));
        var sql = new StringBuilder();
        var said = new List<string>();
        sql.AppendLine($"grant usage on schema {Schema} to {app}, {audit};");
        // Functions are executable by PUBLIC by default; only the runtime role calls Marten's (they run with its rights).
        sql.AppendLine($"revoke execute on all functions in schema {Schema} from public, {audit};");
        sql.AppendLine($"grant execute on all functions in schema {Schema} to {app};");
        sql.AppendLine($"grant usage, select on all sequences in schema {Schema} to {app};");
        foreach (var table in tables)
        {
            var name = $"{Schema}.{table}";
            var rights = OwnerOnlyTables.Contains(table) ? null : AppendOnlyTables.Contains(table) ? "select, insert" : "select, insert, update, delete";
            sql.AppendLine($"revoke all on {name} from {app}, {audit};");
            if (rights is not null)
                sql.AppendLine($"grant {rights} on {name} to {app};");
            sql.AppendLine($"grant select on {name} to {audit};");
            said.Add($"{name}: {roles.Runtime} {rights ?? "none"}, {roles.Audit} select");
        }
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, sql.ToString(), ct);
        await transaction.CommitAsync(ct);
        return said;
    }

    /// <summary>
    /// Whether the database this store connects to was migrated to this build's schema: one read of the stamp the
    /// migration leaves, compared with the fingerprint of the configured schema (computed here, no catalog reads).
    /// </summary>
    public static async Task<SchemaState> SchemaStateAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        try
        {
            var stamp = await ScalarAsync(connection, $"select fingerprint from {Schema}.{StampTable} where id = 1", ct) as string;
            return stamp is null ? SchemaState.Missing : stamp == Fingerprint(store) ? SchemaState.Current : SchemaState.Outdated;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return SchemaState.Missing;
        }
    }

    /// <summary>SHA-256 of every configured object's create statement, in identifier order: changes with any schema change.</summary>
    internal static string Fingerprint(IDocumentStore store)
    {
        var migrator = ((StoreOptions)store.Options).Advanced.Migrator;
        var text = new StringWriter();
        foreach (var item in store.Storage.AllObjects().OrderBy(o => o.Identifier.QualifiedName, StringComparer.Ordinal))
        {
            text.WriteLine(item.Identifier.QualifiedName);
            item.WriteCreateStatement(migrator, text);
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Quote(string role) => new NpgsqlCommandBuilder().QuoteIdentifier(role);

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteScalarAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
