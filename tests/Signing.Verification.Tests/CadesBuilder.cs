using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;

namespace Signing.Verification.Tests;

/// <summary>
/// Builds CAdES-BES SignedData at the ASN.1 level with BouncyCastle, with a knob for every way to break one,
/// so each tamper test states exactly what it changes.
/// </summary>
public sealed record CadesBuilder(AsymmetricKeyParameter Key, X509Certificate Certificate, string Algorithm)
{
    public byte[] Content { get; init; } = "{\"form\":\"NES 3 YILLIK BAŞVURUSU\"}"u8.ToArray();
    public bool Detached { get; init; }
    public DateTimeOffset? SigningTime { get; init; }
    public bool SignedAttributes { get; init; } = true;
    public bool SigningCertificateV2 { get; init; } = true;
    /// <summary>The certificate the signing-certificate-v2 attribute names (default: the signer's).</summary>
    public X509Certificate? EssCertificate { get; init; }
    public string ContentTypeAttribute { get; init; } = "1.2.840.113549.1.7.1";
    public byte[]? MessageDigestOverride { get; init; }
    public bool DuplicateContentType { get; init; }
    /// <summary>Certificates embedded in the CMS (default: the signer's).</summary>
    public IReadOnlyList<X509Certificate>? Embedded { get; init; }
    /// <summary>The certificate the SignerIdentifier points to (default: the signer's).</summary>
    public X509Certificate? SidCertificate { get; init; }
    public Func<byte[], byte[]>? MutateSignature { get; init; }
    public int SignerCount { get; init; } = 1;
    /// <summary>Makes a signature timestamp token (DER ContentInfo) over the signature value, put in the unsigned attributes.</summary>
    public Func<byte[], byte[]>? SignatureTimestamp { get; init; }
    /// <summary>A signature-policy-identifier signed attribute naming this policy OID.</summary>
    public string? SignaturePolicyOid { get; init; }

    private string DigestName => Algorithm.StartsWith("SHA1", StringComparison.Ordinal) ? "SHA1"
        : Algorithm.StartsWith("MD5", StringComparison.Ordinal) ? "MD5" : Algorithm[..6];

    private static DerObjectIdentifier DigestOid(string name) => name switch
    {
        "SHA1" => OiwObjectIdentifiers.IdSha1,
        "MD5" => PkcsObjectIdentifiers.MD5,
        "SHA256" => NistObjectIdentifiers.IdSha256,
        "SHA384" => NistObjectIdentifiers.IdSha384,
        "SHA512" => NistObjectIdentifiers.IdSha512,
        _ => throw new ArgumentException(name),
    };

    private AlgorithmIdentifier SignatureAlgorithm()
    {
        if (Algorithm.EndsWith("WITHRSAANDMGF1", StringComparison.Ordinal))
        {
            var hash = new AlgorithmIdentifier(DigestOid(DigestName), DerNull.Instance);
            var size = DigestUtilities.GetDigest(DigestName).GetDigestSize();
            return new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsassaPss, new RsassaPssParameters(hash,
                new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, hash), DerInteger.ValueOf(size), DerInteger.ValueOf(1)));
        }
        if (Algorithm.EndsWith("WITHECDSA", StringComparison.Ordinal))
        {
            return new AlgorithmIdentifier(DigestName switch
            {
                "SHA256" => X9ObjectIdentifiers.ECDsaWithSha256,
                "SHA384" => X9ObjectIdentifiers.ECDsaWithSha384,
                "SHA512" => X9ObjectIdentifiers.ECDsaWithSha512,
                _ => X9ObjectIdentifiers.ECDsaWithSha1,
            });
        }
        return new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
    }

    public byte[] Build()
    {
        var digestAlg = new AlgorithmIdentifier(DigestOid(DigestName), DerNull.Instance);
        var infos = Enumerable.Range(0, SignerCount).Select(_ => BuildSignerInfo(digestAlg)).ToArray();
        var certs = (Embedded ?? [Certificate]).Select(c => X509CertificateStructure.GetInstance(c.GetEncoded())).ToArray<Asn1Encodable>();
        var signedData = new SignedData(new DerSet(digestAlg),
            new ContentInfo(CmsObjectIdentifiers.Data, Detached ? null : new DerOctetString(Content)),
            certs.Length == 0 ? null : new DerSet(certs), null, new DerSet(infos));
        return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
    }

    private SignerInfo BuildSignerInfo(AlgorithmIdentifier digestAlg)
    {
        var sidCert = SidCertificate ?? Certificate;
        var sid = new SignerIdentifier(new Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber(sidCert.IssuerDN, sidCert.SerialNumber));
        var signer = SignerUtilities.GetSigner(Algorithm);
        signer.Init(true, Key);
        byte[] signature;
        Asn1Set? signedAttrs = null;
        if (SignedAttributes)
        {
            var v = new Asn1EncodableVector
            {
                new Attribute(CmsAttributes.ContentType, new DerSet(new DerObjectIdentifier(ContentTypeAttribute))),
                new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(
                    MessageDigestOverride ?? DigestUtilities.CalculateDigest(DigestName, Content)))),
            };
            if (DuplicateContentType)
                v.Add(new Attribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)));
            if (SigningTime is { } t)
                v.Add(new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(t.UtcDateTime))));
            if (SignaturePolicyOid is { } policy)
            {
                var id = new Org.BouncyCastle.Asn1.Esf.SignaturePolicyId(new DerObjectIdentifier(policy),
                    new Org.BouncyCastle.Asn1.Esf.OtherHashAlgAndValue(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256), new DerOctetString(new byte[32])));
                v.Add(new Attribute(PkcsObjectIdentifiers.IdAAEtsSigPolicyID, new DerSet(new Org.BouncyCastle.Asn1.Esf.SignaturePolicyIdentifier(id))));
            }
            if (SigningCertificateV2)
            {
                var ess = EssCertificate ?? Certificate;
                var id = new EssCertIDv2(SHA256.HashData(ess.GetEncoded()),
                    new IssuerSerial(new GeneralNames(new GeneralName(ess.IssuerDN)), new DerInteger(ess.SerialNumber)));
                v.Add(new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(id))));
            }
            signedAttrs = new DerSet(v);
            var bytes = signedAttrs.GetEncoded(Asn1Encodable.Der);
            signer.BlockUpdate(bytes, 0, bytes.Length);
        }
        else
        {
            signer.BlockUpdate(Content, 0, Content.Length);
        }
        signature = signer.GenerateSignature();
        if (MutateSignature is not null)
            signature = MutateSignature(signature);
        Asn1Set? unsigned = null;
        if (SignatureTimestamp is not null)
            unsigned = new DerSet(new Attribute(PkcsObjectIdentifiers.IdAASignatureTimeStampToken,
                new DerSet(ContentInfo.GetInstance(Asn1Object.FromByteArray(SignatureTimestamp(signature))))));
        return new SignerInfo(sid, digestAlg, signedAttrs, SignatureAlgorithm(), new DerOctetString(signature), unsigned);
    }
}
