using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Store;

/// <summary>
/// The sign-in and proof-of-possession challenges every node shares: a challenge made on one node is redeemed on any
/// other, exactly once (redeeming deletes the row). A working table: rows live minutes and are swept when expired.
/// Not a Marten document: documents here are tenant-keyed, and a challenge belongs to no tenant.
/// </summary>
public static class ChallengeTable
{
    public const string TableName = "challenges";
    public static readonly string Qualified = SigningStore.Schema + "." + TableName;

    public static Table Definition()
    {
        var table = new Table(new PostgresqlObjectName(SigningStore.Schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn("nonce", "bytea").NotNull();
        table.AddColumn<string>("client").NotNull();
        table.AddColumn("expires_at", "timestamptz").NotNull();
        // The per-client cap counts one client's unexpired rows: (client, expires_at) answers it from the index alone.
        table.Indexes.Add(new IndexDefinition("ix_challenges_client_expires") { Columns = ["client", "expires_at"] });
        table.Indexes.Add(new IndexDefinition("ix_challenges_expires") { Columns = ["expires_at"] });
        return table;
    }
}
