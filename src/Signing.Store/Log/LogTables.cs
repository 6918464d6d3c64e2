using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Store.Log;

/// <summary>
/// The transparency log's tables (design §1). Rows are only ever inserted: leaves by the <see cref="LogAppendTrigger"/>
/// in the events' own transaction, perfect-subtree nodes and checkpoints by <see cref="TransparencyLog"/>.
/// </summary>
internal static class LogTables
{
    public const string Leaves = "log_leaves", State = "log_state", Nodes = "log_nodes", Checkpoints = "log_checkpoints";

    public static string Qualified(string table) => SigningStore.Schema + "." + table;

    public static IEnumerable<Table> Definitions()
    {
        var leaves = New(Leaves);
        leaves.AddColumn<long>("leaf_index").AsPrimaryKey();
        leaves.AddColumn<long>("seq_id").NotNull();
        leaves.AddColumn<string>("tenant_id").NotNull();
        leaves.AddColumn<Guid>("stream_id").NotNull();
        leaves.AddColumn<long>("version").NotNull();
        leaves.AddColumn<string>("event_type").NotNull();
        leaves.AddColumn("leaf_hash", "bytea").NotNull();
        // SHA-256 of the event's JSON, bound by a v2 leaf input; null on a leaf logged as v1 (see LeafInput).
        leaves.AddColumn("json_sha256", "bytea");
        leaves.Indexes.Add(new IndexDefinition("log_leaves_seq_id") { Columns = ["seq_id"], IsUnique = true });
        // A receipt's proof is asked for by application (stream) and event version.
        leaves.Indexes.Add(new IndexDefinition("log_leaves_stream") { Columns = ["stream_id", "version"] });
        // An audit of the tree alone asks where the v1 leaves end (empty in a store logged as v2 from the start).
        leaves.Indexes.Add(new IndexDefinition("log_leaves_v1") { Columns = ["seq_id"], Predicate = "json_sha256 is null" });
        yield return leaves;

        // One row, locked (never updated) by each appending commit: the log's queue.
        var state = New(State);
        state.AddColumn<int>("id").AsPrimaryKey();
        state.CheckConstraints.Add(new TableCheckConstraint("log_state_one_row", "id = 1"));
        yield return state;

        var nodes = New(Nodes);
        nodes.AddColumn<int>("level").AsPrimaryKey();
        nodes.AddColumn<long>("node_index").AsPrimaryKey();
        nodes.AddColumn("hash", "bytea").NotNull();
        yield return nodes;

        var checkpoints = New(Checkpoints);
        checkpoints.AddColumn<long>("tree_size").AsPrimaryKey();
        checkpoints.AddColumn("root_hash", "bytea").NotNull();
        checkpoints.AddColumn<string>("note").NotNull();
        checkpoints.AddColumn("signature", "bytea").NotNull();
        checkpoints.AddColumn("signed_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return checkpoints;
    }

    private static Table New(string name) =>
        new(new PostgresqlObjectName(SigningStore.Schema, name, SchemaUtils.IdentifierUsage.General));
}
