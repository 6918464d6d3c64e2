using Google.Rpc;
using Grpc.Core;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Contracts.V1;
using Signing.HsmSim;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Server.Tests;

/// <summary>
/// The world's server as an air-gapped installation (nothing fetched over the network) whose every CRL file passed its
/// nextUpdate a day ago: no certificate's revocation status can be known. The CRLs are issued here with the world's CA keys.
/// </summary>
public sealed class StaleRevocationServer : SigningServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("signing-stale-crl-").FullName;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        var manifest = LocalWorld.LoadManifest();
        var now = DateTime.UtcNow;
        string Stale(string certificate, string key, string name)
        {
            var ca = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(certificate));
            var crl = new X509V2CrlGenerator();
            crl.SetIssuerDN(ca.SubjectDN);
            crl.SetThisUpdate(now.AddDays(-2));
            crl.SetNextUpdate(now.AddDays(-1));
            crl.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(ca));
            crl.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(900_000)));
            var path = Path.Combine(_directory, name);
            File.WriteAllBytes(path, crl.Generate(new Asn1SignatureFactory("SHA256WITHRSA", ReadKey(key))).GetEncoded());
            return path;
        }
        var model = WorldTrust.Model(manifest) with
        {
            Crls = [Stale(manifest.Pki.RootCertificate, manifest.Pki.RootKey, "root.crl"), Stale(manifest.Pki.NesSubCaCertificate, manifest.Pki.NesSubCaKey, "nes.crl")],
        };
        var trust = Path.Combine(_directory, WorldTrust.FileName);
        File.WriteAllText(trust, TrustConfiguration.Serialize(model));
        settings["Signing:TrustConfiguration"] = trust;
        // An air-gapped installation: the files are all there is.
        settings["Signing:Revocation:FetchOcsp"] = "false";
        settings["Signing:Revocation:FetchCrls"] = "false";
    }

    private static AsymmetricKeyParameter ReadKey(string path)
    {
        using var reader = new StreamReader(path);
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricKeyParameter k => k,
            AsymmetricCipherKeyPair pair => pair.Private,
            var other => throw new InvalidDataException($"{path} holds a {other?.GetType().Name}, not a private key"),
        };
    }
}

/// <summary>
/// With no usable revocation data the answer is the server's problem, never the caller's certificate's: sign-in,
/// the certificate check, an e-signed submission, an e-Onay submission and an officer's decision are each UNAVAILABLE
/// with REVOCATION_UNAVAILABLE and a RetryInfo, and nothing is written.
/// </summary>
public sealed class RevocationUnavailableTests(StaleRevocationServer server) : IClassFixture<StaleRevocationServer>
{
    private static async Task Unavailable(Func<Task> call)
    {
        var status = await Rpc.Refused(StatusCode.Unavailable, call, "REVOCATION_UNAVAILABLE");
        var retry = status.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry!.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal("TRY_LATER", status.GetDetail<ErrorInfo>()!.Metadata["sub_indication"]);
    }

    [Fact]
    public async Task Sign_in_is_UNAVAILABLE_with_RetryInfo() =>
        await Unavailable(() => server.SignInAsync("doctor"));

    [Fact]
    public async Task A_certificate_check_is_UNAVAILABLE_with_RetryInfo()
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        await Unavailable(async () => await server.Certificates().CheckCertificateAsync(new CheckCertificateRequest
        {
            ChallengeId = challenge.ChallengeId,
            Certificate = Google.Protobuf.ByteString.CopyFrom(Cards.CertificateDer("doctor")),
            ProofOfPossession = Google.Protobuf.ByteString.CopyFrom(Cards.Prove("doctor", challenge.Nonce.ToByteArray())),
        }));
    }

    [Fact]
    public async Task An_e_signed_submission_is_UNAVAILABLE_and_stores_nothing()
    {
        var form = Cards.Form("doctor", "33", ApplicantCategory.Doctor);
        var doctor = Cards.IssuedSession(Cards.Tckn("doctor"), "Ayşe Yılmaz", "applicant", null);
        await Unavailable(async () => await server.Applications().SubmitESignedAsync(Cards.ESigned("doctor", form), doctor));
        var mine = await server.Applications().ListMineAsync(new ListMineRequest(), doctor);
        Assert.Empty(mine.Applications);
    }

    [Fact]
    public async Task An_e_Onay_submission_is_UNAVAILABLE()
    {
        var tckn = Scenario.SyntheticTckn();
        var form = Scenario.SyntheticForm(tckn, server.NewTenant());
        var json = Cards.Json(form);
        await Unavailable(async () => await server.Applications().SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = Google.Protobuf.ByteString.CopyFrom(json),
            EOnayConfirmation = Google.Protobuf.ByteString.CopyFrom(Scenario.EOnay(tckn, Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, server.SystemHeaders()));
    }

    [Fact]
    public async Task An_officer_decision_is_UNAVAILABLE_and_changes_nothing()
    {
        var officer = Cards.IssuedSession(Cards.Tckn("officer-mersin-1"), "Fatma Arslan", "officer", "33");
        var app = await server.SubmitApprovableAsync("33", officer);
        var document = await server.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, officer);

        await Unavailable(async () => await server.Approvals().DecideAsync(Scenario.Signed("officer-mersin-1", app.Id, document), officer));

        var after = await server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, server.SystemHeaders());
        Assert.Equal(app.Version, after.Version);
        Assert.Equal("AWAITING_APPROVAL", after.Status);
    }
}
