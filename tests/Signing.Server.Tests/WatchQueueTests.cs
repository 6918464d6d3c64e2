using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// ApprovalService.WatchQueue over a real Kestrel socket (h2c): the snapshot, then every change to the officer's own
/// tenant's queue as it happens, made by other clients on other connections.
/// </summary>
public sealed class WatchQueueTests(LiveSigningServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LiveSigningServer>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_officer_sees_the_snapshot_then_another_clients_submission_within_a_second_then_the_decisions()
    {
        using var guard = new CancellationTokenSource(Guard);
        var first = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var adanaOfficer = await server.SignInAsync("officer-adana");

        // Already on the queues before anybody watches (this also warms up the submission path).
        var manager = await server.SignInAsync("manager");
        var existing = (await server.Applications().SubmitESignedAsync(
            Cards.ESigned("manager", Cards.Form("manager", "33", ApplicantCategory.Manager)), manager)).Application;
        var adanaExisting = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "01"));

        await using var mersin = Watcher.Start(server, first);
        await using var adana = Watcher.Start(server, adanaOfficer);
        var snapshot = await mersin.NextAsync(c => c.Item.ApplicationId == existing.Id, guard.Token);
        Assert.Equal(QueueChange.Types.Kind.Snapshot, snapshot.Change.Kind);
        Assert.Equal(existing.Code, snapshot.Change.Item.Code);
        Assert.Equal("319********", snapshot.Change.Item.TcknMasked);
        // Adana's snapshot arriving means its subscription is live too (the server subscribes before it reads the snapshot).
        Assert.Equal(QueueChange.Types.Kind.Snapshot, (await adana.NextAsync(c => c.Item.ApplicationId == adanaExisting.Id, guard.Token)).Change.Kind);

        // Another client, on its own connection, submits.
        using var doctorChannel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
        var doctorClient = new ApplicationService.ApplicationServiceClient(doctorChannel);
        var doctor = await server.SignInAsync("doctor");
        var request = Cards.ESigned("doctor", Cards.Form("doctor", "33", ApplicantCategory.Doctor));
        var sent = Stopwatch.GetTimestamp();
        var submitted = (await doctorClient.SubmitESignedAsync(request, doctor, cancellationToken: guard.Token)).Application;
        var added = await mersin.NextAsync(c => c.Item.ApplicationId == submitted.Id, guard.Token);
        var delay = Stopwatch.GetElapsedTime(sent, added.At);
        output.WriteLine($"ADDED seen {delay.TotalMilliseconds:0.0} ms after the other client sent the submission");
        Assert.Equal(QueueChange.Types.Kind.Added, added.Change.Kind);
        Assert.Equal("123********", added.Change.Item.TcknMasked);
        Assert.Equal(submitted.Version, added.Change.Item.Version);
        // The one latency requirement on the queue: seen within a second of the other client sending it.
        Assert.True(delay < TimeSpan.FromSeconds(1), $"ADDED arrived {delay.TotalMilliseconds:0} ms after the submission was sent");

        await server.DecideAsync("officer-mersin-1", first, submitted.Id, Decision.Approve);
        var updated = await mersin.NextAsync(c => c.Item.ApplicationId == submitted.Id, guard.Token);
        Assert.Equal(QueueChange.Types.Kind.Updated, updated.Change.Kind);
        Assert.Equal(new[] { "SECOND_APPROVAL" }, updated.Change.Item.Lacks);
        Assert.Equal(1, updated.Change.Item.Approvals);

        await server.DecideAsync("officer-mersin-2", second, submitted.Id, Decision.Approve);
        var removed = await mersin.NextAsync(c => c.Item.ApplicationId == submitted.Id, guard.Token);
        Assert.Equal(QueueChange.Types.Kind.Removed, removed.Change.Kind);

        // Adana's watcher: a change of its own arrives after all of Mersin's, and none of Mersin's came before it.
        var adanaNew = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "01"));
        Assert.Equal(QueueChange.Types.Kind.Added, (await adana.NextAsync(c => c.Item.ApplicationId == adanaNew.Id, guard.Token)).Change.Kind);
        Assert.DoesNotContain(adana.Seen, c => c.Item.ApplicationId == submitted.Id || c.Item.ApplicationId == existing.Id);
        Assert.DoesNotContain(mersin.Seen, c => c.Item.ApplicationId == adanaNew.Id || c.Item.ApplicationId == adanaExisting.Id);
    }

    [Fact]
    public async Task An_applicant_cannot_watch_the_queue()
    {
        var doctor = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.PermissionDenied, async () =>
        {
            using var call = server.Approvals().WatchQueue(new WatchQueueRequest(), doctor);
            await call.ResponseStream.MoveNext(CancellationToken.None);
        }, "ROLE_REQUIRED");
    }

    [Fact]
    public async Task Nobody_signed_in_cannot_watch_the_queue()
    {
        await Rpc.Refused(StatusCode.Unauthenticated, async () =>
        {
            using var call = server.Approvals().WatchQueue(new WatchQueueRequest());
            await call.ResponseStream.MoveNext(CancellationToken.None);
        }, "NOT_SIGNED_IN");
    }

    [Fact]
    public async Task A_fifth_watcher_of_one_officer_is_refused_and_a_place_frees_when_one_ends()
    {
        using var guard = new CancellationTokenSource(Guard);
        var officer = await server.SignInAsync("officer-mersin-2");
        // Something on the queue, so each watch's first snapshot item shows that it is subscribed.
        var item = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        var watchers = new List<Watcher>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var watcher = Watcher.Start(server, officer);
                watchers.Add(watcher);
                await watcher.NextAsync(c => c.Item.ApplicationId == item.Id, guard.Token);
            }
            var status = await Rpc.Refused(StatusCode.ResourceExhausted, async () =>
            {
                using var call = server.Approvals().WatchQueue(new WatchQueueRequest(), officer, cancellationToken: guard.Token);
                await call.ResponseStream.MoveNext(guard.Token);
            }, "TOO_MANY_WATCHERS");
            Assert.Equal("4", status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["limit"]);

            // Another officer is not affected by this one's watchers.
            await using (var other = Watcher.Start(server, await server.SignInAsync("officer-mersin-1")))
                await other.NextAsync(c => c.Item.ApplicationId == item.Id, guard.Token);

            await watchers[0].DisposeAsync();
            watchers.RemoveAt(0);
            // The server notices the cancelled stream shortly after; then the officer may watch again.
            while (true)
            {
                var again = Watcher.Start(server, officer);
                try
                {
                    await again.NextAsync(c => c.Item.ApplicationId == item.Id, guard.Token);
                    watchers.Add(again);
                    break;
                }
                catch (Exception e) when ((e as RpcException ?? e.InnerException as RpcException)?.StatusCode == StatusCode.ResourceExhausted)
                {
                    await again.DisposeAsync();
                    await Task.Delay(50, guard.Token);
                }
            }
        }
        finally
        {
            foreach (var w in watchers)
                await w.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_watch_ends_with_TOKEN_EXPIRED_when_the_token_expires()
    {
        using var guard = new CancellationTokenSource(Guard);
        // A token the server would have issued, 57 s ago with a one-minute lifetime: it expires in about 3 s.
        var tokens = new Signing.Server.Auth.SessionTokens(new Signing.Server.Configuration.AuthOptions { TokenKey = SigningServer.TokenKey, TokenMinutes = 1 },
            new ShiftedClock(TimeSpan.FromSeconds(-57)));
        var (token, expires) = tokens.Issue(new Signing.Server.Auth.Caller(Cards.Tckn("officer-mersin-1"), "Yetkili", new HashSet<string> { "officer" }, "33"));
        var officer = new Metadata { { "authorization", "Bearer " + token } };

        using var call = server.Approvals().WatchQueue(new WatchQueueRequest(), officer, cancellationToken: guard.Token);
        await Rpc.Refused(StatusCode.Unauthenticated, async () =>
        {
            while (await call.ResponseStream.MoveNext(guard.Token))
            {
            }
        }, "TOKEN_EXPIRED");
        // The token's exp claim is in whole seconds: the end comes at most a second before `expires`.
        Assert.True(DateTimeOffset.UtcNow >= expires - TimeSpan.FromSeconds(1.5), $"the watch ended at {DateTimeOffset.UtcNow:O}, before the token expired ({expires:O})");
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }

    /// <summary>A watch read in the background: every change with the moment it arrived, and all that was seen.</summary>
    internal sealed class Watcher : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<(QueueChange Change, long At)> _changes = Channel.CreateUnbounded<(QueueChange, long)>();
        private readonly AsyncServerStreamingCall<QueueChange> _call;
        private readonly Task _pump;

        public List<QueueChange> Seen { get; } = [];

        private Watcher(SigningServer server, Metadata headers)
        {
            _call = server.Approvals().WatchQueue(new WatchQueueRequest(), headers, cancellationToken: _stop.Token);
            _pump = Task.Run(async () =>
            {
                try
                {
                    while (await _call.ResponseStream.MoveNext(_stop.Token))
                        _changes.Writer.TryWrite((_call.ResponseStream.Current, Stopwatch.GetTimestamp()));
                    _changes.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    _changes.Writer.TryComplete(e);
                }
            });
        }

        public static Watcher Start(SigningServer server, Metadata headers) => new(server, headers);

        /// <summary>The next change matching <paramref name="match"/> (earlier ones are kept in <see cref="Seen"/>).</summary>
        public async Task<(QueueChange Change, long At)> NextAsync(Func<QueueChange, bool> match, CancellationToken ct)
        {
            while (true)
            {
                var next = await _changes.Reader.ReadAsync(ct);
                Seen.Add(next.Change);
                if (match(next.Change))
                    return next;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pump;
            _call.Dispose();
            _stop.Dispose();
        }
    }
}

/// <summary>A watch whose opening snapshot is cut at the server's limit says so, and how much was left out.</summary>
public sealed class WatchQueueSnapshotTests(WatchQueueSnapshotTests.SmallSnapshotServer server) : IClassFixture<WatchQueueSnapshotTests.SmallSnapshotServer>
{
    public sealed class SmallSnapshotServer : SigningServer
    {
        protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:Watch:SnapshotLimit"] = "3";
    }

    [Fact]
    public async Task A_cut_snapshot_says_so_on_its_last_item_and_a_whole_one_does_not()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 5; i++)
            await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        for (var i = 0; i < 2; i++)
            await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "01"));

        var mersin = await SnapshotAsync(await server.SignInAsync("officer-mersin-1"), 3, guard.Token);
        Assert.All(mersin, c => Assert.Equal(QueueChange.Types.Kind.Snapshot, c.Kind));
        Assert.All(mersin[..^1], c => Assert.False(c.SnapshotTruncated));
        Assert.True(mersin[^1].SnapshotTruncated);
        Assert.Equal(2, mersin[^1].SnapshotOmitted);

        var adana = await SnapshotAsync(await server.SignInAsync("officer-adana"), 2, guard.Token);
        Assert.All(adana, c => Assert.False(c.SnapshotTruncated));
        Assert.All(adana, c => Assert.Equal(0, c.SnapshotOmitted));
    }

    private async Task<List<QueueChange>> SnapshotAsync(Metadata officer, int count, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = server.Approvals().WatchQueue(new WatchQueueRequest(), officer, cancellationToken: stop.Token);
        var seen = new List<QueueChange>();
        while (seen.Count < count && await call.ResponseStream.MoveNext(ct))
            seen.Add(call.ResponseStream.Current);
        // Nothing more is sent: no further snapshot item arrives within a moment.
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quiet.CancelAfter(TimeSpan.FromMilliseconds(300));
        var more = await Scenario.StatusOf(async () => await call.ResponseStream.MoveNext(quiet.Token));
        Assert.NotEqual(StatusCode.OK, more);
        await stop.CancelAsync();
        return seen;
    }
}
