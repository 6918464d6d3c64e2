using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.X509;
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

        // 1. Structure. Canonical DER (what signers send) is read with AsnReader; anything else, or any shape the fast
        // reader does not take, goes through BouncyCastle's parse as before (same verdicts, same messages).
        Envelope env;
        try
        {
            var der = Pem.ToDer(cms, "CMS") is var d && d == cms ? Pem.ToDer(cms, "PKCS7") : d;
            var fast = Envelope.TryRead(der);
            if (fast is null)
            {
                var ci = ContentInfo.GetInstance(Asn1Object.FromByteArray(der));
                if (ci.ContentType.Id != SignedDataOid)
                    return Fail(SubIndication.FormatFailure, "cms.structure", $"not a SignedData (content type {ci.ContentType.Id})");
                var sd = SignedData.GetInstance(ci.Content);
                if (sd.SignerInfos.Count != 1)
                    return Fail(SubIndication.FormatFailure, "cms.single-signer", $"exactly one signer is required, found {sd.SignerInfos.Count}");
                fast = Envelope.From(sd, SignerInfo.GetInstance(sd.SignerInfos[0]));
            }
            env = fast;
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
            var eContentType = env.EContentType;
            var attached = env.Attached?.Invoke();
            if (attached is not null && detachedContent is not null && !attached.AsSpan().SequenceEqual(detachedContent))
                return Fail(SubIndication.HashFailure, "cms.content", "the attached content differs from the expected content");
            content = attached ?? detachedContent;
            if (content is null)
                return Fail(SubIndication.SignedDataNotFound, "cms.content", "detached signature and no content given", Indication.Indeterminate);
            checks.Add(new Check("cms.content", CheckResult.Passed, attached is null ? "detached" : "attached"));

            // 3. Signed attributes (DER: the values are decoded from their encodings).
            var signedAttrs = env.SignedAttrs;
            var attrs = new Dictionary<string, List<ReadOnlyMemory<byte>>>();
            if (signedAttrs is not null)
            {
                var set = new AsnReader(signedAttrs, AsnEncodingRules.DER);
                var items = set.ReadSetOf(skipSortOrderValidation: true);
                set.ThrowIfNotEmpty();
                while (items.HasData)
                {
                    var a = items.ReadSequence();
                    var type = a.ReadObjectIdentifier();
                    var valueSet = a.ReadSetOf(skipSortOrderValidation: true);
                    a.ThrowIfNotEmpty();
                    var values = new List<ReadOnlyMemory<byte>>(1);
                    while (valueSet.HasData)
                        values.Add(valueSet.ReadEncodedValue());
                    if (!attrs.TryAdd(type, values))
                        return Fail(SubIndication.FormatFailure, "cades.signed-attributes", $"attribute {type} appears twice");
                }
            }
            if (attrs.Count == 0)
                return Fail(SubIndication.FormatFailure, "cades.signed-attributes", "no signed attributes (CAdES-BES requires them)");
            ReadOnlyMemory<byte>? Single(string oid)
            {
                if (!attrs.TryGetValue(oid, out var a))
                    return null;
                return a.Count == 1 ? a[0] : throw new FormatException($"attribute {oid} must have exactly one value");
            }
            var contentTypeValue = Single(ContentTypeAttr);
            var digestValue = Single(MessageDigestAttr);
            if (contentTypeValue is null || digestValue is null)
                return Fail(SubIndication.FormatFailure, "cades.signed-attributes", "content-type or message-digest attribute missing");
            checks.Add(new Check("cades.signed-attributes", CheckResult.Passed));
            if (Der(contentTypeValue.Value).ReadObjectIdentifier() != eContentType)
                return Fail(SubIndication.FormatFailure, "cades.content-type", "the content-type attribute differs from eContentType");
            checks.Add(new Check("cades.content-type", CheckResult.Passed));

            DateTimeOffset? signingTime = null;
            if (Single(SigningTimeAttr) is { } st)
                signingTime = ReadSigningTime(st);

            // 4. Signer certificate.
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
                        continue; // attribute certificates and other formats are not signer candidates
                    embedded.Add(ParsedCertificate.From(item));
                }
            }
            var signer = FindSigner(env, embedded) ?? FindSigner(env, Certificates.Trust.Intermediates);
            if (signer is null)
                return Fail(SubIndication.NoSigningCertificateFound, "cms.signer-certificate", "the signer's certificate is not in the CMS", Indication.Indeterminate, signingTime: signingTime);
            checks.Add(new Check("cms.signer-certificate", CheckResult.Passed, signer.Identity(null).Subject));

            // 5. signing-certificate(-v2) binding (not enforced by BouncyCastle or .NET).
            var binding = CheckSigningCertificate(attrs, signer);
            if (binding is not null)
                return Fail(binding.Value.Sub, "cades.signing-certificate", binding.Value.Reason, binding.Value.Sub == SubIndication.FormatFailure ? Indication.TotalFailed : Indication.Indeterminate, signer, signingTime);
            checks.Add(new Check("cades.signing-certificate", CheckResult.Passed));

            // 6. Algorithms.
            var digestOid = env.DigestAlgorithm.Algorithm.Id;
            var digestName = SignatureVerifier.DigestNames.GetValueOrDefault(digestOid);
            if (digestName is null)
                return Fail(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", $"unsupported digest algorithm {digestOid}", Indication.Indeterminate, signer, signingTime);
            if (digestName == "MD5" || (digestName == "SHA1" && !options.SignatureAlgorithms.AllowSha1))
                return Fail(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", $"{digestName} is not accepted for new signatures", Indication.Indeterminate, signer, signingTime);

            // 7. message-digest.
            var expectedDigest = Der(digestValue.Value).ReadOctetString();
            var actualDigest = Hash(digestName, content);
            if (!CryptographicOperations.FixedTimeEquals(expectedDigest, actualDigest))
                return Fail(SubIndication.HashFailure, "cades.message-digest", "the content does not match the signed message digest", Indication.TotalFailed, signer, signingTime);
            checks.Add(new Check("cades.message-digest", CheckResult.Passed, digestName));

            // 8. The signature over the DER SET of the signed attributes, with the certificate's public key (validity is
            // judged separately below).
            var sig = SignatureVerifier.Verify(env.SignatureAlgorithm, signedAttrs!, env.Signature, signer.Key,
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

    private static AsnReader Der(ReadOnlyMemory<byte> encoded) => new(encoded, AsnEncodingRules.DER);

    private static ParsedCertificate? FindSigner(Envelope env, IEnumerable<ParsedCertificate> candidates)
    {
        if (env.SidKeyId is { } ski)
            return candidates.FirstOrDefault(c => c.SubjectKeyId is not null && c.SubjectKeyId.AsSpan().SequenceEqual(ski));
        return candidates.FirstOrDefault(c => c.Serial.Equals(env.SidSerial) && SameName(c.IssuerDer, c.Issuer, env.SidIssuerDer!, env.SidIssuer!));
    }

    /// <summary>Equal DER is the same name (the common case, no name parsing); otherwise RFC 5280 name matching as before.</summary>
    private static bool SameName(byte[] derA, X509Name a, byte[] derB, X509Name b) =>
        derA.AsSpan().SequenceEqual(derB) || a.Equivalent(b, true);

    /// <summary>
    /// The signing-certificate(-v2) binding. The usual shape (one ESSCertID(v2), an IssuerSerial with one directoryName
    /// byte-equal to the certificate's issuer, or none) is read with AsnReader; anything else takes BouncyCastle's decode
    /// as before, so odd or mismatching input keeps its old verdict and message.
    /// </summary>
    /// <param name="allowFast">false forces the BouncyCastle decode (agreement tests).</param>
    internal static (SubIndication Sub, string Reason)? CheckSigningCertificate(Dictionary<string, List<ReadOnlyMemory<byte>>> attrs,
        ParsedCertificate signer, bool allowFast = true)
    {
        byte[] actualHash;
        EssCertId id;
        if (attrs.TryGetValue(SigningCertificateV2Attr, out var v2))
        {
            if (!allowFast || EssCertId.TryRead(v2[0], true, signer) is not { } fast)
            {
                var bc = SigningCertificateV2.GetInstance(Asn1Object.FromByteArray(v2[0].ToArray())).GetCerts()[0];
                fast = new EssCertId(bc.HashAlgorithm?.Algorithm.Id ?? Sha256Oid, bc.GetCertHash(), bc.IssuerSerial, false);
            }
            id = fast;
            var name = SignatureVerifier.DigestNames.GetValueOrDefault(id.HashOid);
            if (name is null or "MD5")
                return (SubIndication.FormatFailure, $"signing-certificate-v2 uses an unsupported hash {id.HashOid}");
            // The certificate's SHA-256 is already known (its cache key): no second pass over the DER.
            actualHash = name == "SHA256" ? Convert.FromHexString(signer.Sha256) : Hash(name, signer.Der);
        }
        else if (attrs.TryGetValue(SigningCertificateAttr, out var v1))
        {
            if (!allowFast || EssCertId.TryRead(v1[0], false, signer) is not { } fast)
            {
                var bc = SigningCertificate.GetInstance(Asn1Object.FromByteArray(v1[0].ToArray())).GetCerts()[0];
                fast = new EssCertId("1.3.14.3.2.26", bc.GetCertHash(), bc.IssuerSerial, false);
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

    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    /// <summary>
    /// The first ESSCertID(v2) of a signing-certificate(-v2) attribute: from the fast reader (<see cref="FastIssuerSerialMatch"/>
    /// true when its IssuerSerial was found to name the signer), or from BouncyCastle (<see cref="BcIssuerSerial"/>, judged
    /// as before).
    /// </summary>
    internal readonly record struct EssCertId(string HashOid, byte[] Hash, IssuerSerial? BcIssuerSerial, bool FastIssuerSerialMatch)
    {
        private static readonly Asn1Tag DirectoryNameTag = new(TagClass.ContextSpecific, 4, true);

        /// <summary>
        /// SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies SEQUENCE OF PolicyInformation
        /// OPTIONAL }, ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256 (v2 only), certHash
        /// OCTET STRING, issuerSerial IssuerSerial OPTIONAL }, IssuerSerial ::= SEQUENCE { issuer GeneralNames,
        /// serialNumber INTEGER }. Taken only in a shape whose BouncyCastle decode cannot fail and whose answer is known
        /// without it: exactly one ESSCertID; no IssuerSerial, or one with a single directoryName byte-equal to the
        /// signer's issuer, no issuerUID, and the signer's serial. Null for anything else (the caller decodes with
        /// BouncyCastle, which also words mismatches as before).
        /// </summary>
        public static EssCertId? TryRead(ReadOnlyMemory<byte> value, bool v2, ParsedCertificate signer)
        {
            try
            {
                var top = Der(value);
                var sc = top.ReadSequence();
                top.ThrowIfNotEmpty();
                var certs = sc.ReadSequence();
                if (sc.HasData)
                {
                    if (!sc.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                        return null;
                    sc.ReadEncodedValue(); // policies: not judged (BouncyCastle only checks that it is a SEQUENCE)
                }
                sc.ThrowIfNotEmpty();
                var essId = certs.ReadSequence();
                if (certs.HasData)
                    return null; // BouncyCastle decodes every ESSCertID (and may reject a later one)
                var hashOid = v2 ? Sha256Oid : "1.3.14.3.2.26";
                if (v2 && essId.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    var alg = essId.ReadSequence();
                    hashOid = alg.ReadObjectIdentifier();
                    if (alg.HasData)
                        alg.ReadEncodedValue(); // parameters: not judged (as before)
                    alg.ThrowIfNotEmpty();
                }
                var hash = essId.ReadOctetString();
                if (!essId.HasData)
                    return new EssCertId(hashOid, hash, null, false);
                var issuerSerial = essId.ReadSequence();
                essId.ThrowIfNotEmpty();
                var names = issuerSerial.ReadSequence();
                var serial = issuerSerial.ReadIntegerBytes();
                if (issuerSerial.HasData)
                    return null; // issuerUID
                var directoryName = names.ReadSequence(DirectoryNameTag);
                if (names.HasData)
                    return null;
                var name = directoryName.ReadEncodedValue();
                directoryName.ThrowIfNotEmpty();
                // Byte-equal DER names are the same name, and the serial is compared as an INTEGER value (DER: minimal
                // two's complement, so equal values have equal bytes). Anything different: BouncyCastle decides and words it.
                if (!name.Span.SequenceEqual(signer.IssuerDer)
                    || !new Org.BouncyCastle.Math.BigInteger(serial.ToArray()).Equals(signer.Serial))
                    return null;
                return new EssCertId(hashOid, hash, null, true);
            }
            catch (Exception e) when (e is AsnContentException or ArgumentException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>signing-time: UTCTime/GeneralizedTime in whole seconds read with AsnReader, anything else by BouncyCastle as before.</summary>
    internal static DateTimeOffset ReadSigningTime(ReadOnlyMemory<byte> value, bool allowFast = true)
    {
        if (allowFast)
        {
            try
            {
                var reader = Der(value);
                if (DerCheck.TryReadWholeSecondTime(reader, out var t) && !reader.HasData)
                    return new DateTimeOffset(t.UtcDateTime, TimeSpan.Zero);
            }
            catch (AsnContentException)
            {
                // BouncyCastle below gives the old answer (value or rejection).
            }
        }
        return new DateTimeOffset(Org.BouncyCastle.Asn1.Cms.Time.GetInstance(Asn1Object.FromByteArray(value.ToArray())).ToDateTime().ToUniversalTime(), TimeSpan.Zero);
    }

    /// <summary>
    /// The parts of a one-signer SignedData that the verification reads, from AsnReader over canonical DER
    /// (<see cref="TryRead"/>) or from BouncyCastle's parse of anything else (<see cref="From"/>).
    /// </summary>
    private sealed class Envelope
    {
        public required string EContentType { get; init; }
        /// <summary>The attached content, read in step 2 (where the old parse read it, so its failures stay "malformed").</summary>
        public Func<byte[]>? Attached { get; init; }
        /// <summary>Fast parse: the DER of the certificate choices that are certificates (tagged choices skipped).</summary>
        public IReadOnlyList<byte[]>? CertificateElements { get; init; }
        public Asn1Set? BcCertificates { get; init; }
        public byte[]? SidKeyId { get; init; }
        public X509Name? SidIssuer { get; init; }
        public byte[]? SidIssuerDer { get; init; }
        public Org.BouncyCastle.Math.BigInteger? SidSerial { get; init; }
        public required AlgorithmIdentifier DigestAlgorithm { get; init; }
        /// <summary>The DER SET OF the signed attributes (what the signature covers), or null when absent.</summary>
        public byte[]? SignedAttrs { get; init; }
        public required AlgorithmIdentifier SignatureAlgorithm { get; init; }
        public required byte[] Signature { get; init; }

        private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, true);
        private static readonly Asn1Tag Implicit0 = new(TagClass.ContextSpecific, 0, true);
        private static readonly Asn1Tag Implicit1 = new(TagClass.ContextSpecific, 1, true);
        private static readonly Asn1Tag KeyIdTag = new(TagClass.ContextSpecific, 0);

        /// <summary>
        /// The envelope of canonical DER with exactly one signer in the usual shape; null for anything else (BER, other
        /// content types, several signers, unusual field order or choices, unsorted signed attributes), which the
        /// BouncyCastle parse then judges with its own verdicts.
        /// </summary>
        public static Envelope? TryRead(byte[] der)
        {
            try
            {
                if (!DerCheck.IsDer(der))
                    return null;
                var top = Der(der);
                var ci = top.ReadSequence();
                top.ThrowIfNotEmpty();
                if (ci.ReadObjectIdentifier() != SignedDataOid)
                    return null;
                var wrapper = ci.ReadSequence(Explicit0);
                ci.ThrowIfNotEmpty();
                var sd = wrapper.ReadSequence();
                wrapper.ThrowIfNotEmpty();

                sd.ReadIntegerBytes(); // version: not judged (as before)
                var digestAlgorithms = sd.ReadSetOf();
                while (digestAlgorithms.HasData)
                    _ = AlgorithmIdentifiers.Get(digestAlgorithms.ReadEncodedValue().Span);
                var encap = sd.ReadSequence();
                var eContentType = encap.ReadObjectIdentifier();
                byte[]? attached = null;
                if (encap.HasData)
                {
                    var ec = encap.ReadSequence(Explicit0);
                    attached = ec.ReadOctetString();
                    ec.ThrowIfNotEmpty();
                }
                encap.ThrowIfNotEmpty();

                List<byte[]>? certificates = null;
                if (sd.HasData && sd.PeekTag().HasSameClassAndValue(Implicit0))
                {
                    var set = sd.ReadSetOf(skipSortOrderValidation: true, Implicit0);
                    certificates = [];
                    while (set.HasData)
                    {
                        var tag = set.PeekTag();
                        var element = set.ReadEncodedValue();
                        if (tag.TagClass == TagClass.Universal)
                            certificates.Add(element.ToArray()); // tagged choices (attribute certificates, other) are no signer candidates
                    }
                }
                if (sd.HasData && sd.PeekTag().HasSameClassAndValue(Implicit1))
                    sd.ReadEncodedValue(); // CRLs: not used (revocation data is configured)
                var signerInfos = sd.ReadSetOf(skipSortOrderValidation: true);
                sd.ThrowIfNotEmpty();
                var si = signerInfos.ReadSequence();
                if (signerInfos.HasData)
                    return null; // several signers: the old path words that verdict

                si.ReadIntegerBytes(); // version: not judged (as before)
                byte[]? keyId = null, issuerDer = null;
                X509Name? issuer = null;
                Org.BouncyCastle.Math.BigInteger? serial = null;
                if (si.PeekTag().HasSameClassAndValue(KeyIdTag))
                {
                    keyId = si.ReadOctetString(KeyIdTag);
                }
                else
                {
                    var ias = si.ReadSequence();
                    // Every submission names the same few issuers: parsed once, then found by their bytes.
                    (issuer, _, issuerDer) = InternedNames.Get(ias.ReadEncodedValue().Span);
                    serial = new Org.BouncyCastle.Math.BigInteger(ias.ReadIntegerBytes().ToArray());
                    ias.ThrowIfNotEmpty();
                }
                var digestAlgorithm = AlgorithmIdentifiers.Get(si.ReadEncodedValue().Span);
                byte[]? signedAttrs = null;
                if (si.PeekTag().HasSameClassAndValue(Implicit0))
                {
                    signedAttrs = si.PeekEncodedValue().ToArray();
                    // DER of a SET OF is sorted; unsorted input is left to BouncyCastle, which re-encodes it.
                    si.ReadSetOf(Implicit0);
                    // The signature covers the DER SET OF, i.e. these bytes with the universal SET tag.
                    signedAttrs[0] = 0x31;
                }
                var signatureAlgorithm = AlgorithmIdentifiers.Get(si.ReadEncodedValue().Span);
                var signature = si.ReadOctetString();
                if (si.HasData && si.PeekTag().HasSameClassAndValue(Implicit1))
                    si.ReadEncodedValue(); // unsigned attributes: not used
                si.ThrowIfNotEmpty();

                return new Envelope
                {
                    EContentType = eContentType,
                    Attached = attached is null ? null : () => attached,
                    CertificateElements = certificates,
                    SidKeyId = keyId, SidIssuer = issuer, SidIssuerDer = issuerDer, SidSerial = serial,
                    DigestAlgorithm = digestAlgorithm,
                    SignedAttrs = signedAttrs,
                    SignatureAlgorithm = signatureAlgorithm,
                    Signature = signature,
                };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return null;
            }
        }

        /// <summary>The envelope as BouncyCastle parsed it (the old path, for input the fast reader leaves alone).</summary>
        public static Envelope From(SignedData sd, SignerInfo si)
        {
            var ec = sd.EncapContentInfo.Content;
            byte[]? keyId = null, issuerDer = null;
            X509Name? issuer = null;
            Org.BouncyCastle.Math.BigInteger? serial = null;
            if (si.SignerID.IsTagged)
            {
                keyId = Asn1OctetString.GetInstance(Asn1TaggedObject.GetInstance(si.SignerID.ToAsn1Object()), false).GetOctets();
            }
            else
            {
                var ias = IssuerAndSerialNumber.GetInstance(si.SignerID.ID);
                issuer = ias.Issuer;
                issuerDer = issuer.GetEncoded(Asn1Encodable.Der);
                serial = ias.SerialNumber.Value;
            }
            return new Envelope
            {
                EContentType = sd.EncapContentInfo.ContentType.Id,
                Attached = ec is null ? null : () => Asn1OctetString.GetInstance(ec).GetOctets(),
                BcCertificates = sd.Certificates,
                SidKeyId = keyId, SidIssuer = issuer, SidIssuerDer = issuerDer, SidSerial = serial,
                DigestAlgorithm = si.DigestAlgorithm,
                // Empty is "no signed attributes" (as before); the signature is over the DER re-encoding.
                SignedAttrs = si.SignedAttrs is { Count: > 0 } attrs ? attrs.GetEncoded(Asn1Encodable.Der) : null,
                SignatureAlgorithm = si.SignatureAlgorithm,
                Signature = si.Signature.GetOctets(),
            };
        }
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
