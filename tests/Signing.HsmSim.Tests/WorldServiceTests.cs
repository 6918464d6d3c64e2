using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Org.BouncyCastle.X509;
using Signing.TestKit;

namespace Signing.HsmSim.Tests;

/// <summary>
/// The world's serve answers at the URLs the certificates name, and OpenSSL (the client everyone else uses) accepts what
/// it says: OCSP from both responders, timestamps, CRLs.
/// </summary>
[Collection(PkiWorld.Collection)]
public sealed class WorldServiceTests : IDisposable
{
    private readonly PkiServices _pki;
    private readonly string _work = Directory.CreateTempSubdirectory("hsm-sim-tests-").FullName;
    private static readonly HttpClient Http = new();

    public WorldServiceTests(PkiServices pki)
    {
        _pki = pki;
        pki.EnsureWorld();
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Pki(Func<WorldPki, string> file) => file(_pki.Manifest.Pki);

    private ToolResult Ocsp(string personaId, string url) => OpenSsl.Run("ocsp",
        "-issuer", Pki(p => p.NesSubCaCertificate), "-cert", _pki.Manifest.Persona(personaId).CertificatePath,
        "-url", url, "-CAfile", Pki(p => p.RootCertificate));

    public static IEnumerable<object[]> Responders() => [["world"], ["openssl"]];

    private string Responder(string which, string personaId) => which == "world"
        // The URL of the certificate's own AIA: what a relying party follows.
        ? CertificateUrlTests.OcspUrl(CertificateUrlTests.Read(_pki.Manifest.Persona(personaId).CertificatePath))!
        : _pki.Services.OpensslOcspUrl;

    [Theory]
    [MemberData(nameof(Responders))]
    public void OpenSSL_hears_good_for_a_valid_persona(string which)
    {
        var result = Ocsp("doctor", Responder(which, "doctor")).ShouldSucceed("openssl ocsp");

        Assert.Contains("Response verify OK", result.Output);
        Assert.Matches(@"doctor\.pem: good", result.Output);
    }

    [Theory]
    [MemberData(nameof(Responders))]
    public void OpenSSL_hears_revoked_with_the_revocation_time_for_the_revoked_persona(string which)
    {
        var persona = _pki.Manifest.Persona("doctor-revoked");
        var result = Ocsp(persona.Id, Responder(which, persona.Id)).ShouldSucceed("openssl ocsp");

        Assert.Contains("Response verify OK", result.Output);
        Assert.Matches(@"doctor-revoked\.pem: revoked", result.Output);
        Assert.Contains("Reason: keyCompromise", result.Output);
        var at = persona.RevokedAt!.Value.UtcDateTime;
        // openssl prints "Revocation Time: Nov 27 11:45:35 2026 GMT" (day padded with a space).
        Assert.Contains($"Revocation Time: {at:MMM} {at.Day,2} {at:HH:mm:ss yyyy} GMT", result.Output);
    }

    [Fact]
    public void A_serial_the_sub_CA_never_issued_is_unknown()
    {
        var result = OpenSsl.Run("ocsp", "-issuer", Pki(p => p.NesSubCaCertificate), "-serial", "0x7777777",
            "-url", _pki.Services.OcspUrl, "-CAfile", Pki(p => p.RootCertificate)).ShouldSucceed("openssl ocsp");

        Assert.Contains("Response verify OK", result.Output);
        Assert.Contains("0x7777777: unknown", result.Output);
    }

    [Fact]
    public void The_sub_CA_itself_is_good_at_the_root()
    {
        var result = OpenSsl.Run("ocsp", "-issuer", Pki(p => p.RootCertificate), "-cert", Pki(p => p.NesSubCaCertificate),
            "-url", _pki.Services.OcspUrl, "-CAfile", Pki(p => p.RootCertificate)).ShouldSucceed("openssl ocsp");

        Assert.Matches(@"nes-subca\.pem: good", result.Output);
    }

    [Fact]
    public async Task OpenSSL_verifies_a_timestamp_token_from_the_TSA()
    {
        var data = Path.Combine(_work, "form.json");
        await File.WriteAllTextAsync(data, """{"form":"başvuru"}""");
        var query = Path.Combine(_work, "q.tsq");
        var reply = Path.Combine(_work, "r.tsr");
        OpenSsl.Run("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query).ShouldSucceed("openssl ts -query");

        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(query));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await Http.PostAsync(_pki.Services.TsaUrl, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/timestamp-reply", response.Content.Headers.ContentType?.MediaType);
        await File.WriteAllBytesAsync(reply, await response.Content.ReadAsByteArrayAsync());

        var verify = OpenSsl.Run("ts", "-verify", "-queryfile", query, "-in", reply,
            "-CAfile", Pki(p => p.RootCertificate), "-untrusted", Pki(p => p.TsaCertificate));
        verify.ShouldSucceed("openssl ts -verify");
        Assert.Contains("Verification: OK", verify.Output);
        var text = OpenSsl.Run("ts", "-reply", "-in", reply, "-text").ShouldSucceed("openssl ts -reply").Output;
        Assert.Contains("Policy OID: " + _pki.Manifest.Pki.TsaPolicyOid, text);
        Assert.Contains("Hash Algorithm: sha256", text);
    }

    public static IEnumerable<object[]> CrlHolders() => [["doctor", "nes-subca"], ["server-mersin", "root"]];

    [Theory]
    [MemberData(nameof(CrlHolders))]
    public async Task The_CRL_named_in_a_certificates_CDP_is_served_and_OpenSSL_verifies_it(string personaId, string ca)
    {
        var cert = CertificateUrlTests.Read(_pki.Manifest.Persona(personaId).CertificatePath);
        var url = CertificateUrlTests.CrlUrl(cert);
        using var response = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pkix-crl", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(_work, ca + ".crl");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());

        var issuerPem = ca == "root" ? Pki(p => p.RootCertificate) : Pki(p => p.NesSubCaCertificate);
        var verify = OpenSsl.Run("crl", "-inform", "DER", "-in", file, "-CAfile", issuerPem, "-noout", "-verify");
        verify.ShouldSucceed("openssl crl -verify");
        Assert.Contains("verify OK", verify.Output);
        var crl = new X509CrlParser().ReadCrl(await File.ReadAllBytesAsync(file));
        Assert.Equal(cert.IssuerDN, crl.IssuerDN);
        var revoked = (crl.GetRevokedCertificates() ?? new HashSet<X509CrlEntry>()).Select(e => e.SerialNumber.ToString(16)).ToHashSet();
        var expected = _pki.Manifest.Personas.Where(p => p.Revoked && p.Issuer == ca).Select(p => p.SerialNumberHex).ToHashSet();
        Assert.Equal(expected, revoked);
    }

    [Fact]
    public async Task The_manifest_URLs_and_the_ready_file_agree()
    {
        var ready = _pki.WorldServe;
        Assert.NotNull(ready);
        Assert.Equal(_pki.Services.BaseUrl, ready.BaseUrl);
        Assert.Equal(_pki.Services.OcspUrl, ready.OcspUrl);
        Assert.Equal(_pki.Services.OpensslOcspUrl, ready.OpensslOcspUrl);
        Assert.Equal("ok", await Http.GetStringAsync(_pki.Services.BaseUrl + "/health"));
        Assert.Matches(new Regex("^http://"), _pki.Services.TsaUrl);
    }
}
