using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.Tokens;

public sealed record CadesOptions
{
    /// <summary>Null = the key's default (PKCS#1 v1.5 SHA-256 for RSA, ECDSA SHA-256 for EC).</summary>
    public SignatureScheme? Scheme { get; init; }

    /// <summary>More certificates to put in the CMS (e.g. the sub-CA), after the signer's own.</summary>
    public IReadOnlyList<X509Certificate> ExtraCertificates { get; init; } = [];

    /// <summary>The clock of the signing-time attribute.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// CAdES-BES (ETSI EN 319 122-1 baseline B) signatures made on a token: CMS SignedData with signed attributes
/// content-type, message-digest, signing-time and signing-certificate-v2 (SHA-256 of the signer's certificate with
/// issuer and serial), the signer's certificate included. Attached (content inside) or detached. Thread-safe.
/// </summary>
public sealed class CadesSigner(SigningKey key, CadesOptions? options = null)
{
    private readonly CadesOptions _options = options ?? new CadesOptions();
    private readonly Attribute _signingCertificateV2 = SigningCertificateV2(key.Certificate);

    public SigningKey Key { get; } = key;

    /// <summary>Signs <paramref name="content"/> and returns the DER-encoded ContentInfo (a .p7s).</summary>
    public byte[] Sign(byte[] content, bool detached)
    {
        ArgumentNullException.ThrowIfNull(content);
        var signedAttributes = new Asn1EncodableVector
        {
            _signingCertificateV2,
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(_options.Clock.GetUtcNow().UtcDateTime))),
        };
        // The default generator adds content-type and message-digest (and CMS algorithm protection) to these.
        var signerInfo = new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(signedAttributes)))
            .Build(Key.SignatureFactory(_options.Scheme), Key.Certificate);

        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificate(Key.Certificate);
        foreach (var extra in _options.ExtraCertificates)
            generator.AddCertificate(extra);
        var signed = generator.Generate(new CmsProcessableByteArray(content), encapsulate: !detached);
        return signed.GetEncoded(Asn1Encodable.Der);
    }

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
