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

    public static SyntheticLog With(int events, params int[] checkpointSizes)
    {
        var log = new SyntheticLog();
        for (var i = 0; i < events; i++)
            log.Append(i % 2 == 0 ? StreamA : StreamB, i / 2 + 1, i == 0 ? "renewal_submitted" : "paper_registered",
                $$"""{"At": "2026-12-02T06:00:{{i % 60:00}}+00:00", "Copies": 2, "OfficerTckn": "16384729550"}""");
        foreach (var size in checkpointSizes)
            log.Checkpoint(size);
        return log;
    }

    public void Append(Guid stream, long version, string type, string json, long? seq = null)
    {
        var e = new StoredEvent(seq ?? Events.Count + 1, "33", stream, version, type, 1_796_000_000_000_000 + Events.Count, json);
        Events.Add(e);
        Leaves.Add(new LogLeaf(Leaves.Count, e.SeqId, e.Tenant, e.StreamId, e.Version, e.Type, LeafHash(e)));
    }

    public static byte[] LeafHash(StoredEvent e) =>
        MerkleHash.Leaf(LeafInput.For(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, e.Json));

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
    public List<AuditProblem> Walk(bool allowUnsealed = false)
    {
        var sink = new ProblemSink(1000);
        var walk = new TreeWalk(Checkpoints, Checkpoints.Select(c => c.TreeSize).ToHashSet(), Options(allowUnsealed), sink);
        foreach (var entry in Entries())
            walk.Add(entry);
        walk.Finish();
        return sink.Sorted();
    }
}
