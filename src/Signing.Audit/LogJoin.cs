using Signing.Record;

namespace Signing.Audit;

/// <summary>
/// Joins the leaves (by index) with the events (by seq_id) in one pass over both. Leaf order is commit order and seq_id
/// order is insert order, so they differ only where transactions overlapped: events read ahead of their leaf wait in a
/// small dictionary instead of the whole table being held.
/// </summary>
internal sealed class LogJoin(IEnumerator<StoredEvent> events)
{
    private readonly Dictionary<long, StoredEvent> ahead = new();
    private long lastSeq = long.MinValue;
    private bool eventsDone;

    /// <summary>The event the leaf names, or null when no event has its seq_id (or it was given to an earlier leaf).</summary>
    public StoredEvent? Match(LogLeaf leaf)
    {
        if (ahead.Remove(leaf.SeqId, out var waiting))
            return waiting;
        while (!eventsDone && lastSeq < leaf.SeqId)
        {
            if (!events.MoveNext())
            {
                eventsDone = true;
                break;
            }
            var e = events.Current;
            lastSeq = e.SeqId;
            if (e.SeqId == leaf.SeqId)
                return e;
            ahead[e.SeqId] = e;
        }
        return null;
    }

    /// <summary>After the last leaf: the events no leaf named, by seq_id.</summary>
    public IEnumerable<StoredEvent> Unmatched()
    {
        foreach (var e in ahead.Values.OrderBy(e => e.SeqId))
            yield return e;
        ahead.Clear();
        while (!eventsDone && events.MoveNext())
            yield return events.Current;
        eventsDone = true;
    }

    /// <summary>Joins two ordered streams; the entries carry no evidence (a source adds it).</summary>
    public static IEnumerable<(LogLeaf? Leaf, StoredEvent? Event)> Join(IEnumerable<LogLeaf> leaves, IEnumerable<StoredEvent> events)
    {
        using var e = events.GetEnumerator();
        var join = new LogJoin(e);
        foreach (var leaf in leaves)
            yield return (leaf, join.Match(leaf));
        foreach (var unmatched in join.Unmatched())
            yield return (null, unmatched);
    }
}
