namespace Signing.Record;

/// <summary>One row of signing.log_leaves: which event the leaf is and the RFC 9162 hash of its leaf input.</summary>
public sealed record LogLeaf(long Index, long SeqId, string Tenant, Guid StreamId, long Version, string EventType, byte[] LeafHash);

/// <summary>One row of signing.log_checkpoints: the note body exactly as signed (UTF-8) and its detached CMS.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note, byte[] Signature, DateTimeOffset SignedAt);
