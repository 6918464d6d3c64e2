using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// WatchQueue through the REST transcoding (GET /v1/queue:watch) on the HTTP/1.1 port, as the browser desk reads it with
/// fetch: one JSON QueueChange per line, each arriving while the response is still open.
/// </summary>
public sealed class RestWatchTests(LiveSigningServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LiveSigningServer>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(40);

    private HttpClient Http() => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}"),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static async Task<HttpResponseMessage> WatchAsync(HttpClient http, string? authorization, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/queue:watch");
        if (authorization is not null)
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>The next non-empty line, parsed; null when the response ended.</summary>
    private static async Task<JsonElement?> NextLineAsync(StreamReader reader, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Trim().Length == 0)
                continue;
            using var json = JsonDocument.Parse(line);
            return json.RootElement.Clone();
        }
        return null;
    }

    [Fact]
    public async Task The_snapshot_comes_first_then_a_new_submission_arrives_as_an_ADDED_line_on_the_open_response()
    {
        using var guard = new CancellationTokenSource(Guard);
        var officer = await server.SignInAsync("officer-mersin-1");
        var existing = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));

        using var http = Http();
        using var response = await WatchAsync(http, officer.GetValue("authorization"), guard.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));

        var first = await NextLineAsync(reader, guard.Token);
        Assert.NotNull(first);
        Assert.Equal("KIND_SNAPSHOT", first.Value.GetProperty("kind").GetString());
        JsonElement? line = first;
        while (line is { } l && l.GetProperty("item").GetProperty("applicationId").GetString() != existing.Id)
        {
            Assert.Equal("KIND_SNAPSHOT", l.GetProperty("kind").GetString());
            line = await NextLineAsync(reader, guard.Token);
        }
        Assert.NotNull(line);
        Assert.Equal(existing.Code, line.Value.GetProperty("item").GetProperty("code").GetString());

        // Another client submits while the response stays open: its row comes as one more line.
        var clock = Stopwatch.StartNew();
        var added = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        JsonElement? change;
        do
            change = await NextLineAsync(reader, guard.Token);
        while (change is { } c && c.GetProperty("item").GetProperty("applicationId").GetString() != added.Id);
        Assert.NotNull(change); // null would mean the response ended instead
        output.WriteLine($"the ADDED line arrived {clock.ElapsedMilliseconds} ms after the submission was sent");
        Assert.Equal("KIND_ADDED", change.Value.GetProperty("kind").GetString());
        Assert.Equal("AWAITING_PAPER", change.Value.GetProperty("item").GetProperty("status").GetString());
        Assert.Equal(["PAPER"], change.Value.GetProperty("item").GetProperty("lacks").EnumerateArray().Select(e => e.GetString()));

        // And the officer's own write on it comes as an UPDATED line on the same response.
        await server.Approvals().RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = added.Id, Copies = 2 }, officer);
        do
            change = await NextLineAsync(reader, guard.Token);
        while (change is { } u && u.GetProperty("item").GetProperty("applicationId").GetString() != added.Id);
        Assert.NotNull(change);
        Assert.Equal("KIND_UPDATED", change.Value.GetProperty("kind").GetString());
        Assert.Equal("AWAITING_APPROVAL", change.Value.GetProperty("item").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_a_bearer_token_the_watch_is_401_with_the_JSON_error_body()
    {
        using var guard = new CancellationTokenSource(Guard);
        using var http = Http();
        using var response = await WatchAsync(http, null, guard.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(guard.Token));
        Assert.Equal((int)StatusCode.Unauthenticated, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("NOT_SIGNED_IN", body.RootElement.GetProperty("details").GetRawText());
    }

    [Fact]
    public async Task An_applicants_watch_is_403_with_the_JSON_error_body()
    {
        using var guard = new CancellationTokenSource(Guard);
        var doctor = await server.SignInAsync("doctor");
        using var http = Http();
        using var response = await WatchAsync(http, doctor.GetValue("authorization"), guard.Token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(guard.Token));
        Assert.Equal((int)StatusCode.PermissionDenied, body.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task When_the_token_expires_the_last_line_is_the_UNAUTHENTICATED_status_and_the_response_ends()
    {
        using var guard = new CancellationTokenSource(Guard);
        await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        // A token the server would have issued 50 s ago with a one-minute lifetime: it expires in about 10 s, time enough
        // for the snapshot to be sent first even on a busy machine.
        var tokens = new Signing.Server.Auth.SessionTokens(new Signing.Server.Configuration.AuthOptions { TokenKey = SigningServer.TokenKey, TokenMinutes = 1 },
            new ShiftedClock(TimeSpan.FromSeconds(-50)));
        var (token, _) = tokens.Issue(new Signing.Server.Auth.Caller(Cards.Tckn("officer-mersin-2"), "Yetkili", new HashSet<string> { "officer" }, "33"));

        using var http = Http();
        using var response = await WatchAsync(http, "Bearer " + token, guard.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the stream started: its end cannot change the status any more
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
        var lines = new List<JsonElement>();
        while (await NextLineAsync(reader, guard.Token) is { } line)
            lines.Add(line);
        Assert.True(lines.Count >= 2, "at least one snapshot line, then the status");
        // The snapshot first; a change another test makes to Mersin's queue meanwhile may follow it as a change line.
        Assert.Equal("KIND_SNAPSHOT", lines[0].GetProperty("kind").GetString());
        Assert.All(lines[..^1], l => Assert.True(l.TryGetProperty("kind", out _), "a queue change before the status: " + l.GetRawText()));
        var last = lines[^1];
        Assert.False(last.TryGetProperty("kind", out _), "the last line is the status, not a change");
        output.WriteLine("last line: " + last.GetRawText());
        Assert.Equal((int)StatusCode.Unauthenticated, last.GetProperty("code").GetInt32());
        Assert.Contains("TOKEN_EXPIRED", last.GetProperty("details").GetRawText());
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}
