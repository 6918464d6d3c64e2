using Signing.Verification;

namespace Signing.Revocation.Tests;

/// <summary>The background refresh, the on-demand fetch and the health, against the loopback server.</summary>
public sealed class RefresherTests : IAsyncLifetime
{
    private readonly TestPki _pki = new("Refresh Root");
    private TestServer _server = null!;
    private readonly HttpClient _http = new();
    private readonly CancellationTokenSource _stop = new();
    private long _crlNumber;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static RevocationFetchOptions FastOptions() => new()
    {
        HttpTimeout = TimeSpan.FromSeconds(5),
        OnDemandTimeout = TimeSpan.FromSeconds(5),
        RefreshFraction = 0.5,
        MinimumLead = TimeSpan.Zero,
        TickInterval = TimeSpan.FromMilliseconds(100),
        RetryInitial = TimeSpan.FromMilliseconds(200),
        RetryMaximum = TimeSpan.FromMilliseconds(500),
        UnhealthyAfterFailing = TimeSpan.FromSeconds(1),
    };

    private RevocationRefresher Refresher(RevocationFetchOptions options, out Task running)
    {
        var refresher = new RevocationRefresher(options, new MemoryRevocationSource(), new OcspClient(_http, options), new CrlFetcher(_http, options));
        running = refresher.RunAsync(_stop.Token);
        return refresher;
    }

    /// <summary>Each download is the next CRL: a new number, valid for four seconds from now.</summary>
    private void ServeShortCrls() => _server.Serve("/crl", "application/pkix-crl", _ =>
        _pki.Crl(Interlocked.Increment(ref _crlNumber), DateTime.UtcNow, TimeSpan.FromSeconds(4)));

    private ParsedCrl? Held(RevocationRefresher refresher) => refresher.Source.Crls.SingleOrDefault(c => c.Issuer.Equivalent(_pki.Ca.Subject));

    [Fact]
    public async Task A_crl_valid_for_four_seconds_is_replaced_before_it_expires()
    {
        ServeShortCrls();
        var options = FastOptions();
        options.CrlUrls.Add(_server.Url("/crl"));
        var refresher = Refresher(options, out _);
        await Eventually.TrueAsync(() => Held(refresher) is not null, "the first CRL is held");
        var first = Held(refresher)!;
        var firstNext = first.NextUpdate!.Value;
        await Eventually.TrueAsync(() => DateTime.UtcNow > firstNext.AddSeconds(1), "the first CRL's nextUpdate has passed");
        var now = Held(refresher)!;
        Assert.True(now.CrlNumber!.CompareTo(first.CrlNumber) > 0, $"CRL {now.CrlNumber} replaced {first.CrlNumber}");
        Assert.True(now.NextUpdate > firstNext);
        Assert.Equal(RevocationHealthStatus.Healthy, refresher.Health().Status);
    }

    [Fact]
    public async Task Health_turns_unhealthy_when_the_crl_url_is_down_past_nextUpdate_and_healthy_when_it_returns()
    {
        ServeShortCrls();
        var options = FastOptions();
        var url = _server.Url("/crl");
        options.CrlUrls.Add(url);
        var refresher = Refresher(options, out _);
        await Eventually.TrueAsync(() => Held(refresher) is not null, "the first CRL is held");
        _server.Fail("/crl", 503);
        await Eventually.TrueAsync(() => refresher.Health().Status == RevocationHealthStatus.Unhealthy, "unhealthy once the CRL lapsed");
        var report = refresher.Health();
        var crl = Assert.Single(report.Sources, s => s.Url == url);
        Assert.Equal(RevocationHealthStatus.Unhealthy, crl.Status);
        Assert.Contains(url, crl.Problem);
        Assert.Contains("past its nextUpdate", crl.Problem);
        Assert.Contains("503", crl.LastError);
        Assert.True(crl.Age > TimeSpan.FromSeconds(4));

        ServeShortCrls();
        await Eventually.TrueAsync(() => refresher.Health().Status == RevocationHealthStatus.Healthy, "healthy again once the URL serves");
        Assert.True(Held(refresher)!.NextUpdate > DateTime.UtcNow.AddSeconds(-1));
    }

    [Fact]
    public async Task Background_fetches_keep_to_their_budget_a_waiting_request_does_not_and_the_ticks_fetch_the_rest()
    {
        _server.Serve("/ocsp", OcspClient.ResponseMediaType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        ServeShortCrls();
        var options = FastOptions();
        options.BackgroundOcspPerSecond = 2;
        var refresher = new RevocationRefresher(options, new MemoryRevocationSource(), new OcspClient(_http, options), new CrlFetcher(_http, options));
        var leaves = Enumerable.Range(0, 5).Select(_ => _pki.Leaf(_server.Url("/ocsp"), _server.Url("/crl"))).ToList();

        // Five first-seen certificates answered without OCSP: two background fetches start, three wait for a tick.
        await Task.WhenAll(leaves.Select(leaf => refresher.EnsureAsync([leaf, _pki.Ca], CancellationToken.None, background: true)));
        await Task.Delay(300);
        Assert.Equal(2, _server.Hits("/ocsp"));
        Assert.Equal(2, leaves.Count(leaf => refresher.Source.FindOcsp(leaf, _pki.Ca) is not null));

        // A request that waits for its answer is not held back by the budget.
        var waiting = _pki.Leaf(_server.Url("/ocsp"), _server.Url("/crl"));
        await refresher.EnsureAsync([waiting, _pki.Ca], CancellationToken.None);
        Assert.NotNull(refresher.Source.FindOcsp(waiting, _pki.Ca));
        Assert.Equal(3, _server.Hits("/ocsp"));

        // The refresh loop starts the three that waited, two a second.
        _ = refresher.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => leaves.All(leaf => refresher.Source.FindOcsp(leaf, _pki.Ca) is not null), "every certificate's answer is held");
        Assert.Equal(6, _server.Hits("/ocsp"));
    }

    [Fact]
    public async Task A_first_seen_certificate_is_fetched_once_for_concurrent_callers_and_a_hit_fetches_nothing()
    {
        var release = new TaskCompletionSource();
        _server.Handle("/ocsp", async (context, body) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            context.Response.ContentType = OcspClient.ResponseMediaType;
            await context.Response.Body.WriteAsync(_pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        });
        ServeShortCrls();
        var options = FastOptions();
        // Not started: only the on-demand path runs.
        var refresher = new RevocationRefresher(options, new MemoryRevocationSource(), new OcspClient(_http, options), new CrlFetcher(_http, options));
        var leaf = _pki.Leaf(_server.Url("/ocsp"), _server.Url("/crl"));
        var chain = new[] { leaf, _pki.Ca };

        var callers = Enumerable.Range(0, 8).Select(_ => refresher.EnsureAsync(chain, CancellationToken.None)).ToList();
        await Eventually.TrueAsync(() => _server.Hits("/ocsp") >= 1, "the responder is asked");
        release.SetResult();
        await Task.WhenAll(callers);
        Assert.Equal(1, _server.Hits("/ocsp"));
        Assert.NotNull(refresher.Source.FindOcsp(leaf, _pki.Ca));

        await Eventually.TrueAsync(() => Held(refresher) is not null, "the CRL fetched beside it is held");
        var (generation, crlHits) = (refresher.Source.Generation, _server.Hits("/crl"));
        Assert.True(refresher.EnsureAsync(chain, CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(1, _server.Hits("/ocsp"));
        Assert.Equal(crlHits, _server.Hits("/crl"));
        Assert.Equal(generation, refresher.Source.Generation);
    }

    [Fact]
    public async Task A_failing_responder_is_retried_with_backoff_and_reported()
    {
        _server.Fail("/down", 500);
        var options = FastOptions();
        var refresher = new RevocationRefresher(options, new MemoryRevocationSource(), new OcspClient(_http, options), new CrlFetcher(_http, options));
        var leaf = _pki.Leaf(_server.Url("/down"), null);
        await refresher.EnsureAsync([leaf, _pki.Ca], CancellationToken.None);
        Assert.Null(refresher.Source.FindOcsp(leaf, _pki.Ca));
        // Within the backoff a miss does not ask again.
        await refresher.EnsureAsync([leaf, _pki.Ca], CancellationToken.None);
        Assert.Equal(1, _server.Hits("/down"));
        var responder = Assert.Single(refresher.Health().Sources, s => s.Kind == "ocsp");
        Assert.Contains("500", responder.LastError);

        _ = refresher.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _server.Hits("/down") >= 3, "retried by the refresh loop");
        await Eventually.TrueAsync(() => refresher.Health().Status == RevocationHealthStatus.Unhealthy, "unhealthy after failing longer than allowed");
        Assert.Contains(refresher.Health().Problems, p => p.Contains(_server.Url("/down")));
    }
}
