using Org.BouncyCastle.Tsp;

namespace Signing.Revocation.Tests;

public sealed class TimestampClientTests : IAsyncLifetime
{
    private readonly TestPki _pki = new("TSA Root");
    private TestServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private TimestampClient Client(string path) => new(_http, new RevocationFetchOptions { TsaUrl = _server.Url(path) }.ThrowIfInvalid());

    [Fact]
    public async Task A_granted_token_over_the_data_comes_back()
    {
        _server.Serve("/tsa", TimestampClient.ResponseMediaType, body => _pki.Timestamp(body));
        var data = "the signature value"u8.ToArray();
        var token = await Client("/tsa").StampAsync(data, CancellationToken.None);
        var parsed = new TimeStampToken(new Org.BouncyCastle.Cms.CmsSignedData(token.Der));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), parsed.TimeStampInfo.GetMessageImprintDigest());
        Assert.Equal("1.2.3.4.5", token.Policy);
        // The token is signed by the TSA's key and names its certificate (certReq was set).
        parsed.Validate(_pki.TsaCert);
    }

    [Fact]
    public async Task A_reply_to_another_nonce_is_refused()
    {
        _server.Serve("/replay", TimestampClient.ResponseMediaType, body => _pki.Timestamp(body, otherNonce: true));
        var e = await Assert.ThrowsAsync<FetchException>(() => Client("/replay").StampAsync([1, 2, 3], CancellationToken.None));
        Assert.Equal(FetchFailure.TimestampRejected, e.Failure);
    }

    [Fact]
    public async Task A_rejection_is_refused_with_its_status()
    {
        _server.Serve("/busy", TimestampClient.ResponseMediaType, _ =>
            new TimeStampResponseGenerator(new TimeStampTokenGenerator(_pki.TsaKey.Private, _pki.TsaCert, TspAlgorithms.Sha256, "1.2.3"), TspAlgorithms.Allowed)
                .GenerateFailResponse(Org.BouncyCastle.Asn1.Cmp.PkiStatus.Rejection, Org.BouncyCastle.Asn1.Cmp.PkiFailureInfo.SystemUnavail, "busy").GetEncoded());
        var e = await Assert.ThrowsAsync<FetchException>(() => Client("/busy").StampAsync([1], CancellationToken.None));
        Assert.Equal(FetchFailure.TimestampRejected, e.Failure);
        Assert.Contains("busy", e.Reason);
    }
}
