using System.Collections.Concurrent;
using System.Threading.Channels;
using Signing.Contracts.V1;

namespace Signing.Server.Queue;

/// <summary>
/// This node's fan-out of queue changes to its WatchQueue streams, per tenant. The changes come from PostgreSQL (see
/// <see cref="QueueListener"/>), so a watcher on any node sees what was committed on any node; publishing costs nothing
/// when nobody here watches the tenant. A watcher's stream ends (the client watches again and gets a fresh snapshot)
/// when it cannot be sure to see every change: its bounded buffer overflowed (<see cref="OverflowException"/>), or this
/// node's feed lost changes (<see cref="QueueFeedInterruptedException"/>: the listener's connection dropped, or a change
/// could not be read).
/// </summary>
public sealed class QueueFeed
{
    public const int WatcherBuffer = 1024;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Channel<QueueChange>>> _watchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perWatcher = new();
    private volatile bool _live;
    private long _epoch;

    /// <summary>
    /// True while this node receives every committed change (the listener is connected and listening). A watch that starts
    /// while it is false could miss changes: it is refused, and one that started just before is ended.
    /// </summary>
    public bool IsLive => _live;

    public bool HasWatchers(string tenant) => _watchers.TryGetValue(tenant, out var w) && !w.IsEmpty;

    /// <inheritdoc cref="HasWatchers(string)"/>
    public bool HasWatchers(ReadOnlySpan<char> tenant) =>
        _watchers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(tenant, out var w) && !w.IsEmpty;

    /// <summary>Changes reach this node again from now on (the listener listens).</summary>
    public void Resume() => _live = true;

    /// <summary>Changes may have been lost and more may be: every watcher is ended, and new ones are refused until <see cref="Resume"/>.</summary>
    public void Suspend(string reason)
    {
        _live = false;
        Interlocked.Increment(ref _epoch);
        foreach (var tenant in _watchers.Keys)
            Interrupt(tenant, reason);
    }

    /// <summary>Changes of <paramref name="tenant"/> were lost (one could not be read): its watchers are ended.</summary>
    public void Interrupt(string tenant, string reason)
    {
        if (!_watchers.TryGetValue(tenant, out var watchers))
            return;
        foreach (var (id, channel) in watchers)
        {
            channel.Writer.TryComplete(new QueueFeedInterruptedException(reason));
            watchers.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// A subscription counted against <paramref name="watcher"/> (an officer's TCKN), or null when that watcher already
    /// holds <paramref name="max"/>; the place frees when the subscription is disposed.
    /// </summary>
    public Subscription? TrySubscribe(string tenant, string watcher, int max)
    {
        if (_perWatcher.AddOrUpdate(watcher, 1, (_, n) => n + 1) > max)
        {
            Leave(watcher);
            return null;
        }
        var subscription = Subscribe(tenant);
        return new Subscription(subscription.Reader, () =>
        {
            subscription.Dispose();
            Leave(watcher);
        });
    }

    private void Leave(string watcher)
    {
        if (_perWatcher.AddOrUpdate(watcher, 0, (_, n) => n - 1) <= 0)
            _perWatcher.TryRemove(KeyValuePair.Create(watcher, 0));
    }

    public Subscription Subscribe(string tenant)
    {
        var channel = Channel.CreateBounded<QueueChange>(new BoundedChannelOptions(WatcherBuffer)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var id = Guid.NewGuid();
        var epoch = Interlocked.Read(ref _epoch);
        var watchers = _watchers.GetOrAdd(tenant, _ => new());
        watchers[id] = channel;
        // Registered while the feed was down, or while it went down: a change may already be missed (the caller reads its
        // snapshot only after this returns, so a subscription that is live here misses nothing).
        if (!_live || Interlocked.Read(ref _epoch) != epoch)
        {
            channel.Writer.TryComplete(new QueueFeedInterruptedException("the queue feed of this server is reconnecting to the database"));
            watchers.TryRemove(id, out _);
        }
        return new Subscription(channel.Reader, () => watchers.TryRemove(id, out _));
    }

    public void Publish(string tenant, QueueChange change)
    {
        if (!_watchers.TryGetValue(tenant, out var watchers))
            return;
        foreach (var (id, channel) in watchers)
        {
            if (!channel.Writer.TryWrite(change))
            {
                // Too far behind: end that watch; the client re-subscribes and gets a fresh snapshot.
                channel.Writer.TryComplete(new OverflowException("the watcher fell too far behind"));
                watchers.TryRemove(id, out _);
            }
        }
    }

    public sealed class Subscription(ChannelReader<QueueChange> reader, Action unsubscribe) : IDisposable
    {
        private int _disposed;
        public ChannelReader<QueueChange> Reader { get; } = reader;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                unsubscribe();
        }
    }
}

/// <summary>A watch ended because this node's feed may have missed changes; watching again gives a fresh snapshot.</summary>
public sealed class QueueFeedInterruptedException(string message) : Exception(message);
