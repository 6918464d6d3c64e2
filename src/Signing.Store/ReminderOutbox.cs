using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Store;

/// <summary>
/// The renewal reminders waiting to be e-mailed, and those already dealt with: one row per (tenant, TCKN, certificate,
/// stage), written in the transaction that appends the holder's <see cref="Signing.Domain.ReminderScheduled"/>. The
/// primary key is what holds "at most once per person, certificate and stage" across restarts and server nodes; the
/// lease is what keeps two nodes from sending the same row at once. A working table, not a Marten document: the
/// senders claim rows with FOR UPDATE SKIP LOCKED, which Marten's document API does not express.
/// KVKK: the address and the name are kept only until the row is settled (sent, cancelled or given up).
/// </summary>
public static class ReminderOutbox
{
    public const string TableName = "reminder_outbox";
    public static readonly string Qualified = SigningStore.Schema + "." + TableName;

    public static Table Definition()
    {
        var table = new Table(new PostgresqlObjectName(SigningStore.Schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<string>("tckn").AsPrimaryKey();
        table.AddColumn<string>("certificate_sha256").AsPrimaryKey();
        table.AddColumn<int>("stage_days").AsPrimaryKey();
        // The Message-Id's left part: fixed per row, so a send repeated after a crash carries the same Message-Id.
        table.AddColumn("message_id", "uuid").NotNull().DefaultValueByExpression("gen_random_uuid()");
        table.AddColumn("recipient", "text");
        table.AddColumn("name", "text");
        table.AddColumn<string>("category").NotNull();
        table.AddColumn("not_after", "timestamptz").NotNull();
        table.AddColumn("scheduled_at", "timestamptz").NotNull();
        table.AddColumn("next_attempt_at", "timestamptz").NotNull();
        table.AddColumn<int>("attempts").NotNull().DefaultValueByExpression("0");
        table.AddColumn("last_error", "text");
        table.AddColumn("sent_at", "timestamptz");
        table.AddColumn("cancelled_at", "timestamptz");
        table.AddColumn("given_up_at", "timestamptz");
        table.AddColumn("lease_until", "timestamptz");
        table.AddColumn("lease_owner", "text");
        // The senders' search: only unsettled rows are in it, so it stays the size of the work left.
        table.Indexes.Add(new IndexDefinition("ix_reminder_outbox_due")
        {
            Columns = ["next_attempt_at"],
            Predicate = "sent_at is null and cancelled_at is null and given_up_at is null",
        });
        return table;
    }
}
