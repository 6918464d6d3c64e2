namespace Signing.Record;

/// <summary>
/// One row of signing.log_leaves: which event the leaf is, the RFC 9162 hash of its leaf input and the SHA-256 of the
/// event's JSON that a v2 leaf input binds (null for a v1 leaf, whose input holds the JSON itself; see <see cref="LeafInput"/>).
/// </summary>
public sealed record LogLeaf(long Index, long SeqId, string Tenant, Guid StreamId, long Version, string EventType, byte[] LeafHash, byte[]? JsonSha256 = null);

/// <summary>One row of signing.log_checkpoints: the note body exactly as signed (UTF-8) and its detached CMS.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note, byte[] Signature, DateTimeOffset SignedAt);
