using System.Data.Common;
using Signing.Record;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace Signing.Store.Log;

/// <summary>
/// <c>signing.log_append()</c> and the trigger on <c>signing.mt_events</c> that runs it: every inserted event becomes a
/// leaf in the inserting transaction. The trigger is a constraint trigger deferred to commit: the function locks the one
/// <c>log_state</c> row (held to the end of the commit, so appenders queue and indices are dense and in commit order)
/// only once the transaction has done all its other work, so the lock is never held across a round trip to the client
/// or while the transaction waits on another's rows (no deadlock with a writer it would otherwise wait for). The row is
/// only locked, never updated: the next index is one past the largest leaf index, read under the lock (after the previous
/// holder committed) and including the transaction's own leaves; a counter updated per event would leave a new row
/// version per event, which cost more than everything else the trigger does. Marten inserts events one statement per
/// event, so a statement trigger would not batch either. Deferred row triggers fire in insertion order, which within a
/// transaction is seq_id order. The function hashes the event's JSON and the <see cref="Signing.Record.LeafInput"/> bytes in
/// SQL before it asks for the lock (which a transaction's first event takes and its later ones already hold). SECURITY
/// DEFINER with a fixed search_path: it locks log_state and writes log_leaves for a runtime role that may not (so that
/// role cannot hold the log's lock from outside a commit either), and no caller's schema can shadow what it calls.
/// Weasel's Trigger cannot make a constraint trigger, so function and trigger are one schema object, compared by the
/// function's stored source and settings and by the trigger's definition.
/// </summary>
internal sealed class LogAppendTrigger : ISchemaObject
{
    public const string FunctionName = "log_append", TriggerName = "log_append";
    private const string SearchPath = "pg_catalog, pg_temp";
    private static readonly string Schema = SigningStore.Schema;
    private static readonly string Events = Schema + ".mt_events";

    private static readonly string Source = $"""

        declare
          leaf bigint;
          digest bytea := {LeafInput.JsonSha256Sql("new")};
          hash bytea := {LeafInput.HashSql("new", "digest")};
        begin
          perform from {Schema}.{LogTables.State} where id = 1 for update;
          if not found then
            insert into {Schema}.{LogTables.State} (id) values (1) on conflict (id) do nothing;
            perform from {Schema}.{LogTables.State} where id = 1 for update;
          end if;
          select coalesce(max(leaf_index) + 1, 0) into leaf from {Schema}.{LogTables.Leaves};
          insert into {Schema}.{LogTables.Leaves} (leaf_index, seq_id, tenant_id, stream_id, version, event_type, json_sha256, leaf_hash)
          values (leaf, new.seq_id, new.tenant_id, new.stream_id, new.version, new.type, digest, hash);
          return null;
        end;

        """;

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(Schema, FunctionName, SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames() => [Identifier];

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"create or replace function {Schema}.{FunctionName}() returns trigger language plpgsql security definer");
        writer.WriteLine($"set search_path = {SearchPath} as $log_append${Source}$log_append$;");
        writer.WriteLine($"drop trigger if exists {TriggerName} on {Events};");
        writer.WriteLine(TriggerStatement + ";");
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"drop trigger if exists {TriggerName} on {Events};");
        writer.WriteLine($"drop function if exists {Schema}.{FunctionName}();");
    }

    public void ConfigureQueryCommand(DbCommandBuilder builder)
    {
        var schema = builder.AddParameter(Schema).ParameterName;
        var name = builder.AddParameter(FunctionName).ParameterName;
        var trigger = builder.AddParameter(TriggerName).ParameterName;
        var events = builder.AddParameter(Events).ParameterName;
        builder.Append($"""

            select p.prosrc, p.prosecdef, coalesce(array_to_string(p.proconfig, ';'), ''),
                   (select pg_get_triggerdef(t.oid) from pg_trigger t
                    where t.tgrelid = to_regclass(:{events}) and t.tgname = :{trigger} and not t.tgisinternal)
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = :{schema} and p.proname = :{name} and p.pronargs = 0;

            """);
    }

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            return new SchemaObjectDelta(this, SchemaPatchDifference.Create);
        var same = reader.GetString(0) == Source && reader.GetBoolean(1) && reader.GetString(2) == "search_path=" + SearchPath
            && !await reader.IsDBNullAsync(3, ct).ConfigureAwait(false) && Normal(reader.GetString(3)) == Normal(TriggerStatement);
        return new SchemaObjectDelta(this, same ? SchemaPatchDifference.None : SchemaPatchDifference.Update);
    }

    /// <summary>Written as pg_get_triggerdef prints it, so that a comparison needs no parsing.</summary>
    private static string TriggerStatement =>
        $"CREATE CONSTRAINT TRIGGER {TriggerName} AFTER INSERT ON {Events} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {Schema}.{FunctionName}()";

    private static string Normal(string sql) => string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}

/// <summary>
/// The log's schema objects as one Marten feature. Marten applies extended schema objects before its event tables, and
/// the trigger needs mt_events, so the log registers as a storage feature (applied after the events) instead.
/// </summary>
internal sealed class LogFeature(Migrator migrator) : FeatureSchemaBase("TransparencyLog", migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects() => [.. LogTables.Definitions(), new LogAppendTrigger()];
}
