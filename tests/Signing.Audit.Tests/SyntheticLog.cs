using Signing.Record;
using Signing.Verification;

namespace Signing.Audit.Tests;

/// <summary>A log built in memory the way the trigger builds it (leaf hash over the design's leaf input), to tamper with.</summary>
internal sealed class SyntheticLog
{
    public List<StoredEvent> Events { get; } = [];
    public List<LogLeaf> Leaves { get; } = [];
    public List<StoredCheckpoint> Checkpoints { get; } = [];

    public static readonly Guid StreamA = Guid.Parse("0b7e6a34-51f0-4c2a-9c1d-000000000001");
    public static readonly Guid StreamB = Guid.Parse("0b7e6a34-51f0-4c2a-9c1d-000000000002");

    /// <summary>A log of <paramref name="events"/> events over two streams, the first <paramref name="v1"/> of them with v1 leaves.</summary>
    public static SyntheticLog With(int events, params int[] checkpointSizes) => WithV1(events, 0, checkpointSizes);

    public static SyntheticLog WithV1(int events, int v1, params int[] checkpointSizes)
    {
        var log = new SyntheticLog();
        for (var i = 0; i < events; i++)
            log.Append(i % 2 == 0 ? StreamA : StreamB, i / 2 + 1, i == 0 ? "renewal_submitted" : "paper_registered",
                $$"""{"At": "2026-12-02T06:00:{{i % 60:00}}+00:00", "Copies": 2, "OfficerTckn": "16384729550"}""", v1: i < v1);
        foreach (var size in checkpointSizes)
            log.Checkpoint(size);
        return log;
    }

    /// <summary>Appends an event and its leaf: v2 (the JSON's digest logged beside it), or v1 as a store logged before v2 holds.</summary>
    public void Append(Guid stream, long version, string type, string json, long? seq = null, bool v1 = false)
    {
        var e = new StoredEvent(seq ?? Events.Count + 1, "33", stream, version, type, 1_796_000_000_000_000 + Events.Count, json);
        Events.Add(e);
        var digest = v1 ? null : LeafInput.JsonSha256(e.Json);
        var input = digest is null
            ? LeafInput.ForV1(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, e.Json)
            : LeafInput.For(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, digest);
        Leaves.Add(new LogLeaf(Leaves.Count, e.SeqId, e.Tenant, e.StreamId, e.Version, e.Type, MerkleHash.Leaf(input), digest));
    }

    /// <summary>The v2 leaf hash of an event as it stands.</summary>
    public static byte[] LeafHash(StoredEvent e) =>
        MerkleHash.Leaf(LeafInput.For(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, LeafInput.JsonSha256(e.Json)));

    public void Checkpoint(long size)
    {
        var tree = new MerkleTreeBuilder();
        foreach (var leaf in Leaves.Take((int)size))
            tree.Append(leaf.LeafHash);
        var root = tree.Root();
        Checkpoints.Add(new StoredCheckpoint(size, root, new Checkpoint("test/log", size, root).Body(), [], DateTimeOffset.Parse("2026-12-02T07:00:00Z")));
    }

    public IReadOnlyList<LogEntry> Entries() =>
        LogJoin.Join(Leaves, Events.OrderBy(e => e.SeqId)).Select(j => new LogEntry(j.Leaf, j.Event, LogEntry.NoEvidence)).ToList();

    public static AuditOptions Options(bool allowUnsealed = false) => new()
    {
        Trust = new TrustConfiguration(),
        Now = DateTimeOffset.Parse("2026-12-03T00:00:00Z"),
        TreeOnly = true,
        AllowUnsealedTail = allowUnsealed,
    };

    /// <summary>The walk over the log, every checkpoint taken as signed (the signature check is not this test's part).</summary>
    public List<AuditProblem> Walk(bool allowUnsealed = false) => Walk(allowUnsealed, Entries()).Problems;

    /// <summary>
    /// The walk as an audit of the tree alone over a database sees the log: no event's JSON read, the events of v1 leaves
    /// hashed where they lie (here, from the JSON in memory, as the database's expression does).
    /// </summary>
    public (List<AuditProblem> Problems, long JsonChecked) WalkWithoutJson() =>
        Walk(false, Entries().Select(entry => entry with
        {
            Event = entry.Event is { } e
                ? e with
                {
                    Json = "",
                    LeafHash = entry.Leaf?.JsonSha256 is null ? MerkleHash.Leaf(LeafInput.ForV1(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, e.Json)) : null,
                }
                : null,
        }).ToList());

    private (List<AuditProblem> Problems, long JsonChecked) Walk(bool allowUnsealed, IReadOnlyList<LogEntry> entries)
    {
        var sink = new ProblemSink(1000);
        var walk = new TreeWalk(Checkpoints, Checkpoints.Select(c => c.TreeSize).ToHashSet(), Options(allowUnsealed), sink);
        foreach (var entry in entries)
            walk.Add(entry);
        walk.Finish();
        return (sink.Sorted(), walk.JsonChecked);
    }
}
