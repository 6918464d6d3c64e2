using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Watcher = Signing.Server.Tests.WatchQueueTests.Watcher;

namespace Signing.Server.Tests;

/// <summary>
/// WatchQueue across nodes: two servers on one PostgreSQL database, each with its own sockets, challenges and queue
/// listener. What is committed on one node reaches the watchers of the other through PostgreSQL's notifications; when a
/// node's listener loses its connection, its watchers are told to watch again and a new watch sees everything again.
/// </summary>
public sealed class MultiNodeQueueTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_submission_and_decisions_on_node_A_reach_a_watcher_on_node_B_and_never_another_tenants_watcher()
    {
        using var guard = new CancellationTokenSource(Guard);
        var (a, b) = (nodes.A, nodes.B);
        var existing = await a.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        var adanaExisting = await a.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "01"));
        await using var mersin = Watcher.Start(b, await b.SignInAsync("officer-mersin-1"));
        await using var adana = Watcher.Start(b, await b.SignInAsync("officer-adana"));
        // Each snapshot's item means that watch is subscribed on B.
        Assert.Equal(QueueChange.Types.Kind.Snapshot, (await mersin.NextAsync(c => c.Item.ApplicationId == existing.Id, guard.Token)).Change.Kind);
        Assert.Equal(QueueChange.Types.Kind.Snapshot, (await adana.NextAsync(c => c.Item.ApplicationId == adanaExisting.Id, guard.Token)).Change.Kind);

        // Everything below happens on node A.
        var first = await a.SignInAsync("officer-mersin-1");
        var second = await a.SignInAsync("officer-mersin-2");
        var registered = await a.SubmitApprovableAsync("33", first);
        Assert.Equal(QueueChange.Types.Kind.Added, (await mersin.NextAsync(c => c.Item.ApplicationId == registered.Id, guard.Token)).Change.Kind);
        var paper = await mersin.NextAsync(c => c.Item.ApplicationId == registered.Id, guard.Token);
        Assert.Equal(QueueChange.Types.Kind.Updated, paper.Change.Kind);
        Assert.Equal(registered.Version, paper.Change.Item.Version);

        await a.DecideAsync("officer-mersin-1", first, registered.Id, Decision.Approve);
        var approved = await mersin.NextAsync(c => c.Item.ApplicationId == registered.Id, guard.Token);
        Assert.Equal(QueueChange.Types.Kind.Updated, approved.Change.Kind);
        Assert.Equal(1, approved.Change.Item.Approvals);
        await a.DecideAsync("officer-mersin-2", second, registered.Id, Decision.Approve);
        Assert.Equal(QueueChange.Types.Kind.Removed, (await mersin.NextAsync(c => c.Item.ApplicationId == registered.Id, guard.Token)).Change.Kind);

        // Adana's own change arrives after all of Mersin's, and none of Mersin's came before it.
        var adanaNew = await a.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "01"));
        Assert.Equal(QueueChange.Types.Kind.Added, (await adana.NextAsync(c => c.Item.ApplicationId == adanaNew.Id, guard.Token)).Change.Kind);
        Assert.DoesNotContain(adana.Seen, c => c.Item.ApplicationId == registered.Id || c.Item.ApplicationId == existing.Id);
        Assert.DoesNotContain(mersin.Seen, c => c.Item.ApplicationId == adanaNew.Id || c.Item.ApplicationId == adanaExisting.Id);
    }

    [Fact]
    public async Task When_the_listeners_connection_is_killed_every_watcher_ends_with_ABORTED_and_a_new_watch_sees_new_submissions()
    {
        using var guard = new CancellationTokenSource(Guard);
        var (a, b) = (nodes.A, nodes.B);
        var item = await a.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        var officerB = await b.SignInAsync("officer-mersin-1");
        var onA = Watcher.Start(a, await a.SignInAsync("officer-mersin-2"));
        var onB = Watcher.Start(b, officerB);
        try
        {
            await onA.NextAsync(c => c.Item.ApplicationId == item.Id, guard.Token);
            await onB.NextAsync(c => c.Item.ApplicationId == item.Id, guard.Token);

            // PostgreSQL ends the listeners' sessions (as a restart or a failover would): notifications sent until they
            // listen again are lost to them.
            Assert.Equal(2, await TerminateListenersAsync());
            foreach (var ended in new[] { onA, onB })
                await Rpc.Refused(StatusCode.Aborted, () => Unwrapped(ended.NextAsync(_ => false, guard.Token)), "WATCH_INTERRUPTED");
        }
        finally
        {
            await onA.DisposeAsync();
            await onB.DisposeAsync();
        }

        // Watching again on B works once its listener is back (until then: UNAVAILABLE, retry), and sees A's new submission.
        await using var again = await WatchAgainAsync(b, officerB, item.Id, guard.Token);
        var added = await a.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        Assert.Equal(QueueChange.Types.Kind.Added, (await again.NextAsync(c => c.Item.ApplicationId == added.Id, guard.Token)).Change.Kind);

        // One warning per outage, not one per reconnect attempt.
        Assert.Single(b.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("queue feed lost its database connection"));
        Assert.Contains(b.Logs.Entries, e => e.Message.Contains("queue feed listens again"));
    }

    private async Task<long> TerminateListenersAsync()
    {
        await using var admin = new NpgsqlConnection(nodes.A.Database.AdminConnectionString);
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = @db and query ilike 'LISTEN%'", admin);
        kill.Parameters.AddWithValue("db", nodes.A.Database.DatabaseName);
        return (long)(await kill.ExecuteScalarAsync())!;
    }

    private static async Task<Watcher> WatchAgainAsync(SigningServer server, Metadata officer, string snapshotItem, CancellationToken ct)
    {
        while (true)
        {
            var watcher = Watcher.Start(server, officer);
            try
            {
                await watcher.NextAsync(c => c.Item.ApplicationId == snapshotItem, ct);
                return watcher;
            }
            catch (Exception e) when ((e as RpcException ?? e.InnerException as RpcException)?.StatusCode is StatusCode.Unavailable or StatusCode.Aborted)
            {
                await watcher.DisposeAsync();
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>The watch's own status, not the channel's wrapper around it.</summary>
    private static async Task Unwrapped(Task read)
    {
        try
        {
            await read;
        }
        catch (ChannelClosedException e) when (e.InnerException is RpcException rpc)
        {
            throw rpc;
        }
    }
}
