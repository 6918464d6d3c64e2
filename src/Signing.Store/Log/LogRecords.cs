namespace Signing.Store;

/// <summary>One leaf of the transparency log: which event it is and the RFC 9162 hash of its leaf input.</summary>
public sealed record LogLeaf(long Index, long SeqId, string Tenant, Guid StreamId, long Version, string EventType, byte[] LeafHash);

/// <summary>A signed checkpoint as stored: the note body (the signed bytes, UTF-8) and its detached CMS.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note, byte[] Signature, DateTimeOffset SignedAt);
