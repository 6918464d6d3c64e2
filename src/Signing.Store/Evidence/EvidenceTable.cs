using System.Collections.Concurrent;
using Marten;
using Signing.Domain;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Store;

/// <summary>
/// signing.evidence: the signed bytes, reports and revocation data the events name, content-addressed by the lowercase
/// hex SHA-256 of the bytes. Not a Marten document: blobs are shared across tenants and events (one CRL serves every
/// submission that rested on it), and rows are only ever inserted. Inserts are queued in the session that appends the
/// events, so a blob commits with the events that name it or not at all.
/// </summary>
public static class EvidenceTable
{
    public const string TableName = "evidence";
    internal static readonly string Qualified = SigningStore.Schema + "." + TableName;

    // One statement for every blob of a commit: the arrays travel as three parameters, whatever the batch size.
    private static readonly string InsertSql =
        $"insert into {Qualified} (sha256, media_type, bytes) select * from unnest(?::text[], ?::text[], ?::bytea[]) on conflict (sha256) do nothing";

    public static Table Definition()
    {
        var table = new Table(new PostgresqlObjectName(SigningStore.Schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("sha256").AsPrimaryKey();
        table.AddColumn<string>("media_type").NotNull();
        table.AddColumn("bytes", "bytea").NotNull();
        table.AddColumn("stored_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        return table;
    }

    /// <summary>
    /// Queues one insert of <paramref name="blobs"/> (duplicates and blobs <paramref name="known"/> to be stored already
    /// left out) into the session's unit of work. Sorted by hash, so two commits inserting the same new blobs take their
    /// row locks in the same order.
    /// </summary>
    internal static void Queue(IDocumentSession session, IEnumerable<EvidenceBlob> blobs, StoredEvidenceHashes? known)
    {
        var fresh = blobs.Where(b => known?.Contains(b.Sha256) != true).DistinctBy(b => b.Sha256)
            .OrderBy(b => b.Sha256, StringComparer.Ordinal).ToList();
        if (fresh.Count == 0)
            return;
        session.QueueSqlCommand(InsertSql,
            fresh.Select(b => b.Sha256).ToArray(), fresh.Select(b => b.MediaType).ToArray(), fresh.Select(b => b.Bytes).ToArray());
    }
}

/// <summary>
/// Hashes of the shared blobs (CRLs) this process saw committed. Rows of signing.evidence are never deleted, so such a
/// blob need not travel again: the CRL every e-signed submission rests on is sent once, not with every commit. Blobs of
/// one submission (forms, CMSs, reports) never repeat, so they are not remembered.
/// </summary>
internal sealed class StoredEvidenceHashes
{
    private const int Capacity = 1024;
    private readonly ConcurrentDictionary<string, byte> _hashes = new(StringComparer.Ordinal);

    public bool Contains(string sha256) => _hashes.ContainsKey(sha256);

    /// <summary>Call after the commit that wrote (or found) them.</summary>
    public void AddCommitted(IEnumerable<EvidenceBlob> blobs)
    {
        foreach (var blob in blobs.Where(b => b.MediaType == EvidenceMediaTypes.Crl))
        {
            if (_hashes.Count >= Capacity)
                _hashes.Clear();
            _hashes.TryAdd(blob.Sha256, 0);
        }
    }
}
