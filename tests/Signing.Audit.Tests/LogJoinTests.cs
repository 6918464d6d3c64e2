using Signing.Record;

namespace Signing.Audit.Tests;

public sealed class LogJoinTests
{
    private static StoredEvent Event(long seq) => new(seq, "33", Guid.Empty, seq, "t", 0, "{}");
    private static LogLeaf Leaf(long index, long seq) => new(index, seq, "33", Guid.Empty, seq, "t", []);

    [Fact]
    public void Leaves_in_commit_order_find_their_events_though_seq_order_differs()
    {
        var events = new[] { 1L, 2, 3, 4, 5 }.Select(Event);
        var leaves = new[] { Leaf(0, 1), Leaf(1, 3), Leaf(2, 2), Leaf(3, 5), Leaf(4, 4) };
        var joined = LogJoin.Join(leaves, events).ToList();
        Assert.Equal(5, joined.Count);
        Assert.All(joined, j => Assert.Equal(j.Leaf!.SeqId, j.Event!.SeqId));
    }

    [Fact]
    public void A_leaf_without_its_event_gets_none_and_events_without_a_leaf_come_last_by_seq()
    {
        var events = new[] { 1L, 2, 4, 6, 7 }.Select(Event);
        var leaves = new[] { Leaf(0, 1), Leaf(1, 3), Leaf(2, 2), Leaf(3, 7) };
        var joined = LogJoin.Join(leaves, events).ToList();
        Assert.Equal([1L, 3, 2, 7], joined.Where(j => j.Leaf is not null).Select(j => j.Leaf!.SeqId));
        Assert.Null(joined[1].Event);
        Assert.Equal([4L, 6], joined.Where(j => j.Leaf is null).Select(j => j.Event!.SeqId));
    }

    [Fact]
    public void Two_leaves_naming_one_event_join_it_once()
    {
        var joined = LogJoin.Join([Leaf(0, 1), Leaf(1, 1)], [Event(1)]).ToList();
        Assert.NotNull(joined[0].Event);
        Assert.Null(joined[1].Event);
    }
}
