using System.Collections.Concurrent;
using System.Text;

namespace Signing.Audit;

/// <summary>
/// One thing that does not hold, located as precisely as the record allows: the leaf index, the event (seq_id, tenant,
/// stream, version, type) or the checkpoint (tree size). <see cref="Code"/> is stable, for scripts.
/// </summary>
public sealed record AuditProblem(string Code, string Message)
{
    public long? LeafIndex { get; init; }
    public long? SeqId { get; init; }
    public string? Tenant { get; init; }
    public Guid? StreamId { get; init; }
    public long? Version { get; init; }
    public string? EventType { get; init; }
    public long? CheckpointSize { get; init; }

    /// <summary>The problem located at an entry's event (or, without one, at what its leaf names).</summary>
    public static AuditProblem At(LogEntry entry, string code, string message) => entry.Event is { } e
        ? new AuditProblem(code, message)
        {
            LeafIndex = entry.Leaf?.Index, SeqId = e.SeqId, Tenant = e.Tenant, StreamId = e.StreamId, Version = e.Version, EventType = e.Type,
        }
        : new AuditProblem(code, message)
        {
            LeafIndex = entry.Leaf?.Index, SeqId = entry.Leaf?.SeqId, Tenant = entry.Leaf?.Tenant, StreamId = entry.Leaf?.StreamId,
            Version = entry.Leaf?.Version, EventType = entry.Leaf?.EventType,
        };

    public static AuditProblem AtCheckpoint(long treeSize, string code, string message) =>
        new(code, message) { CheckpointSize = treeSize };

    /// <summary>One line: where, then what.</summary>
    public override string ToString()
    {
        var where = new StringBuilder();
        if (StreamId is { } s)
            where.Append($"stream {s} version {Version}").Append(EventType is null ? "" : $" ({EventType})").Append(Tenant is null ? "" : $" tenant {Tenant}");
        if (LeafIndex is { } i)
            where.Append(where.Length > 0 ? ", " : "").Append($"leaf {i}");
        if (SeqId is { } q)
            where.Append(where.Length > 0 ? ", " : "").Append($"seq {q}");
        if (CheckpointSize is { } c)
            where.Append(where.Length > 0 ? ", " : "").Append($"checkpoint {c}");
        return (where.Length > 0 ? where + ": " : "") + $"[{Code}] {Message}";
    }

    /// <summary>Order of the report: checkpoints first, then by leaf, then the events outside the log by seq_id.</summary>
    internal static int Compare(AuditProblem a, AuditProblem b)
    {
        static (int, long, long) Key(AuditProblem p) =>
            p.CheckpointSize is { } c && p.LeafIndex is null ? (0, c, 0)
            : p.LeafIndex is { } i ? (1, i, p.SeqId ?? 0)
            : p.SeqId is { } s ? (2, s, 0)
            : (3, 0, 0);
        var order = Key(a).CompareTo(Key(b));
        return order != 0 ? order : string.CompareOrdinal(a.Code + a.Message, b.Code + b.Message);
    }
}

/// <summary>Problems found by concurrent checks; all are counted, the first <see cref="Limit"/> are kept for the report.</summary>
internal sealed class ProblemSink(int limit)
{
    private readonly ConcurrentQueue<AuditProblem> kept = new();
    private long count;

    public int Limit { get; } = limit;
    public long Count => Interlocked.Read(ref count);

    public void Add(AuditProblem problem)
    {
        if (Interlocked.Increment(ref count) <= Limit)
            kept.Enqueue(problem);
    }

    public List<AuditProblem> Sorted()
    {
        var list = kept.ToList();
        list.Sort(AuditProblem.Compare);
        return list;
    }
}
