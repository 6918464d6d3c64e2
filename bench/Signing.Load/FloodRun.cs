using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.Tokens;

namespace Signing.Load;

/// <summary>
/// `flood`: one address sends CreateChallenge as fast as it can while a card holder on another loopback address signs
/// in again and again; the card holder's sign-in latency is measured first alone, then during the flood. The server
/// listens on 127.0.0.1; the card holder's sockets are bound to 127.0.0.2, so the server sees two client addresses.
/// </summary>
public static class FloodRun
{
    public static Command Command()
    {
        var server = new Option<string?>("--server") { Description = "URL of a running server (h2c) on 127.0.0.1. Default: start one on a fresh database." };
        var calls = new Option<int>("--calls") { Description = "CreateChallenge calls the flood sends.", DefaultValueFactory = _ => 50_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Flood calls in flight at once.", DefaultValueFactory = _ => 64 };
        var quiet = new Option<int>("--quiet-sign-ins") { Description = "Sign-ins timed without the flood (after 20 unmeasured).", DefaultValueFactory = _ => 100 };
        var interval = new Option<int>("--interval-ms")
        {
            Description = "Pause between the card holder's sign-ins: a person, not a second flood (two open calls each, well under the per-address limit).",
            DefaultValueFactory = _ => 100,
        };
        var floodAddress = new Option<string>("--flood-from") { Description = "Local address the flood's sockets leave from.", DefaultValueFactory = _ => "127.0.0.1" };
        var clientAddress = new Option<string>("--client-from") { Description = "Local address the card holder's sockets leave from.", DefaultValueFactory = _ => "127.0.0.2" };
        var serverArg = new Option<string[]>("--server-arg") { Description = "An extra argument for a started server (repeatable), e.g. --server-arg=--Signing:RateLimits:Enabled=false." };
        var command = new Command("flood",
            "Sign-in latency of one card holder (officer-mersin-1's token, from --client-from) alone and while --calls CreateChallenge calls come from --flood-from; " +
            "prints p50/p99 of both and how many flood calls were refused. Exit 1 if a sign-in failed during the flood.")
        {
            server, calls, concurrency, quiet, interval, floodAddress, clientAddress, serverArg,
        };
        command.SetAction(async (parse, _) => await ExecuteAsync(parse.GetValue(server), Positive(parse.GetValue(calls), "--calls"),
            Positive(parse.GetValue(concurrency), "--concurrency"), Positive(parse.GetValue(quiet), "--quiet-sign-ins"),
            TimeSpan.FromMilliseconds(Positive(parse.GetValue(interval), "--interval-ms")), IPAddress.Parse(parse.GetValue(floodAddress)!), IPAddress.Parse(parse.GetValue(clientAddress)!), parse.GetValue(serverArg) ?? []));
        return command;
    }

    public sealed record Numbers(string Phase, int SignIns, int Failed, double P50Ms, double P99Ms, double MaxMs);

    private static async Task<int> ExecuteAsync(string? url, int calls, int concurrency, int quietSignIns, TimeSpan interval, IPAddress floodFrom, IPAddress clientFrom,
        IReadOnlyList<string> serverArgs)
    {
        var setup = LocalSetup.Discover();
        var world = WorldManifest.Load(setup.ManifestPath);
        if (url is not null)
            return await MeasureAsync(url, world, calls, concurrency, quietSignIns, interval, floodFrom, clientFrom);
        var database = "load_flood_" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await setup.CreateDatabaseAsync(database);
        Process? process = null;
        try
        {
            // The flood and the card holder need no system client.
            (process, var serverUrl) = await LoadRun.StartServerAsync(setup, world, database, null, serverArgs, null, database);
            return await MeasureAsync(serverUrl, world, calls, concurrency, quietSignIns, interval, floodFrom, clientFrom);
        }
        finally
        {
            if (process is { HasExited: false })
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process?.Dispose();
            await setup.DropDatabaseAsync(database);
        }
    }

    private static async Task<int> MeasureAsync(string url, WorldManifest world, int calls, int concurrency, int quietSignIns, TimeSpan interval, IPAddress floodFrom, IPAddress clientFrom)
    {
        using var card = GrpcQueue.OfficerCard(world);
        using var clientChannel = ChannelFrom(url, clientFrom);
        Console.Error.WriteLine($"flood: warming up (20 sign-ins from {clientFrom}), then {quietSignIns} timed, one every {interval.TotalMilliseconds:0} ms…");
        await SignInsAsync(clientChannel, card.Key, 20, interval, () => false);
        var alone = Summarise("alone", await SignInsAsync(clientChannel, card.Key, quietSignIns, interval, () => false));
        Console.Error.WriteLine(Line(alone));

        using var floodChannel = ChannelFrom(url, floodFrom);
        var flood = new CertificateService.CertificateServiceClient(floodChannel);
        var statuses = new ConcurrentDictionary<StatusCode, int>();
        var next = 0;
        var done = 0;
        Console.Error.WriteLine($"flood: {calls:N0} CreateChallenge from {floodFrom}, {concurrency} in flight, while {clientFrom} signs in…");
        var clock = Stopwatch.StartNew();
        var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= calls)
            {
                StatusCode status;
                try
                {
                    await flood.CreateChallengeAsync(new CreateChallengeRequest());
                    status = StatusCode.OK;
                }
                catch (RpcException e)
                {
                    status = e.StatusCode;
                }
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        })).ToArray();
        var floodDone = Task.WhenAll(senders).ContinueWith(_ => Volatile.Write(ref done, 1), TaskScheduler.Default);
        var during = Summarise("during flood", await SignInsAsync(clientChannel, card.Key, int.MaxValue, interval, () => Volatile.Read(ref done) == 1));
        await floodDone;
        var seconds = clock.Elapsed.TotalSeconds;

        var refused = statuses.GetValueOrDefault(StatusCode.ResourceExhausted);
        var accepted = statuses.GetValueOrDefault(StatusCode.OK);
        var other = statuses.Where(s => s.Key is not (StatusCode.OK or StatusCode.ResourceExhausted)).ToList();
        Console.WriteLine();
        Console.WriteLine($"sign-in (CreateChallenge + proof on the card + SignIn) from {clientFrom}, one every {interval.TotalMilliseconds:0} ms; flood of {calls:N0} CreateChallenge from {floodFrom}, {concurrency} in flight");
        Console.WriteLine($"{"phase",-13} {"sign-ins",8} {"failed",6} {"p50 ms",7} {"p99 ms",7} {"max ms",7}");
        Console.WriteLine(Line(alone));
        Console.WriteLine(Line(during));
        var others = other.Count == 0 ? "" : ", other: " + string.Join(", ", other.Select(o => $"{o.Key}={o.Value}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flood: {calls:N0} calls in {seconds:F1} s ({calls / seconds:N0}/s): {accepted:N0} answered, {refused:N0} refused RESOURCE_EXHAUSTED{others}"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind = "signing-load-flood",
            calls,
            concurrency,
            floodSeconds = Math.Round(seconds, 2),
            floodAnswered = accepted,
            floodRefused = refused,
            floodOther = other.ToDictionary(o => o.Key.ToString(), o => o.Value),
            alone,
            during,
        }));
        return during.Failed == 0 && during.SignIns > 0 ? 0 : 1;
    }

    /// <summary>Sign-ins one after another until <paramref name="count"/> or <paramref name="stop"/>; the time of each, or null when it failed.</summary>
    private static async Task<List<double?>> SignInsAsync(GrpcChannel channel, SigningKey key, int count, TimeSpan interval, Func<bool> stop)
    {
        var times = new List<double?>();
        while (times.Count < count && !stop())
        {
            var begin = Stopwatch.GetTimestamp();
            try
            {
                await GrpcQueue.SignInAsync(channel, key);
                times.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"flood: a sign-in failed: {e.StatusCode} {e.Status.Detail}");
                times.Add(null);
            }
            await Task.Delay(interval);
        }
        return times;
    }

    private static Numbers Summarise(string phase, List<double?> times)
    {
        var ok = times.OfType<double>().Order().ToArray();
        double Pct(double q) => ok.Length == 0 ? 0 : Math.Round(ok[Math.Min(ok.Length - 1, (int)Math.Ceiling(q * ok.Length) - 1)], 2);
        return new Numbers(phase, times.Count, times.Count - ok.Length, Pct(0.50), Pct(0.99), ok.Length == 0 ? 0 : Math.Round(ok[^1], 2));
    }

    private static string Line(Numbers n) =>
        string.Create(CultureInfo.InvariantCulture, $"{n.Phase,-13} {n.SignIns,8} {n.Failed,6} {n.P50Ms,7:F1} {n.P99Ms,7:F1} {n.MaxMs,7:F1}");

    /// <summary>An h2c channel whose sockets leave from <paramref name="local"/>, so the server sees that client address.</summary>
    private static GrpcChannel ChannelFrom(string url, IPAddress local) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectCallback = Signing.Bench.SocketsFrom.Address(local) },
    });

    private static int Positive(int value, string name) => value > 0 ? value : throw new ArgumentException($"{name} must be positive, not {value}");
}
