using System.Collections.Concurrent;
using System.Threading.Channels;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Mapping;
using Signing.Store;

namespace Signing.Server.Queue;

/// <summary>
/// In-process fan-out of queue changes to WatchQueue streams, per tenant. Writers call <see cref="NotifyAsync"/> after
/// their commit; it costs nothing when nobody watches the tenant. A slow watcher's buffer is bounded: when it overflows,
/// the watcher is told to reload (its stream ends with ABORTED) rather than slowing writers down.
/// Single instance only: several server instances would publish through PostgreSQL LISTEN/NOTIFY instead.
/// </summary>
public sealed class QueueFeed(IServiceProvider services)
{
    public const int WatcherBuffer = 1024;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Channel<QueueChange>>> _watchers = new();
    private readonly ConcurrentDictionary<string, int> _perWatcher = new();

    public bool HasWatchers(string tenant) => _watchers.TryGetValue(tenant, out var w) && !w.IsEmpty;

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
        _watchers.GetOrAdd(tenant, _ => new())[id] = channel;
        return new Subscription(channel.Reader, () =>
        {
            if (_watchers.TryGetValue(tenant, out var w))
                w.TryRemove(id, out _);
        });
    }

    /// <summary>After a committed write: tell the tenant's watchers how the item's place on the queue changed.</summary>
    public async Task NotifyAsync(string tenant, Guid applicationId, IReadOnlyList<IApplicationEvent> events, CancellationToken ct)
    {
        if (!HasWatchers(tenant))
            return;
        var store = services.GetRequiredService<Marten.IDocumentStore>();
        await using var session = store.QuerySession(tenant);
        var item = ApprovalQueueItem.From(await session.LoadAsync<ApplicationView>(applicationId, ct));
        QueueChange change;
        if (item is not null)
            change = new QueueChange { Kind = events.Any(e => e is RenewalSubmitted) ? QueueChange.Types.Kind.Added : QueueChange.Types.Kind.Updated, Item = Proto.QueueItem(item) };
        else if (events.Any(e => e is ApplicationApproved or ApplicationRejected or ApplicationWithdrawn))
            change = new QueueChange { Kind = QueueChange.Types.Kind.Removed, Item = new QueueItem { ApplicationId = applicationId.ToString() } };
        else
            return;
        Publish(tenant, change);
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
