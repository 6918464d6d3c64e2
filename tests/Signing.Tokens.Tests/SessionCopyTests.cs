using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Signing.Tokens.Tests;

/// <summary>TokenOptions.SignWithSessionCopy against the real SoftHSM tokens of the hsm-sim world.</summary>
[Collection(TokenCollection.Name)]
public sealed class SessionCopyTests(TokenWorld world)
{
    private static readonly byte[] Receipt = "{\"receipt\":\"NES 3 YILLIK BAŞVURUSU\"}"u8.ToArray();
    private static readonly TokenOptions CopyOn = new() { SignWithSessionCopy = true };

    [Theory]
    [InlineData("server-mersin")] // EC P-256: the receipt key
    [InlineData("doctor")]        // RSA-2048
    public void Signatures_made_with_the_session_copy_verify_with_the_certificate(string personaId)
    {
        using var session = world.Login(personaId, CopyOn);
        var key = session.GetSigningKey();
        using var certificate = X509CertificateLoader.LoadCertificate(key.Certificate.GetEncoded());
        for (var i = 0; i < 3; i++)
        {
            var data = Receipt.Append((byte)i).ToArray();
            var signature = key.Sign(data);
            if (key.Algorithm == KeyAlgorithm.Ec)
            {
                using var ec = certificate.GetECDsaPublicKey()!;
                Assert.True(ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
                Assert.False(ec.VerifyData(Receipt, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            }
            else
            {
                using var rsa = certificate.GetRSAPublicKey()!;
                Assert.True(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                Assert.False(rsa.VerifyData(Receipt, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
        }
        // And it is the copy that signed them (not a silent fallback).
        Assert.Equal(1, SessionPrivateKeys(session, key.Entry.Id));
        Assert.Equal(1, session.SessionCopyAttempts);
        TokenWorld.BouncyCastleVerify(new CadesSigner(key).Sign(Receipt, detached: false), null);
    }

    [Fact]
    public void The_key_is_copied_once_into_a_private_non_token_object_and_the_copy_does_not_multiply()
    {
        using var session = world.Login("server-mersin", CopyOn);
        var key = session.GetSigningKey();
        var before = SessionPrivateKeys(session, key.Entry.Id);
        Assert.Equal(0, before); // nothing is copied at login, only on first use

        key.Sign(Receipt);
        Assert.Equal(before + 1, SessionPrivateKeys(session, key.Entry.Id));

        for (var i = 0; i < 20; i++)
            key.Sign(Receipt);
        // A second SigningKey for the same certificate shares the session's copy rather than making another.
        session.GetSigningKey().Sign(Receipt);
        Assert.Equal(before + 1, SessionPrivateKeys(session, key.Entry.Id));
        Assert.Equal(1, session.SessionCopyAttempts);

        // What the copy is: a session object, private, still sensitive and not extractable (the source's attributes).
        var attributes = session.Run("inspect", (s, _) =>
        {
            var copy = Assert.Single(FindSessionPrivateKeys(s, key.Entry.Id));
            return s.GetAttributeValue(copy, [CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE])
                .Select(a => a.GetValueAsBool()).ToArray();
        });
        Assert.Equal(new[] { false, true, true, false }, attributes);
    }

    [Fact]
    public void Without_the_option_no_copy_is_made()
    {
        using var session = world.Login("server-mersin");
        var key = session.GetSigningKey();
        key.Sign(Receipt);
        key.Sign(Receipt);
        Assert.Equal(0, SessionPrivateKeys(session, key.Entry.Id));
        Assert.Equal(0, session.SessionCopyAttempts);
    }

    [Fact]
    public void After_the_session_is_lost_and_reopened_the_key_is_copied_again_and_signs()
    {
        using var session = world.Login("server-mersin", CopyOn);
        var key = session.GetSigningKey();
        key.Sign(Receipt);
        Assert.Equal(1, SessionPrivateKeys(session, key.Entry.Id));

        // A pulled-out card: every session closed, and with them the session copy.
        var (slot, _) = world.Module.FindSlot(session.Label);
        slot.CloseAllSessions();

        var signature = key.Sign(Receipt);
        Assert.Equal(1, session.Reopens);
        Assert.Equal(2, session.SessionCopyAttempts); // a fresh copy for the new session…
        Assert.Equal(1, SessionPrivateKeys(session, key.Entry.Id)); // …the only one (the old one went with its session)
        using var certificate = X509CertificateLoader.LoadCertificate(key.Certificate.GetEncoded());
        using var ec = certificate.GetECDsaPublicKey()!;
        Assert.True(ec.VerifyData(Receipt, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        key.Sign(Receipt);
        Assert.Equal(2, session.SessionCopyAttempts);
    }

    [Fact]
    public void Disposing_a_session_with_a_copy_works_and_the_copy_does_not_outlive_it()
    {
        var session = world.Login("server-mersin", CopyOn);
        var key = session.GetSigningKey();
        key.Sign(Receipt);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign(Receipt));

        using var again = world.Login("server-mersin", CopyOn);
        Assert.Equal(0, SessionPrivateKeys(again, key.Entry.Id));
        Assert.NotEmpty(again.GetSigningKey().Sign(Receipt));
    }

    /// <summary>
    /// A real refusal: an EC key generated on the token with CKA_COPYABLE=false (as session objects, so nothing is left on
    /// the shared token), behind a stand-in certificate for its public key. SoftHSM answers C_CopyObject with
    /// CKR_ACTION_PROHIBITED; signing must go on with the key itself and not ask again on every signature.
    /// </summary>
    [Fact]
    public void A_key_the_token_refuses_to_copy_signs_with_the_token_object_and_the_copy_is_tried_once()
    {
        using var session = world.Login("officer-mersin-2", CopyOn);
        var id = RandomNumberGenerator.GetBytes(16);
        var (privateKey, point) = session.Run("generate", (s, _) => GenerateUncopyableEcKey(s, id));

        // The refusal is real, not assumed: the token itself says no.
        var answer = session.Run("copy", (s, _) =>
        {
            try
            {
                s.CopyObject(privateKey, [s.Factories.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, false)]);
                return CKR.CKR_OK;
            }
            catch (Pkcs11Exception e)
            {
                return e.RV;
            }
        });
        Assert.Equal(CKR.CKR_ACTION_PROHIBITED, answer);

        var certificate = StandInCertificate(point);
        var key = new SigningKey(session, new TokenCertificate("uncopyable", id, certificate, HasPublicKey: true, HasPrivateKey: true));
        var verifier = SignerUtilities.GetSigner("SHA256withECDSA");
        for (var i = 0; i < 5; i++)
        {
            var data = Receipt.Append((byte)i).ToArray();
            var signature = key.Sign(data);
            verifier.Init(false, certificate.GetPublicKey());
            verifier.BlockUpdate(data, 0, data.Length);
            Assert.True(verifier.VerifySignature(signature), $"signature {i} does not verify");
        }
        Assert.Equal(1, session.SessionCopyAttempts);
        Assert.Equal(1, SessionPrivateKeys(session, id)); // the generated key alone: no copy was made

        // And a key of the same session that can be copied still is.
        var copyable = session.GetSigningKey();
        copyable.Sign(Receipt);
        Assert.Equal(2, session.SessionCopyAttempts);
        Assert.Equal(1, SessionPrivateKeys(session, copyable.Entry.Id));
    }

    /// <summary>Private keys with CKA_TOKEN=false and this CKA_ID, seen from the token's own session.</summary>
    private static int SessionPrivateKeys(TokenSession session, byte[] id) =>
        session.Run("count", (s, _) => FindSessionPrivateKeys(s, id).Count);

    private static List<IObjectHandle> FindSessionPrivateKeys(ISession s, byte[] id)
    {
        var f = s.Factories.ObjectAttributeFactory;
        return s.FindAllObjects(
        [
            f.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            f.Create(CKA.CKA_TOKEN, false),
            f.Create(CKA.CKA_ID, id),
        ]);
    }

    private static (IObjectHandle PrivateKey, byte[] Point) GenerateUncopyableEcKey(ISession s, byte[] id)
    {
        var f = s.Factories.ObjectAttributeFactory;
        using var mechanism = s.Factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN);
        s.GenerateKeyPair(mechanism,
            [
                f.Create(CKA.CKA_TOKEN, false),
                f.Create(CKA.CKA_EC_PARAMS, SecObjectIdentifiers.SecP256r1.GetDerEncoded()),
                f.Create(CKA.CKA_VERIFY, true),
                f.Create(CKA.CKA_ID, id),
            ],
            [
                f.Create(CKA.CKA_TOKEN, false),
                f.Create(CKA.CKA_PRIVATE, true),
                f.Create(CKA.CKA_SENSITIVE, true),
                f.Create(CKA.CKA_SIGN, true),
                f.Create(CKA.CKA_COPYABLE, false),
                f.Create(CKA.CKA_ID, id),
            ],
            out var publicKey, out var privateKey);
        // CKA_EC_POINT is the DER OCTET STRING around the uncompressed point.
        var encoded = s.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
        return (privateKey, Asn1OctetString.GetInstance(encoded).GetOctets());
    }

    /// <summary>A certificate for the token key's public point, signed by a throwaway key: only its public key matters here.</summary>
    private static Org.BouncyCastle.X509.X509Certificate StandInCertificate(byte[] point)
    {
        var curve = ECNamedCurveTable.GetByOid(SecObjectIdentifiers.SecP256r1);
        var domain = new ECNamedDomainParameters(SecObjectIdentifiers.SecP256r1, curve);
        var publicKey = new ECPublicKeyParameters("EC", curve.Curve.DecodePoint(point), SecObjectIdentifiers.SecP256r1);
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(domain, new SecureRandom()));
        var issuerKey = generator.GenerateKeyPair();
        var name = new X509Name("CN=uncopyable test key");
        var builder = new X509V3CertificateGenerator();
        builder.SetSerialNumber(BigInteger.One);
        builder.SetIssuerDN(name);
        builder.SetSubjectDN(name);
        builder.SetNotBefore(DateTime.UtcNow.AddMinutes(-1));
        builder.SetNotAfter(DateTime.UtcNow.AddDays(1));
        builder.SetPublicKey(publicKey);
        return builder.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", issuerKey.Private));
    }
}
