using System.Data.Common;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace Signing.Store.Log;

/// <summary>
/// <c>signing.log_append()</c> and the trigger on <c>signing.mt_events</c> that runs it: every inserted event becomes a
/// leaf in the inserting transaction. The trigger is a constraint trigger deferred to commit: the function takes the one
/// <c>log_state</c> row's lock (held to the end of the commit, so appenders queue and indices are dense and in commit
/// order) only once the transaction has done all its other work, so the lock is never held across a round trip to the
/// client or while the transaction waits on another's rows (no deadlock with a writer it would otherwise wait for).
/// Marten inserts events one statement per event, so a statement trigger would not batch either. Deferred row
/// triggers fire in insertion order, which within a transaction is seq_id order. The function hashes the
/// <see cref="Signing.Record.LeafInput"/> bytes in SQL. SECURITY DEFINER with a fixed search_path: it writes log_state
/// and log_leaves for a runtime role that may not, and no caller's schema can shadow what it calls.
/// Weasel's Trigger cannot make a constraint trigger, so function and trigger are one schema object, compared by the
/// function's stored source and settings and by the trigger's definition.
/// </summary>
internal sealed class LogAppendTrigger : ISchemaObject
{
    public const string FunctionName = "log_append", TriggerName = "log_append";
    private const string SearchPath = "pg_catalog, pg_temp";
    private static readonly string Schema = SigningStore.Schema;
    private static readonly string Events = Schema + ".mt_events";

    // Lines of the leaf input (Signing.Record.LeafInput): prefix, tenant, stream, version, type, microseconds, JSON.
    // Concatenation with || (not concat_ws) so a NULL would make a NULL hash and fail the insert rather than drop a line.
    private static readonly string Source = $"""

        declare
          leaf bigint;
        begin
          insert into {Schema}.{LogTables.State} as s (id, size) values (1, 1)
            on conflict (id) do update set size = s.size + 1
            returning s.size - 1 into leaf;
          insert into {Schema}.{LogTables.Leaves} (leaf_index, seq_id, tenant_id, stream_id, version, event_type, leaf_hash)
          values (leaf, new.seq_id, new.tenant_id, new.stream_id, new.version, new.type,
                  sha256('\x00'::bytea || convert_to(
                    'signing/leaf/v1' || E'\n' || new.tenant_id || E'\n' || new.stream_id::text || E'\n' || new.version::text || E'\n'
                    || new.type || E'\n' || ((extract(epoch from new.timestamp) * 1000000)::bigint)::text || E'\n' || new.data::text,
                    'UTF8')));
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
