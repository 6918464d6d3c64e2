using Marten;
using Npgsql;
using Signing.Record;
using Signing.Store.Log;
using Weasel.Core;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests.Log;

/// <summary>The log's tables and trigger as Marten creates them, and the leaf hash PostgreSQL computes.</summary>
[Collection(LogCollection.Name)]
public class LogSchemaTests(LogFixture fx)
{
    [Fact]
    public async Task A_second_schema_apply_finds_nothing_to_change_in_the_log()
    {
        // As the owner: the runtime role cannot see log_state at all, so to it the schema would look incomplete.
        using var owner = SigningStore.CreateDocumentStore(fx.OwnerConnectionString);
        await owner.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var migration = await owner.Storage.Database.CreateMigrationAsync();
        var logNames = new[] { LogTables.Leaves, LogTables.State, LogTables.Nodes, LogTables.Checkpoints, LogAppendTrigger.FunctionName };
        var logDeltas = migration.Deltas.Where(d => logNames.Contains(d.SchemaObject.Identifier.Name)).ToList();
        Assert.Equal(logNames.Order(), logDeltas.Select(d => d.SchemaObject.Identifier.Name).Order());
        Assert.All(logDeltas, d => Assert.True(d.Difference == SchemaPatchDifference.None, d.SchemaObject.Identifier + ": " + d.Difference));
    }

    [Fact]
    public async Task The_append_function_runs_as_its_owner_with_a_fixed_search_path_from_a_trigger_deferred_to_commit()
    {
        await using var conn = await Open();
        await using var cmd = new NpgsqlCommand("""
            select p.prosecdef, array_to_string(p.proconfig, ';'), pg_get_triggerdef(t.oid)
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            join pg_trigger t on t.tgfoid = p.oid
            where n.nspname = 'signing' and p.proname = 'log_append'
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetBoolean(0));
        Assert.Equal("search_path=pg_catalog, pg_temp", reader.GetString(1));
        Assert.Contains("CONSTRAINT TRIGGER log_append AFTER INSERT ON signing.mt_events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW", reader.GetString(2));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task The_leaf_hash_written_by_postgresql_is_the_record_libraries_hash_of_the_stored_event()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var submitted = Ok(await fx.Applications.SubmitAsync(code, Submit(t, Doctor, RequestId())));
        Ok(await fx.Applications.HandleAsync(code, submitted.ApplicationId, submitted.Version, Reject(t, Officer1, "İmza geçersiz; başvuru yinelensin — ğüşıöç ĞÜŞİÖÇ")));
        var other = Ok(await fx.Applications.SubmitAsync(code, Submit(t, Manager, RequestId())));

        await using var conn = await Open();
        await using var cmd = new NpgsqlCommand("""
            select e.tenant_id, e.stream_id, e.version, e.type, e.timestamp, e.data::text, l.leaf_hash, l.event_type, l.version, l.stream_id, l.json_sha256
            from signing.mt_events e join signing.log_leaves l on l.seq_id = e.seq_id
            where e.tenant_id = @tenant order by e.seq_id
            """, conn);
        cmd.Parameters.AddWithValue("tenant", code);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = 0;
        var sawTurkish = false;
        while (await reader.ReadAsync())
        {
            rows++;
            var json = reader.GetString(5);
            sawTurkish |= json.Contains("ğüşıöç ĞÜŞİÖÇ");
            // The digest the log keeps is of the JSON as PostgreSQL prints it, and the leaf binds it.
            var digest = reader.GetFieldValue<byte[]>(10);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)), digest);
            var input = LeafInput.For(reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3),
                LeafInput.Micros(reader.GetFieldValue<DateTimeOffset>(4)), digest);
            Assert.Equal(Convert.ToHexStringLower(MerkleHash.Leaf(input)), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(6)));
            Assert.Equal(reader.GetString(3), reader.GetString(7));
            Assert.Equal(reader.GetInt64(2), reader.GetInt64(8));
            Assert.Equal(reader.GetGuid(1), reader.GetGuid(9));
        }
        Assert.True(rows >= 3, $"{rows} events");
        Assert.True(sawTurkish, "the rejection reason's Turkish letters are in the stored JSON");
        Assert.NotEqual(submitted.ApplicationId, other.ApplicationId);
    }

    private async Task<NpgsqlConnection> Open()
    {
        var conn = new NpgsqlConnection(fx.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }
}
