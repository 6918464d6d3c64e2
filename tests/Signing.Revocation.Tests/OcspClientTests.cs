using Signing.Verification;

namespace Signing.Revocation.Tests;

/// <summary>The OCSP exchange over a real loopback socket: the good path and each reason to refuse.</summary>
public sealed class OcspClientTests : IAsyncLifetime
{
    private const string ResponseType = OcspClient.ResponseMediaType;
    private readonly TestPki _pki = new();
    private TestServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private OcspClient Client(Action<RevocationFetchOptions>? change = null, OcspJudge? judge = null)
    {
        var options = new RevocationFetchOptions { HttpTimeout = TimeSpan.FromSeconds(10), OnDemandTimeout = TimeSpan.FromSeconds(5) };
        change?.Invoke(options);
        return new OcspClient(_http, options.ThrowIfInvalid(), judge);
    }

    private ParsedCertificate Leaf(string path) => _pki.Leaf(_server.Url(path), null);

    [Fact]
    public async Task A_good_answer_echoing_the_nonce_is_returned_parsed()
    {
        _server.Serve("/ocsp", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        var leaf = Leaf("/ocsp");
        var response = await Client().FetchAsync(leaf, _pki.Ca, CancellationToken.None);
        Assert.True(response.IsSuccessful);
        Assert.NotNull(response.Nonce);
        var single = Assert.Single(response.Responses);
        Assert.Equal(leaf.Serial, single.Serial);
        Assert.Equal(OcspCertStatus.Good, single.Status);
        // The CertID asked with SHA-1 over the issuer's key: the key the source files answers under.
        Assert.Equal(OcspKeys.IssuerKeyHash(_pki.Ca), Convert.ToHexStringLower(single.IssuerKeyHash));
    }

    [Fact]
    public async Task A_wrong_nonce_is_refused()
    {
        _server.Serve("/wrong", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Wrong));
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(Leaf("/wrong"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.NonceMismatch, e.Failure);
    }

    [Fact]
    public async Task A_missing_nonce_is_refused_unless_tolerated()
    {
        _server.Serve("/none", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), _ => null));
        var leaf = Leaf("/none");
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(leaf, _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.NonceMissing, e.Failure);
        var tolerated = await Client(o => o.OcspAcceptMissingNonce = true).FetchAsync(leaf, _pki.Ca, CancellationToken.None);
        Assert.Null(tolerated.Nonce);
    }

    [Fact]
    public async Task Without_a_nonce_the_request_carries_none_and_any_answer_is_taken()
    {
        byte[]? seen = [];
        _server.Serve("/off", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), asked => seen = asked));
        var response = await Client(o => o.OcspNonce = false).FetchAsync(Leaf("/off"), _pki.Ca, CancellationToken.None);
        Assert.Null(seen);
        Assert.True(response.IsSuccessful);
    }

    [Fact]
    public async Task An_http_error_is_refused_with_its_status()
    {
        _server.Fail("/500", 500);
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(Leaf("/500"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.HttpStatus, e.Failure);
        Assert.Contains("500", e.Reason);
    }

    [Fact]
    public async Task A_responder_that_does_not_answer_in_time_is_refused_as_a_timeout()
    {
        _server.Handle("/slow", (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var e = await Assert.ThrowsAsync<FetchException>(() =>
            Client(o => { o.HttpTimeout = TimeSpan.FromMilliseconds(300); o.OnDemandTimeout = TimeSpan.FromMilliseconds(300); })
                .FetchAsync(Leaf("/slow"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.Timeout, e.Failure);
    }

    [Fact]
    public async Task TryLater_is_refused_naming_the_responder_status()
    {
        _server.Serve("/later", ResponseType, _ => TestPki.OcspStatusOnly(3));
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(Leaf("/later"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.ResponderStatus, e.Failure);
        Assert.Contains("tryLater", e.Reason);
    }

    [Fact]
    public async Task A_wrong_content_type_is_refused()
    {
        _server.Serve("/html", "text/html", body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(Leaf("/html"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.ContentType, e.Failure);
    }

    [Fact]
    public async Task Garbage_is_refused_as_malformed()
    {
        _server.Serve("/junk", ResponseType, _ => "not an OCSP response"u8.ToArray());
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(Leaf("/junk"), _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.Malformed, e.Failure);
    }

    [Fact]
    public async Task The_judgement_refuses_with_its_own_reason_and_is_given_the_certificates()
    {
        _server.Serve("/judged", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        var leaf = Leaf("/judged");
        (ParsedCertificate, ParsedCertificate)? given = null;
        var e = await Assert.ThrowsAsync<FetchException>(() => Client(judge: (_, cert, issuer) =>
        {
            given = (cert, issuer);
            return "the responder is not authorised";
        }).FetchAsync(leaf, _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.Refused, e.Failure);
        Assert.Equal("the responder is not authorised", e.Reason);
        Assert.Equal((leaf, _pki.Ca), given);
    }

    [Fact]
    public async Task Overrides_come_before_the_aia_and_a_certificate_without_either_has_no_url()
    {
        _server.Serve("/override", ResponseType, body => _pki.OcspGood(body, DateTime.UtcNow, TimeSpan.FromHours(1), TestPki.Echo));
        var bare = _pki.Leaf(null, null);
        var e = await Assert.ThrowsAsync<FetchException>(() => Client().FetchAsync(bare, _pki.Ca, CancellationToken.None));
        Assert.Equal(FetchFailure.NoUrl, e.Failure);
        var byIssuer = Client(o => o.OcspUrlByIssuer[_pki.Ca.Sha256] = _server.Url("/override"));
        Assert.True((await byIssuer.FetchAsync(bare, _pki.Ca, CancellationToken.None)).IsSuccessful);
        Assert.Equal(_server.Url("/override"), Client(o => o.OcspUrlOverride = _server.Url("/override")).ResponderUrl(Leaf("/elsewhere"), _pki.Ca));
    }
}
