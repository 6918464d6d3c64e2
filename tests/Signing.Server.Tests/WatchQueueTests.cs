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
        // The one latency requirement: seen within a second of the other client sending it.
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

    /// <summary>A watch read in the background: every change with the moment it arrived, and all that was seen.</summary>
    private sealed class Watcher : IAsyncDisposable
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
