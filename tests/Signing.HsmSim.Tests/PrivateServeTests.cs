using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.X509;
using Signing.TestKit;

namespace Signing.HsmSim.Tests;

/// <summary>One private serve (free ports, its own CRL state, 3-second CRLs) for tests that pass URLs themselves.</summary>
public sealed class ShortCrlServe : IDisposable
{
    public PkiServices Pki { get; } = new();
    public PkiServeProcess Serve { get; }

    public ShortCrlServe() => Serve = Pki.StartPrivate(new PkiServeOptions { CrlValidity = TimeSpan.FromSeconds(3), OpensslOcsp = false });

    public void Dispose() => Pki.Dispose();
}

/// <summary>The protocol details a client depends on, against a private serve (runs beside the world's tests).</summary>
public sealed class PrivateServeTests(ShortCrlServe fixture) : IClassFixture<ShortCrlServe>
{
    private static readonly HttpClient Http = new();
    private WorldManifest Manifest => fixture.Pki.Manifest;
    private string Url(string path) => fixture.Serve.BaseUrl + path;

    private static BigInteger CrlNumber(X509Crl crl) =>
        Org.BouncyCastle.Asn1.X509.CrlNumber.GetInstance(
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.FromExtensionValue(crl.GetExtensionValue(X509Extensions.CrlNumber))).PositiveValue;

    private static async Task<X509Crl> FetchCrl(string url) => new X509CrlParser().ReadCrl(await Http.GetByteArrayAsync(url));

    [Fact]
    public async Task A_short_lived_CRL_is_followed_by_the_next_number_with_the_same_entries()
    {
        var url = Url("/crl/nes-subca.crl");
        var first = await FetchCrl(url);
        Assert.Equal(TimeSpan.FromSeconds(3), first.NextUpdate!.Value - first.ThisUpdate);

        // Half the validity later the next one is due; polled (no timing asserted), up to a generous bound.
        var next = first;
        for (var i = 0; i < 100 && CrlNumber(next).CompareTo(CrlNumber(first)) <= 0; i++)
        {
            await Task.Delay(250);
            next = await FetchCrl(url);
        }

        Assert.True(CrlNumber(next).CompareTo(CrlNumber(first)) > 0, $"the CRL number stayed {CrlNumber(first)}");
        Assert.True(next.ThisUpdate >= first.ThisUpdate);
        next.Verify(CertificateUrlTests.Read(Manifest.Pki.NesSubCaCertificate).GetPublicKey());
        Assert.Equal(first.GetRevokedCertificates().Select(e => e.SerialNumber).Order(),
            next.GetRevokedCertificates().Select(e => e.SerialNumber).Order());
        // What is served is on disk in the serve's state directory (for readers of files).
        var onDisk = new X509CrlParser().ReadCrl(await File.ReadAllBytesAsync(Path.Combine(fixture.Serve.StateDirectory, "nes-subca.crl")));
        Assert.True(CrlNumber(onDisk).CompareTo(CrlNumber(first)) > 0);
    }

    [Fact]
    public async Task The_OCSP_nonce_is_echoed_and_the_answer_is_signed_by_the_sub_CA()
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        using var content = new ByteArrayContent(OcspRequests.For(Manifest, "doctor", nonce));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var response = await Http.PostAsync(Url("/ocsp"), content);
        Assert.Equal("application/ocsp-response", response.Content.Headers.ContentType?.MediaType);

        var ocsp = new OcspResp(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(OcspRespStatus.Successful, ocsp.Status);
        var basic = (BasicOcspResp)ocsp.GetResponseObject();
        Assert.True(basic.Verify(CertificateUrlTests.Read(Manifest.Pki.NesSubCaCertificate).GetPublicKey()));
        var echoed = Asn1OctetString.GetInstance(Asn1OctetString.GetInstance(basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)).GetOctets());
        Assert.Equal(nonce, echoed.GetOctets());
        var single = Assert.Single(basic.Responses);
        Assert.Null(single.GetCertStatus()); // BouncyCastle's "good"
        Assert.True(single.NextUpdate > single.ThisUpdate);
    }

    [Fact]
    public async Task The_GET_form_of_an_OCSP_request_is_answered_like_the_POST()
    {
        var request = OcspRequests.For(Manifest, "doctor-revoked", nonce: null);
        var path = "/ocsp/" + Uri.EscapeDataString(Convert.ToBase64String(request));

        var ocsp = new OcspResp(await Http.GetByteArrayAsync(Url(path)));

        var single = Assert.Single(((BasicOcspResp)ocsp.GetResponseObject()).Responses);
        var revoked = Assert.IsType<RevokedStatus>(single.GetCertStatus());
        Assert.Equal(Manifest.Persona("doctor-revoked").RevokedAt!.Value.UtcDateTime, revoked.RevocationTime);
        Assert.Equal(CrlReason.KeyCompromise, revoked.RevocationReason);
    }

    [Fact]
    public async Task A_malformed_OCSP_request_gets_malformedRequest()
    {
        using var content = new ByteArrayContent([0x30, 0x03, 0x02, 0x01]);
        using var response = await Http.PostAsync(Url("/ocsp"), content);

        Assert.Equal(OcspRespStatus.MalformedRequest, new OcspResp(await response.Content.ReadAsByteArrayAsync()).Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_TSA_echoes_the_nonce_and_includes_its_certificate_only_when_asked(bool certReq)
    {
        var generator = new TimeStampRequestGenerator();
        generator.SetCertReq(certReq);
        var nonce = new BigInteger(1, RandomNumberGenerator.GetBytes(8));
        var request = generator.Generate(TspAlgorithms.Sha256, SHA256.HashData("form"u8), nonce);
        using var content = new ByteArrayContent(request.GetEncoded());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var http = await Http.PostAsync(Url("/tsa"), content);

        var response = new TimeStampResponse(await http.Content.ReadAsByteArrayAsync());
        response.Validate(request);
        var token = response.TimeStampToken;
        var tsa = CertificateUrlTests.Read(Manifest.Pki.TsaCertificate);
        token.Validate(tsa);
        Assert.Equal(nonce, token.TimeStampInfo.Nonce);
        Assert.Equal(Manifest.Pki.TsaPolicyOid, token.TimeStampInfo.Policy);
        Assert.Equal(certReq ? 1 : 0, token.GetCertificates().EnumerateMatches(null).Count());
    }

    [Fact]
    public async Task The_TSA_rejects_a_SHA1_imprint()
    {
        var request = new TimeStampRequestGenerator().Generate(TspAlgorithms.Sha1, SHA1.HashData("form"u8));
        using var content = new ByteArrayContent(request.GetEncoded());
        using var http = await Http.PostAsync(Url("/tsa"), content);

        var response = new TimeStampResponse(await http.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, response.Status); // rejection
        Assert.Null(response.TimeStampToken);
    }
}
