using Microsoft.Extensions.Configuration;
using System.Security.Claims;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>SessionService: sign-in with the card (roles from the tenant settings), WhoAmI, and every kind of bad credential.</summary>
public sealed class SessionServiceTests(SigningServer server) : IClassFixture<SigningServer>
{
    private readonly SessionService.SessionServiceClient _client = server.Sessions();

    private async Task<SignInResponse> SignInAsync(string persona)
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        return await _client.SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove(persona, challenge.Nonce.ToByteArray())),
        });
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    [Theory]
    [InlineData("doctor", "applicant", "")]
    [InlineData("doctor-ecdsa", "applicant", "")]
    [InlineData("fp-expired", "applicant", "")]
    [InlineData("officer-mersin-1", "applicant,officer", "33")]
    [InlineData("officer-mersin-2", "applicant,officer", "33")]
    [InlineData("officer-adana", "applicant,officer", "01")]
    public async Task Sign_in_with_the_card_gives_the_roles_and_tenant_the_settings_say(string persona, string roles, string tenant)
    {
        var response = await SignInAsync(persona);
        Assert.False(string.IsNullOrEmpty(response.AccessToken));
        Assert.True(response.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.True(response.ExpiresAt.ToDateTimeOffset() <= DateTimeOffset.UtcNow.AddHours(2), "a session token is short-lived");
        Assert.Equal(roles.Split(','), response.Identity.Roles);
        Assert.Equal(tenant, response.Identity.Tenant);

        // The token is what later calls carry: WhoAmI reads the same identity back from it.
        var who = await _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(response.AccessToken));
        Assert.Equal(response.Identity, who);
    }

    [Fact]
    public async Task WhoAmI_shows_the_masked_TCKN_and_never_the_full_one()
    {
        var response = await SignInAsync("doctor");
        var who = await _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(response.AccessToken));
        Assert.Equal("123********", who.TcknMasked);
        Assert.Equal("Ayşe Yılmaz", who.Name);
        Assert.DoesNotContain("12345678950", who.ToString());
        Assert.DoesNotContain("12345678950", response.Identity.ToString());
    }

    [Fact]
    public async Task The_server_log_never_holds_a_full_TCKN_of_those_who_signed_in()
    {
        await SignInAsync("officer-mersin-2");
        await SignInAsync("fp-expired");
        var lines = server.Logs.Entries.Select(e => e.Message + " " + e.Exception).ToList();
        Assert.Contains(lines, l => l.Contains("274********")); // the sign-in is logged, masked
        foreach (var persona in new[] { "officer-mersin-2", "fp-expired" })
            Assert.DoesNotContain(lines, l => l.Contains(Cards.Tckn(persona)));
    }

    [Fact]
    public async Task Revoked_card_cannot_sign_in()
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var status = await Rpc.Refused(StatusCode.Unauthenticated, () => _client.SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor-revoked", challenge.Nonce.ToByteArray())),
        }), "SIGN_IN_REFUSED");
        Assert.Equal("REVOKED", status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["sub_indication"]);
    }

    [Fact]
    public async Task A_sign_in_proof_over_other_bytes_than_the_nonce_is_refused()
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor", RandomNumberGenerator.GetBytes(32))),
        }), "SIGN_IN_REFUSED");
    }

    [Fact]
    public async Task A_challenge_cannot_be_used_for_two_sign_ins()
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var request = new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor", challenge.Nonce.ToByteArray())),
        };
        await _client.SignInAsync(request);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SignInAsync(request), "CHALLENGE_UNKNOWN");
    }

    [Fact]
    public async Task An_empty_sign_in_names_both_fields()
    {
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SignInAsync(new SignInRequest()), "INVALID_ARGUMENT", "challenge_id");
        Assert.Contains(status.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations, v => v.Field == "proof_of_possession");
    }

    [Fact]
    public async Task No_credentials_is_NOT_SIGNED_IN()
    {
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest()), "NOT_SIGNED_IN");
    }

    [Fact]
    public async Task A_tampered_bearer_token_is_TOKEN_INVALID()
    {
        var token = (await SignInAsync("doctor")).AccessToken;
        // Flip one character of the payload: the HMAC no longer matches.
        var parts = token.Split('.');
        var payload = parts[1].ToCharArray();
        payload[5] = payload[5] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{new string(payload)}.{parts[2]}";
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(tampered)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task A_token_forged_with_another_key_claiming_an_officer_is_TOKEN_INVALID()
    {
        var forged = Forge(DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(20));
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(forged)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task An_expired_token_forged_with_another_key_is_refused_as_invalid_not_merely_expired()
    {
        // A forger must not learn that only the lifetime was wrong: the signature fails first.
        var forged = Forge(DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-1));
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(forged)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_TOKEN_INVALID()
    {
        static string B64(string s) => Base64UrlEncoder.Encode(s);
        var unsigned = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
            B64("{\"iss\":\"signing\",\"aud\":\"esign.v1\",\"tckn\":\"16384729550\",\"role\":\"officer\",\"tenant\":\"33\",\"exp\":4102444800}") + ".";
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), Bearer(unsigned)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task An_authorization_header_that_is_not_Bearer_is_refused()
    {
        var headers = new Metadata { { "authorization", "Basic dXNlcjpwYXNz" } };
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), headers), "AUTHORIZATION_MALFORMED");
    }

    [Fact]
    public async Task A_wrong_system_key_is_API_KEY_INVALID_and_the_right_one_is_the_system_role()
    {
        var wrong = new Metadata { { "x-api-key", SigningServer.SystemKey + "x" } };
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.WhoAmIAsync(new WhoAmIRequest(), wrong), "API_KEY_INVALID");
        var who = await _client.WhoAmIAsync(new WhoAmIRequest(), server.SystemHeaders());
        Assert.Equal(new[] { "system" }, who.Roles);
        Assert.Equal("", who.Tenant);
    }

    private static string Forge(DateTime notBefore, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "signing",
        Audience = "esign.v1",
        Subject = new ClaimsIdentity([new Claim("tckn", "16384729550"), new Claim("name", "Fatma Arslan"), new Claim("role", "officer"),
            new Claim("role", "applicant"), new Claim("tenant", "33")]),
        IssuedAt = notBefore,
        NotBefore = notBefore,
        Expires = expires,
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256),
    });
}

public sealed class ExpiredSessionTests(SigningServer server) : IClassFixture<SigningServer>
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task A_token_the_server_issued_that_has_expired_is_UNAUTHENTICATED_TOKEN_EXPIRED()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:Auth:TokenKey"] = SigningServer.TokenKey }).Build();
        // Issued two hours ago with the server's own key and the 30-minute lifetime: genuine, but over.
        var tokens = new Signing.Server.Auth.SessionTokens(configuration, new FixedClock(DateTimeOffset.UtcNow.AddHours(-2)));
        var caller = new Signing.Server.Auth.Caller(Cards.Tckn("doctor"), "Ayşe Yılmaz", new HashSet<string> { "applicant" }, null);
        var (expired, _) = tokens.Issue(caller);
        var (fresh, _) = new Signing.Server.Auth.SessionTokens(configuration, TimeProvider.System).Issue(caller);
        var client = new SessionService.SessionServiceClient(server.Channel);

        var who = await client.WhoAmIAsync(new WhoAmIRequest(), new Grpc.Core.Metadata { { "authorization", "Bearer " + fresh } });
        Assert.Equal("123********", who.TcknMasked); // the same key, unexpired: accepted
        await Rpc.Refused(Grpc.Core.StatusCode.Unauthenticated,
            () => client.WhoAmIAsync(new WhoAmIRequest(), new Grpc.Core.Metadata { { "authorization", "Bearer " + expired } }), "TOKEN_EXPIRED");
    }
}

/// <summary>
/// Sign-in with an expired certificate: it still proves who holds the key, but only if everything else about it is a
/// valid NES. The certificates are issued here by the world's NES sub-CA, the proofs signed with a software key.
/// </summary>
public sealed class ExpiredCertificateSignInTests(SigningServer server) : IClassFixture<SigningServer>
{
    private async Task<SignInResponse> SignInAsync(SoftCard card)
    {
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        return await server.Sessions().SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(card.Prove(challenge.Nonce.ToByteArray())),
        });
    }

    [Fact]
    public async Task An_expired_certificate_that_is_not_a_NES_cannot_sign_in()
    {
        // A TLS-style certificate under the same sub-CA, with a valid TCKN but none of the qualified-certificate marks.
        var card = SoftCard.Issue(Cards.Tckn("doctor"), notAfterDays: -10, nes: false);
        var status = await Rpc.Refused(StatusCode.Unauthenticated, () => SignInAsync(card), "SIGN_IN_REFUSED");
        // Not a NES is the reason, not merely its expiry.
        Assert.Equal("NotQualified", status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["holder_status"]);
    }

    [Fact]
    public async Task The_same_certificate_unexpired_is_refused_too()
    {
        var card = SoftCard.Issue(Cards.Tckn("doctor"), notAfterDays: 100, nes: false);
        await Rpc.Refused(StatusCode.Unauthenticated, () => SignInAsync(card), "SIGN_IN_REFUSED");
    }

    [Fact]
    public async Task An_expired_NES_of_an_officer_signs_in_as_applicant_only()
    {
        var card = SoftCard.Issue(Cards.Tckn("officer-mersin-1"), notAfterDays: -10, nes: true);
        var response = await SignInAsync(card);
        Assert.Equal(["applicant"], response.Identity.Roles);
        Assert.Equal("", response.Identity.Tenant);
    }
}

/// <summary>A certificate from the world's NES sub-CA and a software key: proofs of possession the way a card makes them.</summary>
public sealed class SoftCard
{
    private readonly Org.BouncyCastle.X509.X509Certificate _certificate;
    private readonly Org.BouncyCastle.Crypto.AsymmetricKeyParameter _key;

    private SoftCard(Org.BouncyCastle.X509.X509Certificate certificate, Org.BouncyCastle.Crypto.AsymmetricKeyParameter key)
    {
        _certificate = certificate;
        _key = key;
    }

    /// <param name="nes">A qualified NES profile (nonRepudiation, QC statements, the NES policy); false = a TLS-style certificate.</param>
    public static SoftCard Issue(string tckn, int notAfterDays, bool nes)
    {
        using var rsa = RSA.Create(2048);
        var priv = Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey());
        var pub = Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(rsa.ExportSubjectPublicKeyInfo());
        var manifest = Cards.Manifest;
        var issuer = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(manifest.Pki.NesSubCaCertificate));
        Org.BouncyCastle.Crypto.AsymmetricKeyParameter issuerKey;
        using (var reader = new StringReader(File.ReadAllText(manifest.Pki.NesSubCaKey)))
            issuerKey = new Org.BouncyCastle.OpenSsl.PemReader(reader).ReadObject() switch
            {
                Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair pair => pair.Private,
                Org.BouncyCastle.Crypto.AsymmetricKeyParameter k => k,
                var other => throw new InvalidDataException($"unexpected {other?.GetType().Name} in the sub-CA key file"),
            };
        var now = DateTime.UtcNow;
        var gen = new Org.BouncyCastle.X509.X509V3CertificateGenerator();
        gen.SetSerialNumber(new Org.BouncyCastle.Math.BigInteger(1, RandomNumberGenerator.GetBytes(12)));
        gen.SetIssuerDN(issuer.SubjectDN);
        gen.SetSubjectDN(new Org.BouncyCastle.Asn1.X509.X509Name(
            new List<Org.BouncyCastle.Asn1.DerObjectIdentifier> { Org.BouncyCastle.Asn1.X509.X509Name.C, Org.BouncyCastle.Asn1.X509.X509Name.CN,
                Org.BouncyCastle.Asn1.X509.X509Name.SerialNumber },
            new List<string> { "TR", "Test Kart", tckn }));
        gen.SetNotBefore(now.AddDays(notAfterDays - 365));
        gen.SetNotAfter(now.AddDays(notAfterDays));
        gen.SetPublicKey(pub);
        gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.BasicConstraints, true, new Org.BouncyCastle.Asn1.X509.BasicConstraints(false));
        gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.AuthorityKeyIdentifier, false,
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer));
        gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.SubjectKeyIdentifier, false,
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(pub));
        if (nes)
        {
            gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.KeyUsage, true,
                new Org.BouncyCastle.Asn1.X509.KeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.DigitalSignature | Org.BouncyCastle.Asn1.X509.KeyUsage.NonRepudiation));
            var notice = new Org.BouncyCastle.Asn1.X509.UserNotice(null,
                new Org.BouncyCastle.Asn1.X509.DisplayText(Org.BouncyCastle.Asn1.X509.DisplayText.ContentTypeUtf8String, "Nitelikli elektronik sertifika (TEST)"));
            gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.CertificatePolicies, false, new Org.BouncyCastle.Asn1.X509.CertificatePolicies(
                new Org.BouncyCastle.Asn1.X509.PolicyInformation(new Org.BouncyCastle.Asn1.DerObjectIdentifier(manifest.Pki.NesPolicyOid),
                    new Org.BouncyCastle.Asn1.DerSequence(new Org.BouncyCastle.Asn1.X509.PolicyQualifierInfo(
                        Org.BouncyCastle.Asn1.X509.PolicyQualifierID.IdQtUnotice, notice)))));
            gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.QCStatements, false, new Org.BouncyCastle.Asn1.DerSequence(
                new Org.BouncyCastle.Asn1.X509.Qualified.QCStatement(new Org.BouncyCastle.Asn1.DerObjectIdentifier(Signing.Verification.QualifiedProfile.QcComplianceOid)),
                new Org.BouncyCastle.Asn1.X509.Qualified.QCStatement(new Org.BouncyCastle.Asn1.DerObjectIdentifier(Signing.Verification.QualifiedProfile.BtkStatementOids[0]))));
        }
        else
        {
            gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.KeyUsage, true,
                new Org.BouncyCastle.Asn1.X509.KeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.DigitalSignature | Org.BouncyCastle.Asn1.X509.KeyUsage.KeyEncipherment));
            gen.AddExtension(Org.BouncyCastle.Asn1.X509.X509Extensions.ExtendedKeyUsage, false,
                new Org.BouncyCastle.Asn1.X509.ExtendedKeyUsage(Org.BouncyCastle.Asn1.X509.KeyPurposeID.id_kp_serverAuth));
        }
        var certificate = gen.Generate(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHRSA", issuerKey));
        return new SoftCard(certificate, priv);
    }

    /// <summary>CAdES-BES over the nonce, attached, with the signing-certificate-v2 binding the server requires.</summary>
    public byte[] Prove(byte[] nonce)
    {
        var essId = new Org.BouncyCastle.Asn1.Ess.EssCertIDv2(SHA256.HashData(_certificate.GetEncoded()),
            new Org.BouncyCastle.Asn1.X509.IssuerSerial(new Org.BouncyCastle.Asn1.X509.GeneralNames(
                new Org.BouncyCastle.Asn1.X509.GeneralName(_certificate.IssuerDN)), new Org.BouncyCastle.Asn1.DerInteger(_certificate.SerialNumber)));
        var attributes = new Org.BouncyCastle.Asn1.Cms.AttributeTable(new Org.BouncyCastle.Asn1.Asn1EncodableVector(
            new Org.BouncyCastle.Asn1.Cms.Attribute(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.IdAASigningCertificateV2,
                new Org.BouncyCastle.Asn1.DerSet(new Org.BouncyCastle.Asn1.Ess.SigningCertificateV2([essId])))));
        var generator = new Org.BouncyCastle.Cms.CmsSignedDataGenerator();
        generator.AddSigner(_key, _certificate, Org.BouncyCastle.Cms.CmsSignedGenerator.DigestSha256, attributes, null);
        generator.AddCertificate(_certificate);
        return generator.Generate(new Org.BouncyCastle.Cms.CmsProcessableByteArray(nonce), true).GetEncoded("DER");
    }
}
