using Signing.Domain;
using Signing.Record;

namespace Signing.Audit;

/// <summary>
/// One row of signing.mt_events, as the leaf input needs it (design: timestamp in microseconds, data as jsonb text).
/// <see cref="Json"/> is empty when the source was asked for the tree alone and did not read it (a stored event's JSON
/// never is: jsonb prints at least two characters).
/// </summary>
public sealed record StoredEvent(long SeqId, string Tenant, Guid StreamId, long Version, string Type, long TimestampMicros, string Json)
{
    /// <summary>
    /// The row's v1 leaf hash as the database computed it from the row (<see cref="Signing.Record.LeafInput.HashSqlV1"/>),
    /// when the source was asked for the tree alone and the event's leaf may be v1.
    /// </summary>
    public byte[]? LeafHash { get; init; }

    public bool HasJson => Json.Length > 0;
}

/// <summary>
/// A leaf with the event it names (joined on seq_id), or an event no leaf names (Leaf null), with the evidence blobs the
/// event names that the store holds. Sources yield leaves in index order, then the events without a leaf in seq_id order.
/// </summary>
public sealed record LogEntry(LogLeaf? Leaf, StoredEvent? Event, IReadOnlyDictionary<string, EvidenceBlob> Evidence)
{
    public static readonly IReadOnlyDictionary<string, EvidenceBlob> NoEvidence = new Dictionary<string, EvidenceBlob>();

    /// <summary>The event's facts when the source already read them (to find its blobs), so the checker does not parse the JSON again.</summary>
    internal EventFacts? Facts { get; init; }
}

/// <summary>How many rows a source holds (for progress), and where it came from.</summary>
public sealed record SourceInfo(string Description, long Events, long Leaves, long Checkpoints);
