using System.Threading.Channels;
using Marten;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Configuration;
using Signing.Server.Mapping;
using Signing.Store;

namespace Signing.Server.Queue;

/// <summary>
/// Feeds this node's <see cref="QueueFeed"/> from PostgreSQL: one dedicated connection LISTENs on
/// <see cref="QueueNotifications.Channel"/>, where every committed write of any node announces the applications it
/// changed; for a tenant somebody watches here, the items are read (in the background, never on a caller's path) and
/// published. PostgreSQL does not keep notifications for a listener that is away: when the connection drops, every
/// watcher of this node is ended (ABORTED, watch again) and new watches are refused until it listens again; it reconnects
/// with backoff.
/// </summary>
public sealed class QueueListener(DatabaseSetting database, QueueFeed feed, IDocumentStore store, ILogger<QueueListener> logger) : BackgroundService
{
    /// <summary>Notifications received and not yet published; beyond that, changes are dropped and every watcher is told to reload.</summary>
    public const int Backlog = 10_000;

    /// <summary>Longest wait for a change's read: a database that stops answering must not hold every later change.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly Channel<string> _received = Channel.CreateBounded<string>(new BoundedChannelOptions(Backlog)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private int _dropped;
    private NpgsqlConnection? _first;

    /// <summary>How many times the connection was (re)established and LISTENs; for tests and diagnostics.</summary>
    public int Connections => Volatile.Read(ref _connections);
    private int _connections;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Listen before the node takes calls, so its first watchers are not refused; a database that is not there yet is
        // the background loop's business.
        try
        {
            _first = await ConnectAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            logger.LogWarning("The queue feed cannot listen yet ({Reason}); it keeps trying in the background", e.Message);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var publishing = Task.Run(() => PublishAsync(stoppingToken), CancellationToken.None);
        var retry = FirstRetry;
        var failing = _first is null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = _first ?? await ConnectAsync(stoppingToken);
                _first = null;
                await using (connection)
                {
                    if (failing)
                        logger.LogInformation("The queue feed listens again; watchers were told to watch again");
                    failing = false;
                    retry = FirstRetry;
                    while (true)
                        await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                feed.Suspend("this server lost its connection to the database's queue notifications");
                // Once per outage: a database that stays away must not fill the log with one line per attempt.
                if (!failing)
                    logger.LogWarning("The queue feed lost its database connection ({Reason}); every watcher of this server was told to watch again; reconnecting",
                        e.Message);
                failing = true;
                try
                {
                    await Task.Delay(retry, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
        _received.Writer.TryComplete();
        await publishing;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_first is { } unused)
            await unused.DisposeAsync();
        feed.Suspend("this server is stopping");
    }

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken ct)
    {
        // A connection of its own, outside every pool: LISTEN belongs to the session, and a dropped one must really close.
        // Keepalive, so a connection whose peer vanished (network, host) is noticed while it only waits.
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Pooling = false,
            KeepAlive = 10,
            ApplicationName = "signing-queue-listener",
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Notification += OnNotification;
            await connection.OpenAsync(ct);
            await using (var listen = new NpgsqlCommand($"LISTEN {QueueNotifications.Channel}", connection))
                await listen.ExecuteNonQueryAsync(ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        Interlocked.Increment(ref _connections);
        // From here on every commit reaches this node: watches may start again.
        feed.Resume();
        return connection;
    }

    // Runs on the connection's read loop: only a cheap look at the tenant, then hand over.
    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (!feed.HasWatchers(QueueNotifications.TenantOf(e.Payload)))
            return;
        if (!_received.Writer.TryWrite(e.Payload))
            Interlocked.Exchange(ref _dropped, 1);
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        await foreach (var payload in _received.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (Interlocked.Exchange(ref _dropped, 0) == 1)
            {
                // The backlog was full: some change was not kept. Every watcher reloads; the listener is still live.
                feed.Suspend("this server fell behind the queue's changes");
                feed.Resume();
                logger.LogWarning("The queue feed dropped changes (more than {Backlog} waiting); every watcher of this server was told to watch again", Backlog);
            }
            if (QueueNotifications.Parse(payload) is not { } notice)
            {
                logger.LogWarning("A queue notification that is not ours was ignored");
                continue;
            }
            if (!feed.HasWatchers(notice.Tenant))
                continue;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(ReadTimeout);
                await PublishAsync(notice, timeout.Token);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                feed.Interrupt(notice.Tenant, "a change of the queue could not be read");
                logger.LogWarning("A queue change of {Tenant} could not be read ({Reason}); its watchers on this server were told to watch again",
                    notice.Tenant, e.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads the notice's applications (one round trip) and tells the tenant's watchers how each item's place on the queue changed.</summary>
    private async Task PublishAsync(QueueNotifications.Notice notice, CancellationToken ct)
    {
        await using var session = store.QuerySession(notice.Tenant);
        var views = (await session.LoadManyAsync<ApplicationView>(ct, notice.Entries.Select(e => e.ApplicationId).Distinct()))
            .ToDictionary(v => v.Id);
        foreach (var entry in notice.Entries)
        {
            var item = ApprovalQueueItem.From(views.GetValueOrDefault(entry.ApplicationId));
            QueueChange change;
            if (item is not null)
                change = new QueueChange
                {
                    Kind = entry.Kind == QueueNotifications.ChangeKind.Submitted ? QueueChange.Types.Kind.Added : QueueChange.Types.Kind.Updated,
                    Item = Proto.QueueItem(item),
                };
            else if (entry.Kind == QueueNotifications.ChangeKind.Closed)
                change = new QueueChange { Kind = QueueChange.Types.Kind.Removed, Item = new QueueItem { ApplicationId = entry.ApplicationId.ToString() } };
            else
                continue;
            feed.Publish(notice.Tenant, change);
        }
    }
}
