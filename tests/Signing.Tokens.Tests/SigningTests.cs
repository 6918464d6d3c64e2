using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;
using Org.BouncyCastle.Cms;
using Signing.TestKit;

namespace Signing.Tokens.Tests;

[Collection(TokenCollection.Name)]
public sealed class SigningTests(TokenWorld world)
{
    private static readonly byte[] Form = Encoding.UTF8.GetBytes("{\"reason\":\"YENİLEME\",\"term\":\"NES 3 YILLIK BAŞVURUSU\"}");

    private static X509Certificate2 DotNet(SigningKey key) => X509CertificateLoader.LoadCertificate(key.Certificate.GetEncoded());

    [Fact]
    public void RSA_PKCS1_with_the_tokens_hashed_mechanism_verifies()
    {
        using var session = world.Login("doctor");
        var key = session.GetSigningKey();
        var signature = key.Sign(Form, SignatureScheme.RsaPkcs1Sha256);
        using var rsa = DotNet(key).GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(Form, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void RSA_PKCS1_over_a_host_DigestInfo_gives_the_same_signature_as_the_tokens_hashing()
    {
        // PKCS#1 v1.5 is deterministic, so the fallback path (CKM_RSA_PKCS) must produce identical bytes.
        byte[] hashedByToken;
        using (var session = world.Login("doctor"))
            hashedByToken = session.GetSigningKey().Sign(Form);
        using var fallback = world.Login("doctor", new TokenOptions { ForceHostHashing = true });
        var key = fallback.GetSigningKey();
        var hostHashed = key.Sign(Form);
        Assert.Equal(hashedByToken, hostHashed);
        using var rsa = DotNet(key).GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(Form, hostHashed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void A_card_without_hashed_RSA_falls_back_to_raw_RSA()
    {
        using var session = world.Login("doctor", new TokenOptions { DisabledMechanisms = [CKM.CKM_SHA384_RSA_PKCS] });
        var key = session.GetSigningKey();
        var signature = key.Sign(Form, new SignatureScheme(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA384));
        using var rsa = DotNet(key).GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(Form, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void A_card_without_any_RSA_mechanism_is_MechanismNotSupported()
    {
        using var session = world.Login("doctor", new TokenOptions { DisabledMechanisms = [CKM.CKM_SHA256_RSA_PKCS, CKM.CKM_RSA_PKCS] });
        var e = Assert.Throws<MechanismNotSupportedException>(() => session.GetSigningKey().Sign(Form));
        Assert.Equal(TokenErrorKind.MechanismNotSupported, e.Kind);
    }

    [Fact]
    public void An_ECDSA_scheme_on_an_RSA_key_is_MechanismNotSupported()
    {
        using var session = world.Login("doctor");
        Assert.Throws<MechanismNotSupportedException>(() => session.GetSigningKey().Sign(Form, SignatureScheme.EcdsaSha256));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RSA_PSS_verifies_with_token_or_host_hashing(bool hostHashing)
    {
        using var session = world.Login("doctor", new TokenOptions { ForceHostHashing = hostHashing });
        var key = session.GetSigningKey();
        var signature = key.Sign(Form, SignatureScheme.RsaPssSha256);
        using var rsa = DotNet(key).GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(Form, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        Assert.False(rsa.VerifyData(Form, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData("doctor-ecdsa")]
    [InlineData("officer-mersin-2")]
    public void ECDSA_over_a_host_hash_is_DER_encoded_and_verifies(string personaId)
    {
        using var session = world.Login(personaId);
        var key = session.GetSigningKey();
        Assert.Equal(KeyAlgorithm.Ec, key.Algorithm);
        var signature = key.Sign(Form);
        Assert.Equal(0x30, signature[0]); // SEQUENCE { r, s }, not PKCS#11's r‖s
        using var ec = DotNet(key).GetECDsaPublicKey()!;
        Assert.True(ec.VerifyData(Form, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void EcdsaRawToDer_keeps_leading_zero_halves_positive()
    {
        var raw = new byte[64];
        raw[0] = 0x80; // r with the high bit set must become a positive INTEGER (a 0x00 prefix)
        raw[63] = 0x01;
        var der = SigningKey.EcdsaRawToDer(raw);
        var seq = (Org.BouncyCastle.Asn1.Asn1Sequence)Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(der);
        Assert.Equal(1, ((Org.BouncyCastle.Asn1.DerInteger)seq[0]).PositiveValue.SignValue);
        Assert.Equal(1, ((Org.BouncyCastle.Asn1.DerInteger)seq[1]).Value.IntValue);
    }

    [Theory]
    [InlineData("80000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000080007F00000000000000000000000000000000000000000000000000000000FFFF")]
    [InlineData("00FF0000000000000000000000000000000000000000000000000000000000007FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("0102")]
    [InlineData("0080")]
    public void EcdsaRawToDer_gives_BouncyCastles_DER_for_edge_halves(string rawHex) =>
        Assert.Equal(Convert.ToHexString(BouncyCastleEcdsaDer(Convert.FromHexString(rawHex))),
            Convert.ToHexString(SigningKey.EcdsaRawToDer(Convert.FromHexString(rawHex))));

    [Fact]
    public void EcdsaRawToDer_gives_BouncyCastles_DER_for_random_P256_P384_P521_signatures()
    {
        // Random halves hit a leading zero byte 1 time in 256 and a high first bit half the time: many draws per size.
        var random = new Random(3279);
        foreach (var size in new[] { 64, 96, 132 })
        {
            for (var i = 0; i < 2000; i++)
            {
                var raw = new byte[size];
                random.NextBytes(raw);
                if (i % 4 == 0)
                    raw[random.Next(2) * size / 2] = 0; // force a leading zero in r or s often
                Assert.Equal(Convert.ToHexString(BouncyCastleEcdsaDer(raw)), Convert.ToHexString(SigningKey.EcdsaRawToDer(raw)));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    public void EcdsaRawToDer_refuses_an_empty_or_odd_signature(int length) =>
        Assert.Equal(TokenErrorKind.Pkcs11Failure, Assert.Throws<TokenException>(() => SigningKey.EcdsaRawToDer(new byte[length])).Kind);

    /// <summary>The former EcdsaRawToDer: BouncyCastle BigIntegers in a DerSequence.</summary>
    private static byte[] BouncyCastleEcdsaDer(byte[] raw)
    {
        var half = raw.Length / 2;
        return new Org.BouncyCastle.Asn1.DerSequence(
            new Org.BouncyCastle.Asn1.DerInteger(new Org.BouncyCastle.Math.BigInteger(1, raw, 0, half)),
            new Org.BouncyCastle.Asn1.DerInteger(new Org.BouncyCastle.Math.BigInteger(1, raw, half, half))).GetDerEncoded();
    }

    public static IEnumerable<object[]> PersonasAttachedAndDetached() =>
        Personas.All().SelectMany(p => new[] { new[] { p[0], (object)false }, new[] { p[0], (object)true } });

    [Theory]
    [MemberData(nameof(PersonasAttachedAndDetached))]
    public void CAdES_BES_of_every_persona_verifies_with_OpenSSL_and_BouncyCastle(string personaId, bool detached)
    {
        var persona = world.Persona(personaId);
        using var session = world.Login(personaId);
        var key = world.KeyOf(session, persona);
        var p7s = new CadesSigner(key).Sign(Form, detached);

        var certificate = TokenWorld.BouncyCastleVerify(p7s, detached ? Form : null);
        Assert.Equal(persona.SerialNumberHex, certificate.SerialNumber.ToString(16));
        Assert.Equal(detached, new CmsSignedData(p7s).SignedContent is null);
        if (!detached)
            Assert.Equal(Form, TokenWorld.ContentOf(p7s));

        var (exit, output) = world.OpenSslVerify(persona, p7s, detached ? Form : null, $"{personaId}-{detached}");
        Assert.True(exit == 0, output);
        Assert.Contains("Verification successful", output);
    }

    [Fact]
    public void A_detached_CAdES_does_not_carry_the_content_and_fails_on_other_content()
    {
        using var session = world.Login("doctor");
        var p7s = new CadesSigner(session.GetSigningKey()).Sign(Form, detached: true);
        Assert.Null(new CmsSignedData(p7s).SignedContent);
        var (exit, _) = world.OpenSslVerify(world.Persona("doctor"), p7s, "tampered"u8.ToArray(), "doctor-tampered");
        Assert.NotEqual(0, exit);
    }

    [Fact]
    public void CAdES_with_RSA_PSS_verifies_with_OpenSSL()
    {
        var persona = world.Persona("doctor");
        using var session = world.Login("doctor");
        var p7s = new CadesSigner(session.GetSigningKey(), new CadesOptions { Scheme = SignatureScheme.RsaPssSha256 }).Sign(Form, false);
        TokenWorld.BouncyCastleVerify(p7s, null);
        var (exit, output) = world.OpenSslVerify(persona, p7s, null, "doctor-pss");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void CAdES_signing_time_comes_from_the_clock_and_extra_certificates_are_included()
    {
        var at = new DateTimeOffset(2026, 3, 12, 9, 30, 0, TimeSpan.Zero);
        var subCa = Signing.TestKit.HsmWorldFixture.ReadCertificate(world.Manifest.Pki.NesSubCaCertificate);
        using var session = world.Login("doctor");
        var p7s = new CadesSigner(session.GetSigningKey(), new CadesOptions { Clock = new FixedClock(at), ExtraCertificates = [subCa] })
            .Sign(Form, false);
        var cms = new CmsSignedData(p7s);
        var signer = cms.GetSignerInfos().GetSigners().Single();
        var time = Org.BouncyCastle.Asn1.Cms.Time.GetInstance(signer.SignedAttributes[Org.BouncyCastle.Asn1.Cms.CmsAttributes.SigningTime].AttrValues[0]);
        Assert.Equal(at.UtcDateTime, time.ToDateTime());
        Assert.Equal(2, cms.GetCertificates().EnumerateMatches(null).Count());
    }

    [Fact]
    public void Proof_of_possession_is_an_attached_CMS_over_the_challenge_with_the_certificate()
    {
        var persona = world.Persona("doctor-ecdsa");
        var challenge = RandomNumberGenerator.GetBytes(32);
        using var session = world.Login("doctor-ecdsa");
        var proof = new ProofOfPossession(session.GetSigningKey()).Sign(challenge);

        var certificate = TokenWorld.BouncyCastleVerify(proof, null);
        Assert.Equal(persona.SerialNumberHex, certificate.SerialNumber.ToString(16));
        Assert.Equal(challenge, TokenWorld.ContentOf(proof));
        var (exit, output) = world.OpenSslVerify(persona, proof, null, "pop");
        Assert.True(exit == 0, output);
        Assert.Throws<ArgumentException>(() => new ProofOfPossession(session.GetSigningKey()).Sign([]));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
