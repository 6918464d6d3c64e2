using Marten;
using Npgsql;
using Signing.Domain;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Store;

/// <summary>
/// The table that makes signed material and receipts single-use: one row per <see cref="SingleUseKey"/>, primary key
/// (kind, key) and no tenant in the key, so the same e-Onay nonce, signed form or receipt is held by one application
/// across every directorate and every server node. Rows are inserted in the transaction that writes the application's
/// events; a second claim, even from another node's concurrent commit, fails that transaction with a unique violation.
/// Claims are never released: a withdrawn or rejected application keeps its material (the person signs again).
/// </summary>
internal static class SingleUseClaims
{
    public const string TableName = "single_use_claims";
    private static readonly string Qualified = SigningStore.Schema + "." + TableName;

    public static Table Definition()
    {
        var table = new Table(new PostgresqlObjectName(SigningStore.Schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("kind").AsPrimaryKey();
        table.AddColumn<string>("key").AsPrimaryKey();
        table.AddColumn<string>("tenant_id").NotNull();
        table.AddColumn<Guid>("application_id").NotNull();
        table.AddColumn("claimed_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        return table;
    }

    /// <summary>
    /// The held claims among the (kind, key) pairs of the statement's next two parameters (text arrays), as rows
    /// "c kind key application_id". By pairs, so each is one primary-key lookup: a filter on key alone cannot use the
    /// key's index and would read every claim of the table on every submission.
    /// </summary>
    public static readonly string HeldSql =
        $"select 'c ' || c.kind || ' ' || c.key || ' ' || c.application_id::text from unnest(?::text[], ?::text[]) as w(kind, key) " +
        $"join {Qualified} c on c.kind = w.kind and c.key = w.key";

    /// <summary>Which of <paramref name="keys"/> are held, and by which application (any tenant). One round trip.</summary>
    public static async Task<Dictionary<SingleUseKey, Guid>> ReadAsync(IQuerySession session, IReadOnlyCollection<SingleUseKey> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
            return [];
        var wanted = keys.Distinct().ToArray();
        // One text per row: AdvancedSql maps single scalar columns, and neither kind (an enum name) nor key (hex) holds a space.
        var rows = await session.AdvancedSql.QueryAsync<string>(HeldSql, ct,
            [wanted.Select(k => k.Kind.ToString()).ToArray(), wanted.Select(k => k.Key).ToArray()]).ConfigureAwait(false);
        return Parse(rows.Select(r => r[2..]));
    }

    /// <summary>Rows of <see cref="HeldSql"/> without their "c " tag: "kind key application_id".</summary>
    public static Dictionary<SingleUseKey, Guid> Parse(IEnumerable<string> rows)
    {
        var held = new Dictionary<SingleUseKey, Guid>();
        foreach (var row in rows)
        {
            var parts = row.Split(' ');
            if (parts.Length == 3 && Enum.TryParse<SingleUseKind>(parts[0], out var kind) && Guid.TryParse(parts[2], out var holder))
                held[new SingleUseKey(kind, parts[1])] = holder;
        }
        return held;
    }

    /// <summary>Queues the claim's insert into the session's unit of work (committed with the events, or not at all).</summary>
    public static void Claim(IDocumentSession session, string tenant, Guid applicationId, SingleUseKey key) =>
        session.QueueSqlCommand($"insert into {Qualified} (kind, key, tenant_id, application_id) values (?, ?, ?, ?)",
            key.Kind.ToString(), key.Key, tenant, applicationId);

    /// <summary>A claim lost to one committed meanwhile (the unique violation, however Marten wraps it).</summary>
    public static bool IsCollision(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: TableName })
                return true;
        }
        return false;
    }
}
