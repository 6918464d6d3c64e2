using System.Diagnostics;
using CsCheck;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Signing.Domain;
using Xunit.Abstractions;

namespace Signing.Hostile.Tests;

/// <summary>
/// Generated hostile requests for every RPC of esign.v1, as every kind of caller, against the real server. Each call ends
/// in OK or a documented status carrying an ErrorInfo reason from ErrorCodes (and field violations for INVALID_ARGUMENT);
/// never INTERNAL or UNKNOWN, never an error logged with an exception, and a refused call leaves every table unchanged.
/// SIGNING_HOSTILE_CASES sets the number of cases (the build's --long sets a million), SIGNING_HOSTILE_SECONDS a time
/// budget instead; SIGNING_HOSTILE_SEED replays a failure with the seed CsCheck printed.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class HostileInputTests(HostileWorld world, ITestOutputHelper output)
{
    public const string CasesVariable = "SIGNING_HOSTILE_CASES";
    public const string SeedVariable = "SIGNING_HOSTILE_SEED";
    public const string SecondsVariable = "SIGNING_HOSTILE_SECONDS";
    private const int DefaultCases = 10_000;
    private const int RowCountEvery = 250;

    private static readonly StatusCode[] Documented =
    [
        StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.NotFound, StatusCode.AlreadyExists,
        StatusCode.PermissionDenied, StatusCode.Unauthenticated, StatusCode.ResourceExhausted, StatusCode.Aborted, StatusCode.OutOfRange,
    ];

    private static readonly HashSet<string> Reasons = typeof(ErrorCodes).GetFields()
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    [Fact]
    public async Task Every_generated_request_ends_in_OK_or_a_documented_refusal_that_wrote_nothing()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out var n) && n > 0 ? n : DefaultCases;
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } s ? s : null;
        // A time budget instead of a count, for a long run that must end by a given hour.
        var seconds = int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), out var t) && t > 0 ? t : -1;
        var lastEvent = await world.LastEventAsync();
        var rows = await world.CountRowsAsync();
        var done = 0;
        var mayHaveWritten = false;
        var clock = Stopwatch.StartNew();
        long callTicks = 0, countTicks = 0;

        // Every kind of violation once, with its first case: CsCheck reports only the simplest failure, this lists them all.
        var findings = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        // One thread: the last event is read after each call, so an append is blamed on the call that made it; every
        // other table is counted every few hundred cases, and must not change over a stretch of refused calls.
        await Generators.Case.SampleAsync(async c =>
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await CallAsync(c);
            var called = Stopwatch.GetTimestamp();
            var events = await world.LastEventAsync();
            var appended = events != lastEvent;
            lastEvent = events;
            mayHaveWritten |= outcome.Code == StatusCode.OK;
            string? tablesChanged = null;
            if (++done % RowCountEvery == 0)
            {
                var now = await world.CountRowsAsync();
                if (now != rows && !mayHaveWritten)
                    tablesChanged = $"the store's tables went from {rows} to {now} rows over the last {RowCountEvery} cases, all refused";
                (rows, mayHaveWritten) = (now, false);
            }
            Interlocked.Add(ref callTicks, called - started);
            Interlocked.Add(ref countTicks, Stopwatch.GetTimestamp() - called);
            if (Violation(outcome, appended, tablesChanged) is not { } v)
                return outcome.Class;
            findings.TryAdd(c.Method.Name + ": " + v.Kind, c + " → " + v.Message);
            throw new Xunit.Sdk.XunitException(v.Message);
        }, output.WriteLine, seed: seed, iter: cases, time: seconds, threads: 1, print: c => c.ToString()).ContinueWith(t =>
        {
            output.WriteLine($"{done} cases in {clock.Elapsed.TotalSeconds:0.0} s ({done / clock.Elapsed.TotalSeconds:0} cases/s; "
                + $"calls {Stopwatch.GetElapsedTime(0, callTicks).TotalSeconds:0.0} s, store reads {Stopwatch.GetElapsedTime(0, countTicks).TotalSeconds:0.0} s)");
            foreach (var (kind, example) in findings.OrderBy(f => f.Key))
                output.WriteLine($"FINDING {kind}\n    {example}");
            return t;
        }).Unwrap();

        // Still serving after all of it.
        var challenge = await Server.Tests.Infrastructure.Scenario.Certificates(world.Server).CreateChallengeAsync(new Contracts.V1.CreateChallengeRequest());
        Assert.Equal(32, challenge.Nonce.Length);
    }

    private sealed record Outcome(StatusCode Code, RpcException? Error, string Class, List<string> LoggedErrors);

    private async Task<Outcome> CallAsync(HostileCase c)
    {
        var rpc = c.Method;
        var request = c.FromTemplate ? await world.TemplateAsync(rpc) : (IMessage)Activator.CreateInstance(rpc.Input.ClrType)!;
        foreach (var change in c.Changes)
            Generators.Apply(request, change, world);
        var wire = request.ToByteArray();
        if (c.WireKind != HostileCase.NoWireChange)
            wire = Wire.Mutate(wire, rpc.Input, c.WireKind, c.WireA, c.WireB);
        var headers = await world.CallerAsync(c.Caller);
        while (world.Server.Logs.Entries.TryDequeue(out _)) { }

        var code = StatusCode.OK;
        RpcException? error = null;
        try
        {
            if (rpc.Streaming)
                await WatchAsync(rpc, headers, wire);
            else
                await world.Invoker.AsyncUnaryCall(rpc.Method, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), wire);
        }
        catch (RpcException e)
        {
            (code, error) = (e.StatusCode, e);
        }
        var logged = world.Server.Logs.Entries.Where(e => e.Level >= LogLevel.Error)
            .Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}").ToList();
        return new Outcome(code, error, $"{rpc.Name} {code}", logged);
    }

    /// <summary>A watch that was accepted sends its snapshot and stays open: read what comes at once, then hang up.</summary>
    private async Task WatchAsync(RawRpc rpc, Metadata headers, byte[] wire)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        using var call = world.Invoker.AsyncServerStreamingCall(rpc.Method, null, new CallOptions(headers, cancellationToken: stop.Token), wire);
        try
        {
            while (await call.ResponseStream.MoveNext(stop.Token)) { }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
        {
            // our own hang-up, not the server's answer
        }
    }

    /// <summary>What is wrong with the outcome (a short kind, to list each finding once, and the whole story), or null.</summary>
    private static (string Kind, string Message)? Violation(Outcome outcome, bool appended, string? tablesChanged)
    {
        if (tablesChanged is not null)
            return ("refused calls wrote", tablesChanged);
        if (outcome.LoggedErrors.Count > 0)
            return ($"logged error {outcome.LoggedErrors[0].Split(':')[0]}, answered {outcome.Code}",
                $"answered {outcome.Code} {outcome.Error?.Status.Detail}, and the server logged an error: {string.Join(" | ", outcome.LoggedErrors)}");
        if (outcome.Code == StatusCode.OK)
            return null;
        var e = outcome.Error!;
        if (!Documented.Contains(outcome.Code))
            return ($"status {outcome.Code}", $"undocumented status {outcome.Code}: {e.Status.Detail}");
        var status = e.GetRpcStatus();
        if (status is null)
            return ($"{outcome.Code} without details", $"{outcome.Code} without google.rpc details: {e.Status.Detail}");
        var info = status.GetDetail<ErrorInfo>();
        if (info is null)
            return ($"{outcome.Code} without ErrorInfo", $"{outcome.Code} without ErrorInfo: {e.Status.Detail}");
        if (!Reasons.Contains(info.Reason))
            return ($"reason {info.Reason}", $"{outcome.Code} with reason {info.Reason}, not one of ErrorCodes");
        if (outcome.Code == StatusCode.InvalidArgument && status.GetDetail<BadRequest>() is not { FieldViolations.Count: > 0 })
            return ($"INVALID_ARGUMENT {info.Reason} without field violations", $"INVALID_ARGUMENT {info.Reason} without field violations: {e.Status.Detail}");
        if (appended)
            return ($"{outcome.Code} {info.Reason} appended", $"refused ({outcome.Code} {info.Reason}) but an event was appended");
        return null;
    }
}
