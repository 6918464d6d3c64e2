using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.Operators.Utilities;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using IssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;

namespace Signing.Tokens;

public sealed record CadesOptions
{
    /// <summary>Null = the key's default (PKCS#1 v1.5 SHA-256 for RSA, ECDSA SHA-256 for EC).</summary>
    public SignatureScheme? Scheme { get; init; }

    /// <summary>More certificates to put in the CMS (e.g. the sub-CA) besides the signer's own (a DER SET, so sorted by encoding). Read once, when the CadesSigner is made.</summary>
    public IReadOnlyList<X509Certificate> ExtraCertificates { get; init; } = [];

    /// <summary>The clock of the signing-time attribute.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// CAdES-BES (ETSI EN 319 122-1 baseline B) signatures made on a token: CMS SignedData with signed attributes
/// content-type, message-digest, signing-time, signing-certificate-v2 (SHA-256 of the signer's certificate with
/// issuer and serial) and CMS algorithm protection (RFC 6211), the signer's certificate and
/// <see cref="CadesOptions.ExtraCertificates"/> included. Attached (content inside) or detached. Thread-safe.
/// </summary>
/// <remarks>
/// The output is the one BouncyCastle's CmsSignedDataGenerator gives for the same inputs (byte for byte with a
/// deterministic signature), but built from a template: receipts are signed thousands of times a second with one key,
/// and the generator rebuilt the signer info, the certificate set and the algorithm lookups for every signature. Here
/// everything that depends only on the key, the certificates and the scheme is made once, down to the DER of the
/// SignedData's constant fields (version, digest algorithms, the certificate set), and a call does the content hash,
/// the signed-attribute set, one token signature, the SignerInfo and an AsnWriter pass that copies the pre-encoded
/// parts around them.
/// </remarks>
public sealed class CadesSigner
{
    /// <summary>The tag of RFC 5652's [0] EXPLICIT wrappers (ContentInfo.content, EncapsulatedContentInfo.eContent).</summary>
    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>
    /// One writer per thread, reused (Reset keeps its buffer): a writer's own buffer plus the copy Encode returns would
    /// otherwise allocate the output twice per receipt. Contents above this size get a writer of their own, so a rare
    /// large form does not leave a large buffer on a pool thread.
    /// </summary>
    private const int MaxReusedContentLength = 16 * 1024;

    [ThreadStatic] private static AsnWriter? t_writer;

    private readonly CadesOptions _options;
    private readonly SignatureScheme _scheme;
    private readonly AlgorithmIdentifier _digestAlgorithm;
    private readonly AlgorithmIdentifier _signatureAlgorithm;
    private readonly SignerIdentifier _signerId;
    // The DER of everything in the ContentInfo that no signature changes, encoded once: re-encoding the certificate set
    // (hundreds of ASN.1 nodes) for every signature would be most of the CMS cost.
    private readonly byte[] _signedDataOid;
    private readonly byte[] _dataOid;
    private readonly byte[] _version;
    private readonly byte[] _digestAlgorithms;
    private readonly byte[] _certificates;
    private readonly int _constantLength;
    private readonly Attribute _contentType;
    private readonly Attribute _algorithmProtection;
    private readonly Attribute _signingCertificateV2;

    public CadesSigner(SigningKey key, CadesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        _options = options ?? new CadesOptions();
        _scheme = _options.Scheme ?? key.DefaultScheme;
        _signatureAlgorithm = TokenSignatureFactory.AlgorithmIdentifierFor(_scheme);
        // The digest AlgorithmIdentifier exactly as the CMS generator derives it from the signature algorithm
        // (e.g. sha256 with absent parameters; the hash inside the parameters for RSASSA-PSS).
        _digestAlgorithm = DefaultDigestAlgorithmFinder.Instance.Find(_signatureAlgorithm);
        var digestAlgorithms = new DerSet(_digestAlgorithm);

        var certificates = new Asn1EncodableVector(key.Certificate.CertificateStructure);
        foreach (var extra in _options.ExtraCertificates)
            certificates.Add(extra.CertificateStructure);
        // DerSet sorts the certificates by their encodings, as DER requires and as the CMS generator does.
        var certificateSet = new DerSet(certificates);

        _signerId = new SignerIdentifier(new IssuerAndSerialNumber(key.Certificate.IssuerDN, new DerInteger(key.Certificate.SerialNumber)));
        _contentType = new Attribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data));
        _algorithmProtection = new Attribute(CmsAttributes.CmsAlgorithmProtect,
            new DerSet(new CmsAlgorithmProtection(_digestAlgorithm, CmsAlgorithmProtection.Signature, _signatureAlgorithm)));
        _signingCertificateV2 = SigningCertificateV2(key.Certificate);

        // The SignedData version is BouncyCastle's rule (it depends on the content type, the certificate kinds and the
        // signer infos' versions), so it is read from a SignedData shaped like the ones Sign makes rather than hard-coded.
        // Only the signature value and the attribute values differ per call, and neither moves the version.
        var shape = new SignedData(digestAlgorithms, new ContentInfo(CmsObjectIdentifiers.Data, null), certificateSet, null,
            new DerSet(SignerInfoFor(new DerSet(_contentType), [])));
        _version = shape.Version.GetEncoded(Asn1Encodable.Der);
        _digestAlgorithms = digestAlgorithms.GetEncoded(Asn1Encodable.Der);
        // certificates [0] IMPLICIT CertificateSet: BouncyCastle's own tagging of the sorted set.
        _certificates = new DerTaggedObject(false, 0, certificateSet).GetEncoded(Asn1Encodable.Der);
        _signedDataOid = CmsObjectIdentifiers.SignedData.GetEncoded(Asn1Encodable.Der);
        _dataOid = CmsObjectIdentifiers.Data.GetEncoded(Asn1Encodable.Der);
        _constantLength = _signedDataOid.Length + _dataOid.Length + _version.Length + _digestAlgorithms.Length + _certificates.Length;
    }

    public SigningKey Key { get; }

    /// <summary>Signs <paramref name="content"/> and returns the DER-encoded ContentInfo (a .p7s).</summary>
    public byte[] Sign(byte[] content, bool detached)
    {
        ArgumentNullException.ThrowIfNull(content);
        var signingTime = new Attribute(CmsAttributes.SigningTime,
            new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(_options.Clock.GetUtcNow().UtcDateTime)));
        var messageDigest = new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(_scheme.HashData(content))));
        // DerSet sorts its elements as DER requires (and keeps the sorted encodings, reused by the SignerInfo below).
        var signedAttributes = new DerSet(new Asn1EncodableVector(_contentType, signingTime, _algorithmProtection, messageDigest, _signingCertificateV2));
        var signature = Key.Sign(signedAttributes.GetEncoded(Asn1Encodable.Der), _scheme);

        // The SignerInfo is small and changes every call: BouncyCastle encodes it.
        var signerInfo = SignerInfoFor(signedAttributes, signature).GetEncoded(Asn1Encodable.Der);

        var reuse = content.Length <= MaxReusedContentLength;
        var writer = reuse
            ? t_writer ??= new AsnWriter(AsnEncodingRules.DER, 8 * 1024)
            : new AsnWriter(AsnEncodingRules.DER, _constantLength + signerInfo.Length + content.Length + 64);
        try
        {
            WriteContentInfo(writer, content, detached, signerInfo);
            return writer.Encode();
        }
        finally
        {
            if (reuse)
                writer.Reset();
        }
    }

    // ContentInfo { contentType signedData, content [0] EXPLICIT SignedData { version, digestAlgorithms,
    // encapContentInfo { eContentType data, eContent [0] EXPLICIT OCTET STRING OPTIONAL }, certificates [0] IMPLICIT,
    // signerInfos SET } } (RFC 5652 §3, §5.1), in DER: definite lengths, the pre-encoded parts copied in as they are.
    private void WriteContentInfo(AsnWriter writer, byte[] content, bool detached, byte[] signerInfo)
    {
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(_signedDataOid);
            using (writer.PushSequence(Explicit0))
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(_version);
                writer.WriteEncodedValue(_digestAlgorithms);
                using (writer.PushSequence())
                {
                    writer.WriteEncodedValue(_dataOid);
                    if (!detached)
                    {
                        using (writer.PushSequence(Explicit0))
                            writer.WriteOctetString(content);
                    }
                }
                writer.WriteEncodedValue(_certificates);
                using (writer.PushSetOf())
                    writer.WriteEncodedValue(signerInfo);
            }
        }
    }

    private SignerInfo SignerInfoFor(Asn1Set signedAttributes, byte[] signature) =>
        new(_signerId, _digestAlgorithm, signedAttributes, _signatureAlgorithm, new DerOctetString(signature), null);

    private static Attribute SigningCertificateV2(X509Certificate certificate)
    {
        var hash = SHA256.HashData(certificate.GetEncoded());
        var issuerSerial = new IssuerSerial(new GeneralNames(new GeneralName(certificate.IssuerDN)), new DerInteger(certificate.SerialNumber));
        // SHA-256 is the default hashAlgorithm of ESSCertIDv2, so it is left out of the encoding.
        var certId = new EssCertIDv2(hash, issuerSerial);
        return new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(certId)));
    }
}

/// <summary>
/// Proof that the caller holds the token's private key: a CAdES-BES CMS with the challenge bytes attached and the
/// signing certificate included, so the server's verification engine can check the signature, the certificate and
/// that the content is the challenge it issued.
/// </summary>
public sealed class ProofOfPossession(SigningKey key, CadesOptions? options = null)
{
    private readonly CadesSigner _signer = new(key, options);

    public byte[] Sign(byte[] challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (challenge.Length == 0)
            throw new ArgumentException("the challenge is empty", nameof(challenge));
        return _signer.Sign(challenge, detached: false);
    }
}
