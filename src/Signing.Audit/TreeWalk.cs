using Signing.Record;

namespace Signing.Audit;

/// <summary>
/// The log, leaf by leaf in index order: each leaf against the event it names (recomputed leaf hash, stream, version,
/// type; the JSON's digest when the source read the JSON), dense indices, the tree recomputed from the recomputed hashes and, at each checkpoint's size, its root.
/// Sequential by nature (the tree is ordered); cheap per leaf.
/// </summary>
internal sealed class TreeWalk
{
    private readonly MerkleTreeBuilder tree = new();
    private readonly List<StoredCheckpoint> checkpoints;
    private readonly IReadOnlySet<long> signed;
    private readonly ProblemSink problems;
    private readonly bool allowUnsealed;
    private readonly long nowMicros;
    private readonly HashSet<long> leafSeqs = [];
    // Reused across leaves: the walk is single-threaded and appends a copy of each hash to the tree.
    private readonly byte[] recomputed = new byte[MerkleHash.Size];
    private byte[] input = new byte[4096];
    private int next;
    private long expectedIndex;

    public TreeWalk(IReadOnlyList<StoredCheckpoint> checkpoints, IReadOnlySet<long> signedSizes, AuditOptions options, ProblemSink problems)
    {
        this.checkpoints = checkpoints.OrderBy(c => c.TreeSize).ToList();
        signed = signedSizes;
        this.problems = problems;
        allowUnsealed = options.AllowUnsealedTail;
        nowMicros = (options.Now - DateTimeOffset.UnixEpoch).Ticks / 10;
        // Only a checkpoint whose signature holds vouches for the leaves below it.
        SealedSize = this.checkpoints.Where(c => signed.Contains(c.TreeSize)).Select(c => c.TreeSize).DefaultIfEmpty(0).Max();
        CheckRootsAtSize();
    }

    public long Events { get; private set; }

    /// <summary>Events whose JSON was hashed against their leaf (all but those of v2 leaves in an audit of the tree alone).</summary>
    public long JsonChecked { get; private set; }
    public long Leaves { get; private set; }
    public long SealedSize { get; }
    public long Size => tree.Size;
    public byte[] Root() => tree.Root();

    public void Add(LogEntry entry)
    {
        if (entry.Event is { } ev)
        {
            Events++;
            if (ev.TimestampMicros > nowMicros)
                problems.Add(AuditProblem.At(entry, "event.future", "the event's timestamp is after the audit's now"));
        }
        if (entry.Leaf is not { } leaf)
        {
            problems.Add(AuditProblem.At(entry, "event.not-in-log", "no leaf of the log names this event: it was added outside the log, or its leaf was removed"));
            return;
        }

        Leaves++;
        if (leaf.Index != expectedIndex)
            problems.Add(AuditProblem.At(entry, "leaf.index", $"leaf indices are not dense: index {leaf.Index} where {expectedIndex} was due"));
        expectedIndex = leaf.Index + 1;
        var first = leafSeqs.Add(leaf.SeqId);

        byte[] hash;
        if (entry.Event is { } e)
        {
            string? digestProblem = null;
            if (leaf.JsonSha256 is { } logged)
            {
                var digest = logged;
                if (e.HasJson)
                {
                    JsonChecked++;
                    digest = LeafInput.JsonSha256(e.Json);
                    if (!digest.AsSpan().SequenceEqual(logged))
                        digestProblem = $"the event's JSON has SHA-256 {Convert.ToHexStringLower(digest)}, the log keeps {Convert.ToHexStringLower(logged)} beside the leaf: ";
                }
                var length = LeafInput.Write(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, digest, ref input);
                MerkleHash.Leaf(input.AsSpan(0, length), recomputed);
                hash = recomputed;
            }
            else if (e.LeafHash is { } fromRow)
            {
                JsonChecked++;
                hash = fromRow;
            }
            else
            {
                JsonChecked++;
                var length = LeafInput.WriteV1(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, e.Json, ref input);
                MerkleHash.Leaf(input.AsSpan(0, length), recomputed);
                hash = recomputed;
            }
            var same = hash.AsSpan().SequenceEqual(leaf.LeafHash);
            if (digestProblem is not null)
                problems.Add(AuditProblem.At(entry, "leaf.hash", digestProblem + (same
                    ? "the leaf hash binds the JSON as it is, so the digest in the log's row was changed"
                    : "the JSON changed after it was logged")));
            else if (!same)
                problems.Add(AuditProblem.At(entry, "leaf.hash", "the event's recomputed leaf hash differs from the logged one: the event's row (" +
                    (leaf.JsonSha256 is null || e.HasJson ? "JSON, " : "") + "time, stream, version or type) or the leaf changed after it was logged"));
            if (leaf.Tenant != e.Tenant || leaf.StreamId != e.StreamId || leaf.Version != e.Version || leaf.EventType != e.Type)
                problems.Add(AuditProblem.At(entry, "leaf.event",
                    $"the leaf names tenant {leaf.Tenant} stream {leaf.StreamId} version {leaf.Version} ({leaf.EventType}), its event row (seq {e.SeqId}) is not that"));
        }
        else
        {
            // The logged hash stands in, so the checkpoints are still judged on the rest of the log.
            hash = leaf.LeafHash;
            problems.Add(AuditProblem.At(entry, first ? "leaf.event-missing" : "leaf.duplicate", first
                ? $"the event this leaf names (seq {leaf.SeqId}) is not in the store: it was deleted"
                : $"the event this leaf names (seq {leaf.SeqId}) is named by an earlier leaf too"));
        }
        tree.Append(hash);
        if (!allowUnsealed && leaf.Index >= SealedSize)
            problems.Add(AuditProblem.At(entry, "log.unsealed", SealedSize == 0
                ? "no signed checkpoint covers this leaf (the store has none that verifies)"
                : $"no signed checkpoint covers this leaf (the latest covers {SealedSize} leaves): added after the last checkpoint"));
        CheckRootsAtSize();
    }

    /// <summary>After the last entry: checkpoints larger than the log mean leaves were removed from its tail.</summary>
    public void Finish()
    {
        for (; next < checkpoints.Count; next++)
        {
            var c = checkpoints[next];
            problems.Add(AuditProblem.AtCheckpoint(c.TreeSize, "log.truncated",
                $"the checkpoint covers {c.TreeSize} leaves but the log has {tree.Size}: leaves {tree.Size}..{c.TreeSize - 1} were removed"));
        }
    }

    private void CheckRootsAtSize()
    {
        for (; next < checkpoints.Count && checkpoints[next].TreeSize <= tree.Size; next++)
        {
            var c = checkpoints[next];
            if (c.TreeSize < tree.Size)
                continue; // a negative size: its note check says so
            var root = tree.Root();
            if (!root.AsSpan().SequenceEqual(c.RootHash))
                problems.Add(AuditProblem.AtCheckpoint(c.TreeSize, "checkpoint.root",
                    $"the tree recomputed from the events has root {Convert.ToHexStringLower(root)} at this size, the checkpoint {Convert.ToHexStringLower(c.RootHash)}: " +
                    "the log below it was changed (the leaves themselves may say where)"));
        }
    }
}
