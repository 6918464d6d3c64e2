using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// Identification of the signing certificate: the candidate named by the signer identifier (among the CMS's
/// certificates, then the configured intermediates) and the signing-certificate(-v2) attribute that binds it, which
/// neither BouncyCastle nor .NET enforces.
/// </summary>
internal static class SigningCertificateIdentification
{
    public static readonly CmsFailure NotFound = new(SubIndication.NoSigningCertificateFound, "cms.signer-certificate",
        "the signer's certificate is not in the CMS", Indication.Indeterminate);

    /// <summary>The certificates the CMS carries (attribute certificates and other tagged choices are no signer candidates).</summary>
    public static List<ParsedCertificate> EmbeddedCertificates(SignedDataEnvelope env)
    {
        var embedded = new List<ParsedCertificate>();
        if (env.CertificateElements is { } elements)
        {
            foreach (var element in elements)
                embedded.Add(ParsedCertificate.FromCanonicalDer(element));
        }
        else if (env.BcCertificates is { } bcSet)
        {
            foreach (var item in bcSet)
            {
                if (item is Asn1TaggedObject)
                    continue;
                embedded.Add(ParsedCertificate.From(item));
            }
        }
        return embedded;
    }

    /// <summary>The certificate the signer identifier names: among the CMS's certificates first, then among <paramref name="fallback"/>.</summary>
    public static ParsedCertificate? FindSigner(SignedDataEnvelope env, List<ParsedCertificate> embedded, IReadOnlyList<ParsedCertificate> fallback) =>
        FindSigner(env, embedded) ?? FindSigner(env, fallback);

    private static ParsedCertificate? FindSigner(SignedDataEnvelope env, IReadOnlyList<ParsedCertificate> candidates)
    {
        foreach (var c in candidates)
        {
            if (env.SidKeyId is { } ski
                    ? c.SubjectKeyId is not null && c.SubjectKeyId.AsSpan().SequenceEqual(ski)
                    : c.Serial.Equals(env.SidSerial) && SameName(c.IssuerDer, c.Issuer, env.SidIssuerDer!, env.SidIssuer!))
                return c;
        }
        return null;
    }

    /// <summary>Equal DER is the same name (the common case, no name parsing); otherwise RFC 5280 name matching.</summary>
    private static bool SameName(byte[] derA, X509Name a, byte[] derB, X509Name b) =>
        derA.AsSpan().SequenceEqual(derB) || a.Equivalent(b, true);

    /// <summary>
    /// The signing-certificate(-v2) binding: null when it names <paramref name="signer"/>, the failure otherwise. The usual
    /// shape is read by <see cref="EssCertId.TryRead"/>; anything else takes BouncyCastle's decode, whose verdict and
    /// message such input keeps. Throws for a malformed attribute (a "malformed CMS" verdict upstream).
    /// </summary>
    /// <param name="allowFast">false forces the BouncyCastle decode (agreement tests).</param>
    public static CmsFailure? CheckBinding(SignedAttributes attrs, ParsedCertificate signer, bool allowFast = true) =>
        Check(attrs.Values, signer, allowFast) is { } f
            ? new CmsFailure(f.Sub, "cades.signing-certificate", f.Reason,
                f.Sub == SubIndication.FormatFailure ? Indication.TotalFailed : Indication.Indeterminate)
            : null;

    internal static (SubIndication Sub, string Reason)? Check(Dictionary<string, List<ReadOnlyMemory<byte>>> attrs,
        ParsedCertificate signer, bool allowFast = true)
    {
        byte[] actualHash;
        EssCertId id;
        if (attrs.TryGetValue(SignedAttributes.SigningCertificateV2, out var v2))
        {
            if (!allowFast || EssCertId.TryRead(v2[0], true, signer) is not { } fast)
            {
                var bc = SigningCertificateV2.GetInstance(Asn1Object.FromByteArray(v2[0].ToArray())).GetCerts()[0];
                fast = new EssCertId(bc.HashAlgorithm?.Algorithm.Id ?? EssCertId.Sha256Oid, bc.GetCertHash(), bc.IssuerSerial, false);
            }
            id = fast;
            var name = SignatureVerifier.DigestNames.GetValueOrDefault(id.HashOid);
            if (name is null or "MD5")
                return (SubIndication.FormatFailure, $"signing-certificate-v2 uses an unsupported hash {id.HashOid}");
            // The certificate's SHA-256 is already known (its cache key): no second pass over the DER.
            actualHash = name == "SHA256" ? Convert.FromHexString(signer.Sha256) : Digests.Hash(name, signer.Der);
        }
        else if (attrs.TryGetValue(SignedAttributes.SigningCertificate, out var v1))
        {
            if (!allowFast || EssCertId.TryRead(v1[0], false, signer) is not { } fast)
            {
                var bc = SigningCertificate.GetInstance(Asn1Object.FromByteArray(v1[0].ToArray())).GetCerts()[0];
                fast = new EssCertId(EssCertId.Sha1Oid, bc.GetCertHash(), bc.IssuerSerial, false);
            }
            id = fast;
            actualHash = SHA1.HashData(signer.Der);
        }
        else
        {
            return (SubIndication.FormatFailure, "no signing-certificate-v2 attribute (CAdES-BES requires it)");
        }
        if (!id.Hash.AsSpan().SequenceEqual(actualHash))
            return (SubIndication.NoSigningCertificateFound, "signing-certificate-v2 names a different certificate than the one that verifies");
        if (id.FastIssuerSerialMatch)
            return null;
        if (id.BcIssuerSerial is { } issuerSerial)
        {
            var issuerMatches = issuerSerial.Issuer.GetNames().Any(n => n.TagNo == GeneralName.DirectoryName
                                                                        && X509Name.GetInstance(n.Name) is var name
                                                                        && SameName(name.GetEncoded(Asn1Encodable.Der), name, signer.IssuerDer, signer.Issuer));
            if (!issuerMatches || !issuerSerial.Serial.Value.Equals(signer.Serial))
                return (SubIndication.NoSigningCertificateFound, "signing-certificate-v2 issuer/serial do not match the signer certificate");
        }
        return null;
    }
}
