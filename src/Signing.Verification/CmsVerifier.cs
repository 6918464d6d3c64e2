using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;

namespace Signing.Verification;

/// <summary>
/// CMS / CAdES-BES verification (attached or detached): exactly one signer, DER signed attributes with
/// content-type and message-digest, a signing-certificate(-v2) attribute binding the signer certificate,
/// the signature checked with the certificate's public key by .NET, then the certificate judged by
/// <see cref="CertificateValidator"/> now and at the claimed signing time. Thread-safe; never throws for bad input.
/// </summary>
public sealed class CmsVerifier
{
    private const string ContentTypeAttr = "1.2.840.113549.1.9.3";
    private const string MessageDigestAttr = "1.2.840.113549.1.9.4";
    private const string SigningTimeAttr = "1.2.840.113549.1.9.5";
    private const string SigningCertificateAttr = "1.2.840.113549.1.9.16.2.12";
    private const string SigningCertificateV2Attr = "1.2.840.113549.1.9.16.2.47";
    private const string SignedDataOid = "1.2.840.113549.1.7.2";

    public CmsVerifier(TrustConfiguration trust) => Certificates = new CertificateValidator(trust);

    public CmsVerifier(CertificateValidator certificates) => Certificates = certificates;

    public CertificateValidator Certificates { get; }

    /// <summary>
    /// Verifies a DER (or PEM "CMS"/"PKCS7") SignedData. <paramref name="detachedContent"/> is the signed content
    /// for a detached signature; for an attached one it may be given too and must then be equal.
    /// </summary>
    public Verdict Verify(byte[] cms, byte[]? detachedContent = null, VerificationOptions? options = null) =>
        VerifyCore(cms, detachedContent, options ?? VerificationOptions.Default, out _);

    /// <summary>Like <see cref="Verify(byte[], byte[], VerificationOptions)"/>, also returning the signed content (attached or detached) so the caller reads exactly what was signed.</summary>
    public Verdict Verify(byte[] cms, byte[]? detachedContent, VerificationOptions options, out byte[]? signedContent) =>
        VerifyCore(cms, detachedContent, options, out signedContent);

    /// <summary>
    /// Proof of possession: the token signed the server's challenge as CMS (attached or detached, CAdES-BES with
    /// the holder's certificate). Passed only if the signature covers exactly <paramref name="challenge"/> and the
    /// certificate passes; the verdict's Holder tells the certificate status (VALID, EXPIRING, EXPIRED, …).
    /// </summary>
    public Verdict VerifyProofOfPossession(byte[] cms, byte[] challenge, string? expectedTckn, DateTimeOffset now,
        ValidationProfile profile = ValidationProfile.KamuSmNes) =>
        Verify(cms, challenge, new VerificationOptions { ExpectedTckn = expectedTckn, At = now, Profile = profile });

    /// <summary>Like <see cref="Verify"/>, also returning the signed content (for callers that read it, e.g. e-Onay).</summary>
    internal Verdict VerifyCore(byte[] cms, byte[]? detachedContent, VerificationOptions options, out byte[]? content)
    {
        var time = options.At ?? DateTimeOffset.UtcNow;
        var policy = Certificates.PolicyFor(options);
        var checks = new List<Check>(24); // a passing kamusm-nes verdict has 22
        content = null;
        Verdict Fail(SubIndication sub, string check, string reason, Indication indication = Indication.TotalFailed,
            ParsedCertificate? signer = null, DateTimeOffset? signingTime = null)
        {
            checks.Add(new Check(check, CheckResult.Failed, reason));
            return new Verdict
            {
                Indication = indication, SubIndication = sub, Reason = reason, Checks = checks, Policy = policy,
                ValidationTime = time, Signer = signer?.Identity(Tckn.FromSubjectSerialNumber(signer.SubjectSerialNumber)),
                SigningTime = signingTime,
            };
        }

        // 1. Structure.
        SignedData sd;
        SignerInfo si;
        try
        {
            var ci = ContentInfo.GetInstance(Asn1Object.FromByteArray(Pem.ToDer(cms, "CMS") is var der && der == cms ? Pem.ToDer(cms, "PKCS7") : der));
            if (ci.ContentType.Id != SignedDataOid)
                return Fail(SubIndication.FormatFailure, "cms.structure", $"not a SignedData (content type {ci.ContentType.Id})");
            sd = SignedData.GetInstance(ci.Content);
            if (sd.SignerInfos.Count != 1)
                return Fail(SubIndication.FormatFailure, "cms.single-signer", $"exactly one signer is required, found {sd.SignerInfos.Count}");
            si = SignerInfo.GetInstance(sd.SignerInfos[0]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(SubIndication.FormatFailure, "cms.structure", "not a parsable CMS SignedData: " + e.Message);
        }
        checks.Add(new Check("cms.structure", CheckResult.Passed));
        checks.Add(new Check("cms.single-signer", CheckResult.Passed));

        try
        {
            // 2. Content.
            var eContentType = sd.EncapContentInfo.ContentType.Id;
            var attached = sd.EncapContentInfo.Content is { } ec ? Asn1OctetString.GetInstance(ec).GetOctets() : null;
            if (attached is not null && detachedContent is not null && !attached.AsSpan().SequenceEqual(detachedContent))
                return Fail(SubIndication.HashFailure, "cms.content", "the attached content differs from the expected content");
            content = attached ?? detachedContent;
            if (content is null)
                return Fail(SubIndication.SignedDataNotFound, "cms.content", "detached signature and no content given", Indication.Indeterminate);
            checks.Add(new Check("cms.content", CheckResult.Passed, attached is null ? "detached" : "attached"));

            // 3. Signed attributes.
            var signedAttrs = si.SignedAttrs;
            if (signedAttrs is null || signedAttrs.Count == 0)
                return Fail(SubIndication.FormatFailure, "cades.signed-attributes", "no signed attributes (CAdES-BES requires them)");
            var attrs = new Dictionary<string, Attribute>();
            foreach (var item in signedAttrs)
            {
                var a = Attribute.GetInstance(item);
                if (!attrs.TryAdd(a.AttrType.Id, a))
                    return Fail(SubIndication.FormatFailure, "cades.signed-attributes", $"attribute {a.AttrType.Id} appears twice");
            }
            Asn1Encodable? Single(string oid) =>
                attrs.TryGetValue(oid, out var a) ? (a.AttrValues.Count == 1 ? a.AttrValues[0] : throw new FormatException($"attribute {oid} must have exactly one value")) : null;
            var contentTypeValue = Single(ContentTypeAttr);
            var digestValue = Single(MessageDigestAttr);
            if (contentTypeValue is null || digestValue is null)
                return Fail(SubIndication.FormatFailure, "cades.signed-attributes", "content-type or message-digest attribute missing");
            checks.Add(new Check("cades.signed-attributes", CheckResult.Passed));
            if (DerObjectIdentifier.GetInstance(contentTypeValue).Id != eContentType)
                return Fail(SubIndication.FormatFailure, "cades.content-type", "the content-type attribute differs from eContentType");
            checks.Add(new Check("cades.content-type", CheckResult.Passed));

            DateTimeOffset? signingTime = null;
            if (Single(SigningTimeAttr) is { } st)
                signingTime = new DateTimeOffset(Org.BouncyCastle.Asn1.Cms.Time.GetInstance(st).ToDateTime().ToUniversalTime(), TimeSpan.Zero);

            // 4. Signer certificate.
            var embedded = new List<ParsedCertificate>();
            if (sd.Certificates is { } set)
            {
                foreach (var item in set)
                {
                    if (item is Asn1TaggedObject)
                        continue; // attribute certificates and other formats are not signer candidates
                    embedded.Add(ParsedCertificate.From(item));
                }
            }
            var signer = FindSigner(si.SignerID, embedded) ?? FindSigner(si.SignerID, Certificates.Trust.Intermediates);
            if (signer is null)
                return Fail(SubIndication.NoSigningCertificateFound, "cms.signer-certificate", "the signer's certificate is not in the CMS", Indication.Indeterminate, signingTime: signingTime);
            checks.Add(new Check("cms.signer-certificate", CheckResult.Passed, signer.Identity(null).Subject));

            // 5. signing-certificate(-v2) binding (not enforced by BouncyCastle or .NET).
            var binding = CheckSigningCertificate(attrs, signer);
            if (binding is not null)
                return Fail(binding.Value.Sub, "cades.signing-certificate", binding.Value.Reason, binding.Value.Sub == SubIndication.FormatFailure ? Indication.TotalFailed : Indication.Indeterminate, signer, signingTime);
            checks.Add(new Check("cades.signing-certificate", CheckResult.Passed));

            // 6. Algorithms.
            var digestName = SignatureVerifier.DigestNames.GetValueOrDefault(si.DigestAlgorithm.Algorithm.Id);
            if (digestName is null)
                return Fail(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", $"unsupported digest algorithm {si.DigestAlgorithm.Algorithm.Id}", Indication.Indeterminate, signer, signingTime);
            if (digestName == "MD5" || (digestName == "SHA1" && !options.SignatureAlgorithms.AllowSha1))
                return Fail(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", $"{digestName} is not accepted for new signatures", Indication.Indeterminate, signer, signingTime);

            // 7. message-digest.
            var expectedDigest = Asn1OctetString.GetInstance(digestValue).GetOctets();
            var actualDigest = Hash(digestName, content);
            if (!CryptographicOperations.FixedTimeEquals(expectedDigest, actualDigest))
                return Fail(SubIndication.HashFailure, "cades.message-digest", "the content does not match the signed message digest", Indication.TotalFailed, signer, signingTime);
            checks.Add(new Check("cades.message-digest", CheckResult.Passed, digestName));

            // 8. The signature, with the certificate's public key (validity is judged separately below).
            var signed = signedAttrs.GetEncoded(Asn1Encodable.Der);
            var sig = SignatureVerifier.Verify(si.SignatureAlgorithm, signed, si.Signature.GetOctets(), signer.Key,
                options.SignatureAlgorithms, out var sigDetail, digestName);
            switch (sig)
            {
                case SignatureCheck.Weak:
                case SignatureCheck.Unsupported:
                    return Fail(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", sigDetail, Indication.Indeterminate, signer, signingTime);
                case SignatureCheck.Invalid:
                    return Fail(SubIndication.SigCryptoFailure, "cms.signature", sigDetail, Indication.TotalFailed, signer, signingTime);
            }
            checks.Add(new Check("crypto.algorithms", CheckResult.Passed));
            checks.Add(new Check("cms.signature", CheckResult.Passed));

            // 9. Claimed signing time.
            if (signingTime is { } claimed && claimed > time + Certificates.Trust.SigningTimeSkew)
                return Fail(SubIndication.SigConstraintsFailure, "cades.signing-time", $"the claimed signing time {claimed:u} is in the future", Indication.TotalFailed, signer, signingTime);
            checks.Add(new Check("cades.signing-time", signingTime is null ? CheckResult.Skipped : CheckResult.Passed));

            // 10. The certificate now, and at the claimed signing time.
            var certOptions = embedded.Count == 0 ? options : options with { ExtraCertificates = [.. options.ExtraCertificates, .. embedded] };
            var now = Certificates.Evaluate(signer, certOptions, time, checks, "");
            var result = now;
            if (now.Passed && signingTime is { } at && at < time && !PathValidAt(now.Path, at))
            {
                // Revocation data describes now; at the signing time only validity and the path are judged.
                var then = Certificates.Evaluate(signer, certOptions with { ExpectedTckn = null }, at, checks, "signing-time.", RevocationMode.BestEffort);
                if (!then.Passed)
                    result = then with { Holder = now.Holder, Reason = "at the claimed signing time: " + then.Reason };
            }
            else if (now.Passed && signingTime is not null)
            {
                checks.Add(new Check("signing-time.x509.validity", CheckResult.Passed, "every certificate of the path was valid at the claimed signing time"));
            }
            return new Verdict
            {
                Indication = result.Indication,
                SubIndication = result.SubIndication,
                Reason = result.Reason,
                Checks = checks,
                Signer = signer.Identity(now.Tckn),
                Holder = now.Holder,
                Policy = policy,
                ValidationTime = time,
                SigningTime = signingTime,
                Chain = now.Path.Select(c => c.Sha256).ToList(),
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(SubIndication.FormatFailure, "cms.structure", "malformed CMS: " + e.Message);
        }
    }

    /// <summary>
    /// Whether every certificate of an already validated path was within its validity period at <paramref name="at"/>.
    /// Validity is the only part of the judgement that changes with time when revocation is judged "now" (a revocation
    /// before the signing time is also a revocation before now), so then the full re-validation is not needed.
    /// </summary>
    private static bool PathValidAt(IReadOnlyList<ParsedCertificate> path, DateTimeOffset at)
    {
        var t = at.UtcDateTime;
        t = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        foreach (var c in path)
        {
            if (t < c.NotBefore || t > c.NotAfter)
                return false;
        }
        return path.Count > 0;
    }

    private static ParsedCertificate? FindSigner(SignerIdentifier sid, IEnumerable<ParsedCertificate> candidates)
    {
        if (sid.IsTagged)
        {
            var ski = Asn1OctetString.GetInstance(Asn1TaggedObject.GetInstance(sid.ToAsn1Object()), false).GetOctets();
            return candidates.FirstOrDefault(c => c.SubjectKeyId is not null && c.SubjectKeyId.AsSpan().SequenceEqual(ski));
        }
        var ias = IssuerAndSerialNumber.GetInstance(sid.ID);
        return candidates.FirstOrDefault(c => c.Serial.Equals(ias.SerialNumber.Value) && c.Issuer.Equivalent(ias.Issuer, true));
    }

    private static (SubIndication Sub, string Reason)? CheckSigningCertificate(Dictionary<string, Attribute> attrs, ParsedCertificate signer)
    {
        byte[] expectedHash;
        byte[] actualHash;
        IssuerSerial? issuerSerial;
        if (attrs.TryGetValue(SigningCertificateV2Attr, out var v2))
        {
            var id = SigningCertificateV2.GetInstance(v2.AttrValues[0]).GetCerts()[0];
            var alg = id.HashAlgorithm?.Algorithm.Id ?? "2.16.840.1.101.3.4.2.1";
            var name = SignatureVerifier.DigestNames.GetValueOrDefault(alg);
            if (name is null or "MD5")
                return (SubIndication.FormatFailure, $"signing-certificate-v2 uses an unsupported hash {alg}");
            expectedHash = id.GetCertHash();
            // The certificate's SHA-256 is already known (its cache key): no second pass over the DER.
            actualHash = name == "SHA256" ? Convert.FromHexString(signer.Sha256) : Hash(name, signer.Der);
            issuerSerial = id.IssuerSerial;
        }
        else if (attrs.TryGetValue(SigningCertificateAttr, out var v1))
        {
            var id = SigningCertificate.GetInstance(v1.AttrValues[0]).GetCerts()[0];
            expectedHash = id.GetCertHash();
            actualHash = SHA1.HashData(signer.Der);
            issuerSerial = id.IssuerSerial;
        }
        else
        {
            return (SubIndication.FormatFailure, "no signing-certificate-v2 attribute (CAdES-BES requires it)");
        }
        if (!expectedHash.AsSpan().SequenceEqual(actualHash))
            return (SubIndication.NoSigningCertificateFound, "signing-certificate-v2 names a different certificate than the one that verifies");
        if (issuerSerial is not null)
        {
            var issuerMatches = issuerSerial.Issuer.GetNames().Any(n => n.TagNo == GeneralName.DirectoryName
                                                                        && X509Name.GetInstance(n.Name).Equivalent(signer.Issuer, true));
            if (!issuerMatches || !issuerSerial.Serial.Value.Equals(signer.Serial))
                return (SubIndication.NoSigningCertificateFound, "signing-certificate-v2 issuer/serial do not match the signer certificate");
        }
        return null;
    }

    private static byte[] Hash(string name, byte[] data) => name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        "SHA1" => SHA1.HashData(data),
        "MD5" => MD5.HashData(data),
        _ => Org.BouncyCastle.Security.DigestUtilities.CalculateDigest(name, data),
    };
}
