using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.Load;
using Signing.Load.Cluster;
using Xunit.Abstractions;

namespace Signing.Cluster.Tests;

/// <summary>Two nodes on one database behind HAProxy: what one node does, the other knows.</summary>
[Collection("cluster")]
public sealed class ClusterTests(ITestOutputHelper log)
{
    private static readonly LocalSetup Setup = LocalSetup.Discover();
    private static readonly WorldManifest World = WorldManifest.Load(Setup.ManifestPath);

    // The server built with these tests (Debug or Release as they are), never a stale build of the other configuration.
    private static readonly string ServerDll = Path.Combine(Setup.Repo, "src", "Signing.Server", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Signing.Server.dll");

    [ClusterFact]
    public async Task A_session_signed_in_on_node_A_is_accepted_by_node_B()
    {
        await using var cluster = await LocalCluster.StartAsync(Setup, World, new ClusterOptions { Nodes = 2, ServerDll = ServerDll });
        using var a = GrpcChannel.ForAddress(cluster.Nodes[0].Url);
        using var b = GrpcChannel.ForAddress(cluster.Nodes[1].Url);
        var card = SharedCard.Officer(World);
        string bearer;
        await SharedCard.Lock.WaitAsync();
        try
        {
            bearer = await GrpcQueue.SignInAsync(a, card.Key);
        }
        finally
        {
            SharedCard.Lock.Release();
        }
        var headers = new Metadata { { "authorization", "Bearer " + bearer } };

        var onB = await new SessionService.SessionServiceClient(b).WhoAmIAsync(new WhoAmIRequest(), headers);
        Assert.Contains("officer", onB.Roles);
        // A token the cluster never issued is refused on B: the check above is not vacuous.
        var forged = new Metadata { { "authorization", "Bearer " + bearer[..^4] + (bearer[^4..] == "AAAA" ? "BBBB" : "AAAA") } };
        var refused = await Assert.ThrowsAsync<RpcException>(() => new SessionService.SessionServiceClient(b).WhoAmIAsync(new WhoAmIRequest(), forged).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [ClusterFact]
    public async Task A_submission_on_node_A_reaches_a_queue_watcher_on_node_B()
    {
        await using var cluster = await LocalCluster.StartAsync(Setup, World, new ClusterOptions { Nodes = 2, ServerDll = ServerDll });
        using var a = GrpcChannel.ForAddress(cluster.Nodes[0].Url);
        using var b = GrpcChannel.ForAddress(cluster.Nodes[1].Url);
        string bearer;
        await SharedCard.Lock.WaitAsync();
        try
        {
            bearer = await GrpcQueue.SignInAsync(b, SharedCard.Officer(World).Key);
        }
        finally
        {
            SharedCard.Lock.Release();
        }
        using var watchEnd = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var watch = new ApprovalService.ApprovalServiceClient(b).WatchQueue(new WatchQueueRequest(),
            new Metadata { { "authorization", "Bearer " + bearer } }, cancellationToken: watchEnd.Token);
        var seen = Channel.CreateUnbounded<QueueChange>();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in watch.ResponseStream.ReadAllAsync(watchEnd.Token))
                    await seen.Writer.WriteAsync(change);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
            seen.Writer.TryComplete();
        });
        // The watch is open on B before A commits anything (its snapshot of an empty queue may be nothing at all).
        await Task.Delay(TimeSpan.FromSeconds(1));

        var item = IdentityPool.Build(World, "33", 1, 1, "watch" + Guid.NewGuid().ToString("N")[..8], DateTimeOffset.UtcNow)[0];
        var submitted = await new ApplicationService.ApplicationServiceClient(a).SubmitESignedAsync(
            new SubmitESignedRequest { Cms = ByteString.CopyFrom(item.Cms), ClientRequestId = item.RequestId },
            new Metadata { { "x-api-key", cluster.ApiKey } });

        // Generous: a change committed on A reaches B's watchers through PostgreSQL, not through A's memory.
        var added = false;
        try
        {
            await foreach (var change in seen.Reader.ReadAllAsync(watchEnd.Token))
            {
                if (change.Kind == QueueChange.Types.Kind.Added && change.Item.ApplicationId == submitted.Application.Id)
                {
                    added = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The minute ran out: reported below.
        }
        await watchEnd.CancelAsync();
        await reading;
        Assert.True(added, $"the watcher on {cluster.Nodes[1].Name} never saw application {submitted.Application.Id} submitted on {cluster.Nodes[0].Name}");
    }

    [ClusterFact(needsRoot: true)]
    public async Task Killing_a_node_under_load_loses_no_acknowledged_submission()
    {
        var report = await ChaosRun.ExecuteAsync(Setup, World, new ChaosOptions
        {
            ServerDll = ServerDll,
            Faults = ["kill-node"],
            Rounds = 1,
            Concurrency = 16,
            Deciders = 0,
            Rate = 100,
            Gap = TimeSpan.FromSeconds(4),
            KillDown = TimeSpan.FromSeconds(4),
            RetryBudget = TimeSpan.FromSeconds(60),
        });
        var kill = Assert.Single(report.Faults, f => f.Fault == "kill-node");
        // While node1 was down and coming back, the callers went on through node2.
        Assert.True(kill.Acknowledged > 0, "no submission was acknowledged while a node was down");
        Assert.Empty(report.Store.Lost);
        Assert.Empty(report.Store.DoubledRequestIds);
        Assert.Equal(0, report.Store.StreamsWithTwoSubmissions);
        Assert.True(report.Passed, string.Join("\n", report.Failures));
    }

    [ClusterFact(needsRoot: true)]
    public async Task A_short_chaos_run_passes_all_its_checks()
    {
        var report = await ChaosRun.ExecuteAsync(Setup, World, new ChaosOptions
        {
            ServerDll = ServerDll,
            Rounds = 1,
            Concurrency = 16,
            Deciders = 2,
            Rate = 80,
            Freeze = TimeSpan.FromSeconds(5),
            Gap = TimeSpan.FromSeconds(4),
            TokenAway = TimeSpan.FromSeconds(12),
            RetryBudget = TimeSpan.FromSeconds(60),
        });
        var output = new StringWriter();
        ClusterCommands.Print(report, new ChaosOptions { Concurrency = 16, Deciders = 2, Rate = 80 }, output);
        log.WriteLine(output.ToString());
        Assert.True(report.Acknowledged > 0, output.ToString());
        Assert.True(report.Passed, output.ToString());
    }
}
