using Signing.Contracts.V1;
using Signing.Server.Queue;

namespace Signing.Server.Tests;

/// <summary>
/// A node's queue feed: fan-out per tenant; a watcher that falls behind is cut off, not waited for; and while the feed may
/// miss changes (its listener is reconnecting) every watcher is ended and none can start.
/// </summary>
public sealed class QueueFeedTests
{
    private static QueueChange Added(int i) => new() { Kind = QueueChange.Types.Kind.Added, Item = new QueueItem { ApplicationId = i.ToString() } };

    private static QueueFeed Live()
    {
        var feed = new QueueFeed();
        feed.Resume();
        return feed;
    }

    [Fact]
    public async Task Changes_reach_the_watchers_of_their_tenant_only()
    {
        var feed = Live();
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
        var feed = Live();
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

    [Fact]
    public async Task Suspending_ends_every_watcher_as_interrupted_and_a_watch_started_before_it_resumes_is_ended_at_once()
    {
        var feed = Live();
        using var mersin = feed.Subscribe("33");
        using var adana = feed.Subscribe("01");
        feed.Suspend("the listener lost its connection");
        Assert.False(feed.IsLive);
        foreach (var ended in new[] { mersin, adana })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(async () => await ended.Reader.ReadAsync());
            // ApprovalServiceImpl.WatchQueue turns this into ABORTED WATCH_INTERRUPTED.
            Assert.True(e is QueueFeedInterruptedException || e.InnerException is QueueFeedInterruptedException, e.ToString());
        }
        Assert.False(feed.HasWatchers("33"));

        // While down, a subscription could miss changes: it ends at once.
        using var early = feed.Subscribe("33");
        await Assert.ThrowsAnyAsync<Exception>(async () => await early.Reader.ReadAsync());
        Assert.False(feed.HasWatchers("33"));

        feed.Resume();
        using var later = feed.Subscribe("33");
        feed.Publish("33", Added(7));
        Assert.Equal("7", (await later.Reader.ReadAsync()).Item.ApplicationId);
    }

    [Fact]
    public async Task Interrupting_one_tenant_leaves_the_others_watching()
    {
        var feed = Live();
        using var mersin = feed.Subscribe("33");
        using var adana = feed.Subscribe("01");
        feed.Interrupt("33", "a change could not be read");
        await Assert.ThrowsAnyAsync<Exception>(async () => await mersin.Reader.ReadAsync());
        feed.Publish("01", Added(2));
        Assert.Equal("2", (await adana.Reader.ReadAsync()).Item.ApplicationId);
        Assert.True(feed.HasWatchers("01".AsSpan()));
    }
}
