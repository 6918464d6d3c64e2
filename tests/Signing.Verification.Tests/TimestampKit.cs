using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Tsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.Verification.Tests;

/// <summary>
/// A timestamp authority made with BouncyCastle at the ASN.1 level (its own TimeStampTokenGenerator refuses a TSA
/// certificate without a critical EKU, which one test needs): TSTInfo, signing-certificate-v2, the TSA certificate.
/// </summary>
public sealed class TestTsa
{
    public AsymmetricCipherKeyPair Key { get; } = OcspResponseBuilder.NewRsa();
    public X509Certificate Certificate { get; }

    /// <param name="selfIssued">Issued by its own key instead of the world's sub-CA: chains to no anchor.</param>
    public TestTsa(VerificationWorld world, bool criticalEku = true, string name = "Test Zaman Damgası", bool selfIssued = false)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(RandomNumberGenerator.GetInt32(1, int.MaxValue)));
        gen.SetIssuerDN(selfIssued ? new X509Name($"C=TR, CN={name}") : world.SubCa.SubjectDN);
        gen.SetSubjectDN(new X509Name($"C=TR, CN={name}"));
        gen.SetNotBefore(world.Now.UtcDateTime.AddDays(-20));
        gen.SetNotAfter(world.Now.UtcDateTime.AddDays(365));
        gen.SetPublicKey(Key.Public);
        if (!selfIssued)
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(world.SubCa));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, criticalEku, new ExtendedKeyUsage(KeyPurposeID.id_kp_timeStamping));
        Certificate = gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", selfIssued ? Key.Private : world.SubCaKey));
    }

    /// <summary>A token over <paramref name="data"/> (or over <paramref name="imprintOf"/> instead, to break the imprint) at <paramref name="genTime"/>.</summary>
    public byte[] Stamp(byte[] data, DateTimeOffset genTime, byte[]? imprintOf = null)
    {
        var imprint = new MessageImprint(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance), SHA256.HashData(imprintOf ?? data));
        var info = new TstInfo(new DerObjectIdentifier("2.16.792.1.2.1.1.5.7.3.1"), imprint,
            DerInteger.ValueOf(RandomNumberGenerator.GetInt32(1, int.MaxValue)), new Asn1GeneralizedTime(genTime.UtcDateTime), null, null, null, null, null);
        var essId = new EssCertIDv2(SHA256.HashData(Certificate.GetEncoded()));
        var signed = new Asn1EncodableVector
        {
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(essId))),
        };
        var gen = new CmsSignedDataGenerator();
        gen.AddSigner(Key.Private, Certificate, CmsSignedGenerator.DigestSha256, new AttributeTable(signed), null);
        gen.AddCertificate(Certificate);
        var cms = gen.Generate(new CmsProcessableByteArray(PkcsObjectIdentifiers.IdCTTstInfo, info.GetEncoded(Asn1Encodable.Der)), true);
        return cms.ContentInfo.GetEncoded(Asn1Encodable.Der);
    }
}
