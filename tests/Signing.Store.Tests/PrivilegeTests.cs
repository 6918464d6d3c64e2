using Npgsql;
using Signing.TestKit;
using Xunit.Abstractions;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// The roles on a migrated database: the runtime role (what the server and every other test here connect as) may read and
/// append to the record but not change or remove a row of it, nor change the schema; the audit role may only read.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class PrivilegeTests(StoreFixture fx, ITestOutputHelper output)
{
    private const string Refused = PostgresErrorCodes.InsufficientPrivilege; // 42501

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<PostgresException> RefusedAsync(string connectionString, string sql)
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connectionString, sql));
        Assert.True(e.SqlState == Refused, $"{sql}: expected 42501 insufficient_privilege, got {e.SqlState} {e.MessageText}");
        return e;
    }

    /// <summary>Which of the append-only tables this build's schema has, and the first column of each (to name in an update).</summary>
    private async Task<Dictionary<string, string>> PresentAppendOnlyTablesAsync()
    {
        var present = new Dictionary<string, string>();
        foreach (var table in SigningStore.AppendOnlyTables)
        {
            if (await ScalarAsync(fx.OwnerConnectionString,
                    $"select attname from pg_attribute where attrelid = to_regclass('{SigningStore.Schema}.{table}') and attnum = 1") is string column)
                present[table] = column;
            else
                output.WriteLine($"append-only table {SigningStore.Schema}.{table} is not in this build's schema: not tried");
        }
        return present;
    }

    [Fact]
    public async Task The_runtime_role_cannot_update_or_delete_an_event_row_or_any_other_append_only_row()
    {
        var code = NewTenant();
        // A real row in each table the submission writes (events, single-use claims): the refusal is of a row that exists.
        Ok(await fx.Applications.SubmitAsync(code, Submit(Tenant(code), Doctor, RequestId(), EOnay(Doctor, "nonce-" + Guid.NewGuid()))));
        var tables = await PresentAppendOnlyTablesAsync();
        Assert.Contains("mt_events", tables.Keys);
        Assert.Contains(SingleUseClaims.TableName, tables.Keys);
        Assert.True(Convert.ToInt64(await ScalarAsync(fx.ConnectionString, $"select count(*) from {SigningStore.Schema}.mt_events where tenant_id = '{code}'")) > 0);

        foreach (var (table, column) in tables)
        {
            var name = $"{SigningStore.Schema}.{table}";
            await RefusedAsync(fx.ConnectionString, $"update {name} set {column} = {column}");
            await RefusedAsync(fx.ConnectionString, $"delete from {name}");
            await RefusedAsync(fx.ConnectionString, $"truncate {name}");
            output.WriteLine($"{name}: update, delete and truncate refused to the runtime role");
        }
        // The owner could (the refusal above is the role's, not the table's): shown without changing anything.
        await ScalarAsync(fx.OwnerConnectionString, $"update {SigningStore.Schema}.mt_events set seq_id = seq_id where false");
        Assert.True(Convert.ToInt64(await ScalarAsync(fx.ConnectionString, $"select count(*) from {SigningStore.Schema}.mt_events where tenant_id = '{code}'")) > 0);
    }

    [Fact]
    public async Task The_runtime_role_cannot_change_the_schema()
    {
        await RefusedAsync(fx.ConnectionString, $"create table {SigningStore.Schema}.intruder (id int)");
        await RefusedAsync(fx.ConnectionString, $"alter table {SigningStore.Schema}.mt_events add column intruder int");
        await RefusedAsync(fx.ConnectionString, $"drop table {SigningStore.Schema}.mt_events");
    }

    [Fact]
    public async Task The_runtime_role_has_no_rights_on_the_owner_only_tables()
    {
        foreach (var table in SigningStore.OwnerOnlyTables)
        {
            if (await ScalarAsync(fx.OwnerConnectionString, $"select to_regclass('{SigningStore.Schema}.{table}')::text") is not string)
            {
                output.WriteLine($"owner-only table {SigningStore.Schema}.{table} is not in this build's schema: not tried");
                continue;
            }
            await RefusedAsync(fx.ConnectionString, $"select count(*) from {SigningStore.Schema}.{table}");
        }
    }

    [Fact]
    public async Task The_audit_role_reads_every_table_and_cannot_insert_update_or_delete()
    {
        var code = NewTenant();
        Ok(await fx.Applications.SubmitAsync(code, Submit(Tenant(code), Doctor, RequestId())));
        Assert.True(Convert.ToInt64(await ScalarAsync(fx.Postgres.AuditConnectionString,
            $"select count(*) from {SigningStore.Schema}.mt_events where tenant_id = '{code}'")) > 0);
        await using (var connection = new NpgsqlConnection(fx.OwnerConnectionString))
        {
            await connection.OpenAsync();
            await using var list = new NpgsqlCommand($"select tablename from pg_tables where schemaname = '{SigningStore.Schema}'", connection);
            await using var reader = await list.ExecuteReaderAsync();
            var tables = new List<string>();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
            foreach (var table in tables)
                await ScalarAsync(fx.Postgres.AuditConnectionString, $"select count(*) from {SigningStore.Schema}.{table}");
        }
        await RefusedAsync(fx.Postgres.AuditConnectionString,
            $"insert into {SigningStore.Schema}.{SingleUseClaims.TableName} (kind, key, tenant_id, application_id) values ('x', 'y', 'z', gen_random_uuid())");
        await RefusedAsync(fx.Postgres.AuditConnectionString,
            $"insert into {SigningStore.Schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id) " +
            "values (-1, gen_random_uuid(), gen_random_uuid(), 1, '{}', 'forged', 'x')");
        await RefusedAsync(fx.Postgres.AuditConnectionString, $"update {SigningStore.Schema}.mt_streams set version = version");
        await RefusedAsync(fx.Postgres.AuditConnectionString, $"delete from {SigningStore.Schema}.mt_events");
    }
}

/// <summary>The migration itself, each on a database of its own: idempotent, safe to start twice at once, and checked by the server's start.</summary>
public sealed class MigrationTests
{
    private static async Task<T> OnFreshDatabaseAsync<T>(Func<PostgresFixture, Task<T>> test)
    {
        var database = PostgresFixture.Unmigrated();
        await database.InitializeAsync();
        try
        {
            return await test(database);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private static async Task<SchemaState> StateAsync(string connectionString)
    {
        using var store = SigningStore.CreateDocumentStore(connectionString);
        return await SigningStore.SchemaStateAsync(store, CancellationToken.None);
    }

    [Fact]
    public Task Migrating_twice_changes_nothing_the_second_time() => OnFreshDatabaseAsync(async db =>
    {
        Assert.Equal(SchemaState.Missing, await StateAsync(db.ConnectionString));

        var first = await SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None);
        var second = await SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None);

        Assert.Contains(first.Changes, c => c.EndsWith(".mt_events", StringComparison.Ordinal));
        Assert.Empty(second.Changes);
        Assert.Equal(first.Grants, second.Grants);
        Assert.Equal(SchemaState.Current, await StateAsync(db.ConnectionString));
        return 0;
    });

    [Fact]
    public Task Two_migrations_started_at_once_both_succeed_and_one_of_them_does_the_work() => OnFreshDatabaseAsync(async db =>
    {
        var results = await Task.WhenAll(
            Task.Run(() => SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None)),
            Task.Run(() => SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None)));

        Assert.Single(results, r => r.Changes.Count > 0);
        var idle = Assert.Single(results, r => r.Changes.Count == 0);
        Assert.True(idle.WaitedForAnother, "the migration that found nothing to do should have waited for the other's lock");
        Assert.Equal(SchemaState.Current, await StateAsync(db.ConnectionString));
        return 0;
    });

    [Fact]
    public Task A_stamp_from_another_build_reads_as_outdated() => OnFreshDatabaseAsync(async db =>
    {
        await SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None);
        await using (var connection = new NpgsqlConnection(db.OwnerConnectionString))
        {
            await connection.OpenAsync();
            await using var stale = new NpgsqlCommand($"update {SigningStore.Schema}.{SigningStore.StampTable} set fingerprint = 'from-an-older-build'", connection);
            await stale.ExecuteNonQueryAsync();
        }

        Assert.Equal(SchemaState.Outdated, await StateAsync(db.ConnectionString));
        await SigningStore.MigrateAsync(db.OwnerConnectionString, CancellationToken.None);
        Assert.Equal(SchemaState.Current, await StateAsync(db.ConnectionString));
        return 0;
    });
}
