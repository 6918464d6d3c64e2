using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;
using Signing.HsmSim;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Revocation.Tests;

/// <summary>
/// OpenSSL's responder over the world's sub-CA index in a serve of its own (free ports): other test projects restart the
/// world's serve (and its OpenSSL responder) to take its services down, and these tests need it up throughout.
/// </summary>
public sealed class PrivateOpenSslResponder : IDisposable
{
    public PkiServices Pki { get; } = new();
    public PkiServeProcess Serve { get; }

    public PrivateOpenSslResponder() => Serve = Pki.StartPrivate(new PkiServeOptions { Ocsp = false, Crl = false, Tsa = false });

    public string Url => Serve.Ready.OpensslOcspUrl ?? throw new InvalidOperationException("the private serve started without OpenSSL's responder");

    public void Dispose() => Pki.Dispose();
}

/// <summary>
/// Our OCSP client and the engine's judgement against an independent implementation: OpenSSL's own `openssl ocsp`
/// responder, run by a serve of this world over the sub-CA's index, signing with the delegated responder certificate.
/// </summary>
public sealed class OpenSslResponderTests : IClassFixture<PrivateOpenSslResponder>, IDisposable
{
    private readonly WorldManifest _manifest;
    private readonly string _responder;
    private readonly ParsedCertificate _issuer;
    private readonly HttpClient _http = new();

    public OpenSslResponderTests(PrivateOpenSslResponder responder)
    {
        _manifest = responder.Pki.Manifest;
        _responder = responder.Url;
        _issuer = ParsedCertificate.FromFile(_manifest.Pki.NesSubCaCertificate).Single();
    }

    public void Dispose() => _http.Dispose();

    private OcspClient Client(bool nonce = true) => new(_http,
        new RevocationFetchOptions
        {
            OcspUrlOverride = _responder,
            OcspNonce = nonce,
            HttpTimeout = TimeSpan.FromSeconds(20),
        }.ThrowIfInvalid(),
        // The client refuses unusable answers; Good, Revoked and Unknown come back for the test to read.
        (response, certificate, issuer) => Judge(response, certificate, issuer) is { Usable: false } j ? $"{j.Problem}: {j.Detail}" : null);

    /// <summary>
    /// One question to OpenSSL's responder. OpenSSL 3.0's responder now and then closes a fresh connection without an
    /// answer when the machine is busy; these tests are about what it answers, so a connection it dropped is asked again.
    /// </summary>
    private async Task<ParsedOcspResponse> Ask(ParsedCertificate certificate, bool nonce = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Client(nonce).FetchAsync(certificate, _issuer, CancellationToken.None);
            }
            catch (FetchException e) when (e.Failure == FetchFailure.Network && attempt < 3)
            {
                await Task.Delay(100);
            }
        }
    }

    private static OcspJudgement Judge(ParsedOcspResponse response, ParsedCertificate certificate, ParsedCertificate issuer) =>
        OcspValidation.Judge(response, certificate, issuer, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), AlgorithmPolicy.Strict);

    private ParsedCertificate PersonaCertificate(string id) =>
        ParsedCertificate.FromFile(_manifest.Persona(id).CertificatePath).Single();

    [Fact]
    public async Task The_good_persona_is_good_signed_by_the_delegated_responder()
    {
        var doctor = PersonaCertificate("doctor");
        var response = await Ask(doctor);

        Assert.True(response.IsSuccessful);
        var single = Assert.Single(response.Responses);
        Assert.Equal(doctor.Serial, single.Serial);
        Assert.Equal(OcspCertStatus.Good, single.Status);
        var judgement = Judge(response, doctor, _issuer);
        Assert.True(judgement.Usable, judgement.Detail);
        Assert.Equal(OcspStatus.Good, judgement.Status);
        // Not the sub-CA itself: the delegated responder (id-kp-OCSPSigning + nocheck) the world gave OpenSSL.
        var responder = ParsedCertificate.FromFile(_manifest.Pki.OcspResponderCertificate).Single();
        Assert.NotNull(judgement.Signer);
        Assert.Equal(responder.Sha256, judgement.Signer!.Sha256);
        Assert.NotEqual(_issuer.Sha256, judgement.Signer.Sha256);
    }

    [Fact]
    public async Task The_revoked_persona_is_revoked_at_the_manifests_time()
    {
        var persona = _manifest.Persona("doctor-revoked");
        var certificate = PersonaCertificate("doctor-revoked");
        var response = await Ask(certificate);

        var judgement = Judge(response, certificate, _issuer);
        Assert.Equal(OcspStatus.Revoked, judgement.Status);
        Assert.NotNull(persona.RevokedAt);
        Assert.NotNull(judgement.RevocationTime);
        var expected = persona.RevokedAt!.Value.UtcDateTime;
        var expectedSecond = new DateTime(expected.Ticks - expected.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        Assert.Equal(expectedSecond, DateTime.SpecifyKind(judgement.RevocationTime!.Value, DateTimeKind.Utc));
    }

    [Fact]
    public async Task A_serial_the_world_never_issued_is_unknown()
    {
        var stranger = CertificateTheWorldNeverIssued();
        var response = await Ask(stranger);

        var single = Assert.Single(response.Responses);
        Assert.Equal(stranger.Serial, single.Serial);
        Assert.Equal(OcspCertStatus.Unknown, single.Status);
        Assert.Equal(OcspStatus.Unknown, Judge(response, stranger, _issuer).Status);
    }

    [Fact]
    public async Task OpenSsl_echoes_the_nonce_so_a_request_with_one_is_accepted()
    {
        var doctor = PersonaCertificate("doctor");
        var withNonce = await Ask(doctor, nonce: true);
        // The client has already compared it with what it sent; a 16-byte nonce came back.
        Assert.NotNull(withNonce.Nonce);
        Assert.Equal(16, withNonce.Nonce!.Length);

        var again = await Ask(doctor, nonce: true);
        Assert.NotEqual(withNonce.Nonce, again.Nonce);

        var withoutNonce = await Ask(doctor, nonce: false);
        Assert.Null(withoutNonce.Nonce);
    }

    [Fact]
    public async Task An_answer_about_another_certificate_is_refused_as_such()
    {
        var response = await Ask(PersonaCertificate("doctor"));

        var judgement = Judge(response, PersonaCertificate("manager"), _issuer);
        Assert.False(judgement.Usable);
        Assert.Equal(OcspProblem.WrongCertificate, judgement.Problem);
    }

    [Fact]
    public async Task An_answer_past_its_nextUpdate_is_refused_as_stale()
    {
        var doctor = PersonaCertificate("doctor");
        var response = await Ask(doctor);
        var next = Assert.Single(response.Responses).NextUpdate;
        Assert.NotNull(next); // the world runs OpenSSL with -nmin

        var judgement = OcspValidation.Judge(response, doctor, _issuer, new DateTimeOffset(next!.Value, TimeSpan.Zero).AddMinutes(6),
            TimeSpan.FromMinutes(5), AlgorithmPolicy.Strict);
        Assert.False(judgement.Usable);
        Assert.Equal(OcspProblem.Stale, judgement.Problem);
    }

    [Fact]
    public async Task An_OpenSSL_responder_signing_with_a_key_nobody_trusts_is_refused()
    {
        // A second `openssl ocsp` over the same index, signing with the rogue root's leaf: a well-formed answer from a
        // responder the sub-CA never delegated to.
        var port = ServeProcesses.FreeLoopbackPort();
        var psi = new System.Diagnostics.ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "ocsp", "-index", _manifest.Pki.NesSubCaIndex, "-CA", _manifest.Pki.NesSubCaCertificate,
                     "-rsigner", _manifest.Pki.RogueLeafCertificate, "-rkey", _manifest.Pki.RogueLeafKey, "-port", port.ToString(), "-nrequest", "1" })
            psi.ArgumentList.Add(a);
        using var rogue = System.Diagnostics.Process.Start(psi)!;
        try
        {
            var client = new OcspClient(_http, new RevocationFetchOptions { OcspUrlOverride = $"http://127.0.0.1:{port}", HttpTimeout = TimeSpan.FromSeconds(5) }.ThrowIfInvalid());
            var doctor = PersonaCertificate("doctor");
            ParsedOcspResponse? response = null;
            for (var attempt = 0; response is null; attempt++)
            {
                try
                {
                    response = await client.FetchAsync(doctor, _issuer, CancellationToken.None);
                }
                catch (FetchException e) when (e.Failure == FetchFailure.Network && attempt < 50)
                {
                    await Task.Delay(200); // the responder is still starting
                }
            }

            Assert.Equal(OcspCertStatus.Good, Assert.Single(response.Responses).Status); // what it claims
            var judgement = Judge(response, doctor, _issuer);
            Assert.False(judgement.Usable);
            Assert.Equal(OcspProblem.UntrustedSigner, judgement.Problem);
        }
        finally
        {
            if (!rogue.HasExited)
                rogue.Kill();
        }
    }

    /// <summary>Issued by the sub-CA's real key under its name, with a serial no index line names.</summary>
    private ParsedCertificate CertificateTheWorldNeverIssued()
    {
        var issuer = _issuer.Certificate;
        AsymmetricKeyParameter key;
        using (var reader = new StreamReader(_manifest.Pki.NesSubCaKey))
        {
            var pem = new PemReader(reader).ReadObject();
            key = pem is AsymmetricCipherKeyPair pair ? pair.Private : (AsymmetricKeyParameter)pem;
        }
        var issued = _manifest.Personas.Select(p => new BigInteger(p.SerialNumberHex, 16)).ToHashSet();
        var serial = new BigInteger("7e57" + Guid.NewGuid().ToString("N"), 16);
        Assert.DoesNotContain(serial, issued);

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(serial);
        generator.SetIssuerDN(issuer.SubjectDN);
        generator.SetSubjectDN(new X509Name("C=TR,CN=Never Issued"));
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(issuer.GetPublicKey());
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        var algorithm = key is ECPrivateKeyParameters ? "SHA256WITHECDSA" : "SHA256WITHRSA";
        return ParsedCertificate.From(generator.Generate(new Asn1SignatureFactory(algorithm, key)));
    }
}
