using Signing.Contracts.V1;
using Signing.Server.Queue;

namespace Signing.Server.Tests;

/// <summary>The in-process queue feed: fan-out per tenant, and a watcher that falls behind is cut off, not waited for.</summary>
public sealed class QueueFeedTests
{
    private static QueueChange Added(int i) => new() { Kind = QueueChange.Types.Kind.Added, Item = new QueueItem { ApplicationId = i.ToString() } };

    [Fact]
    public async Task Changes_reach_the_watchers_of_their_tenant_only()
    {
        var feed = new QueueFeed(null!);
        using var mersin = feed.Subscribe("33");
        using var adana = feed.Subscribe("01");
        feed.Publish("33", Added(1));
        Assert.Equal("1", (await mersin.Reader.ReadAsync()).Item.ApplicationId);
        Assert.False(adana.Reader.TryRead(out _));
        Assert.True(feed.HasWatchers("01"));
        adana.Dispose();
        Assert.False(feed.HasWatchers("01"));
    }

    [Fact]
    public async Task A_watcher_that_falls_behind_is_ended_with_an_overflow_the_service_can_recognise()
    {
        var feed = new QueueFeed(null!);
        using var slow = feed.Subscribe("33");
        for (var i = 0; i < QueueFeed.WatcherBuffer + 1; i++)
            feed.Publish("33", Added(i));
        Assert.False(feed.HasWatchers("33")); // writers no longer wait for it
        var seen = 0;
        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in slow.Reader.ReadAllAsync())
                seen++;
        });
        Assert.Equal(QueueFeed.WatcherBuffer, seen);
        // ApprovalServiceImpl.WatchQueue turns exactly this into ABORTED WATCH_FELL_BEHIND.
        Assert.True(e is OverflowException || e.InnerException is OverflowException, e.ToString());
    }
}
