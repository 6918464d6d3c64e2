namespace Signing.Verification;

/// <summary>
/// CMS / CAdES-BES verification (attached or detached): exactly one signer, DER signed attributes with
/// content-type and message-digest, a signing-certificate(-v2) attribute binding the signer certificate,
/// the signature checked with the certificate's public key by .NET, then the certificate judged by
/// <see cref="CertificateValidator"/> now and at the claimed signing time. Thread-safe; never throws for bad input.
/// Each step is a building block of its own (Cms/): this class only runs them in order and turns the first
/// failure into the verdict.
/// </summary>
public sealed class CmsVerifier
{
    /// <param name="revocationSource">In-memory revocation data (OCSP responses, fetched CRLs); null: the configuration's CRL files.</param>
    public CmsVerifier(TrustConfiguration trust, IRevocationSource? revocationSource = null) =>
        Certificates = new CertificateValidator(trust, revocationSource);

    public CmsVerifier(CertificateValidator certificates) => Certificates = certificates;

    public CertificateValidator Certificates { get; }

    /// <summary>
    /// Verifies a DER (or PEM "CMS"/"PKCS7") SignedData. <paramref name="detachedContent"/> is the signed content
    /// for a detached signature; for an attached one it may be given too and must then be equal.
    /// </summary>
    public Verdict Verify(byte[] cms, byte[]? detachedContent = null, VerificationOptions? options = null) =>
        Judge(cms, detachedContent, options ?? VerificationOptions.Default, out _, out _);

    /// <summary>Like <see cref="Verify(byte[], byte[], VerificationOptions)"/>, also returning the signed content (attached or detached) so the caller reads exactly what was signed.</summary>
    public Verdict Verify(byte[] cms, byte[]? detachedContent, VerificationOptions options, out byte[]? signedContent)
    {
        var verdict = Judge(cms, detachedContent, options, out var attached, out var found);
        // The attached content is a slice of the CMS: copied only for a caller that asks for it.
        signedContent = !found ? null : attached is { } a ? a.ToArray() : detachedContent;
        return verdict;
    }

    /// <summary>
    /// Proof of possession: the token signed the server's challenge as CMS (attached or detached, CAdES-BES with
    /// the holder's certificate). Passed only if the signature covers exactly <paramref name="challenge"/> and the
    /// certificate passes; the verdict's Holder tells the certificate status (VALID, EXPIRING, EXPIRED, …).
    /// </summary>
    public Verdict VerifyProofOfPossession(byte[] cms, byte[] challenge, string? expectedTckn, DateTimeOffset now,
        ValidationProfile profile = ValidationProfile.KamuSmNes) =>
        Verify(cms, challenge, new VerificationOptions { ExpectedTckn = expectedTckn, At = now, Profile = profile });

    /// <param name="attached">The attached content (a slice of the CMS), once read.</param>
    /// <param name="contentFound">Whether the signed content (attached or detached) was established.</param>
    private Verdict Judge(byte[] cms, byte[]? detachedContent, VerificationOptions options,
        out ReadOnlyMemory<byte>? attached, out bool contentFound)
    {
        var time = options.At ?? DateTimeOffset.UtcNow;
        var report = new CmsReport(Certificates.PolicyFor(options), time);
        attached = null;
        contentFound = false;

        var read = SignedDataEnvelope.Read(cms);
        if (read.Envelope is not { } env)
            return report.Fail(read.Failure!.Value);
        report.Passed("cms.structure");
        report.Passed("cms.single-signer");

        try
        {
            attached = env.ReadAttached();
            ReadOnlySpan<byte> content;
            if (attached is { } a)
            {
                if (detachedContent is not null && !a.Span.SequenceEqual(detachedContent))
                {
                    attached = null;
                    return report.Fail(new CmsFailure(SubIndication.HashFailure, "cms.content", "the attached content differs from the expected content"));
                }
                content = a.Span;
            }
            else if (detachedContent is not null)
            {
                content = detachedContent;
            }
            else
            {
                return report.Fail(new CmsFailure(SubIndication.SignedDataNotFound, "cms.content", "detached signature and no content given", Indication.Indeterminate));
            }
            contentFound = true;
            report.Passed("cms.content", attached is null ? "detached" : "attached");

            var attrs = SignedAttributes.Read(env.SignedAttrs, env.EContentType, report, out var attrsFailure);
            if (attrs is null)
                return report.Fail(attrsFailure!.Value);
            var signingTime = attrs.SigningTime();
            var signaturePolicy = report.SignaturePolicy = SignaturePolicies.Read(attrs);

            var embedded = SigningCertificateIdentification.EmbeddedCertificates(env);
            var signer = SigningCertificateIdentification.FindSigner(env, embedded, Certificates.Trust.Intermediates);
            if (signer is null)
                return report.Fail(SigningCertificateIdentification.NotFound, signingTime: signingTime);
            report.Passed("cms.signer-certificate", signer.Identity(null).Subject);
            if (SigningCertificateIdentification.CheckBinding(attrs, signer) is { } binding)
                return report.Fail(binding, signer, signingTime);
            report.Passed("cades.signing-certificate");

            if (SignatureAcceptance.CheckDigestAlgorithm(env, options, out var digestName) is { } weakDigest)
                return report.Fail(weakDigest, signer, signingTime);
            if (CryptographicVerification.CheckMessageDigest(attrs.MessageDigest, digestName, content) is { } digestMismatch)
                return report.Fail(digestMismatch, signer, signingTime);
            report.Passed("cades.message-digest", digestName);
            if (CryptographicVerification.CheckSignatureValue(env, signer, options, digestName) is { } badSignature)
                return report.Fail(badSignature, signer, signingTime);
            report.Passed("crypto.algorithms");
            report.Passed("cms.signature");

            if (SignatureAcceptance.CheckSigningTime(signingTime, time, Certificates.Trust.SigningTimeSkew) is { } future)
                return report.Fail(future, signer, signingTime);
            report.Add("cades.signing-time", signingTime is null ? CheckResult.Skipped : CheckResult.Passed);

            DateTimeOffset? proven = null;
            var timestampRevocation = new List<IRevocationEvidence>();
            var tokens = SignatureTimestamps.Tokens(env.UnsignedAttrs);
            if (tokens.Count > 0)
            {
                var (t, failure) = SignatureTimestamps.Verify(Certificates, tokens, env.Signature, time, report, timestampRevocation);
                if (failure is { } timestampFailure)
                    return report.Fail(timestampFailure, signer, signingTime);
                if (t > time + Certificates.Trust.SigningTimeSkew)
                    return report.Fail(new CmsFailure(SubIndication.SigConstraintsFailure, "cades.signature-timestamp",
                        $"the signature timestamp's time {t:u} is in the future"), signer, signingTime);
                report.Passed("cades.signature-timestamp", $"{t:u}");
                if (SignatureTimestamps.CheckClaimedTime(signingTime, t!.Value, Certificates.Trust.SignatureTimestampDelay,
                        Certificates.Trust.SigningTimeSkew) is { } claimedTime)
                    return report.Fail(claimedTime, signer, signingTime);
                proven = t;
            }
            if (SignaturePolicies.Check(signaturePolicy, proven is not null, attrs, report) is { } policyFailure)
                return report.Fail(policyFailure, signer, signingTime);

            var verdict = SignerCertificateValidation.Judge(Certificates, signer, embedded, options, time, signingTime, report, proven);
            if (SignaturePolicies.P4RevocationProblem(signaturePolicy, verdict, signer, options) is { } p4)
            {
                report.Checks.Add(new Check("btk.revocation", CheckResult.Failed, p4));
                verdict = verdict with { Indication = Indication.TotalFailed, SubIndication = SubIndication.SigConstraintsFailure, Reason = p4 };
            }
            if (timestampRevocation.Count > 0)
            {
                // The record keeps what the TSA's path rested on too: the proven time is only as good as that.
                var data = verdict.RevocationData.Concat(timestampRevocation).DistinctBy(r => r.Sha256).ToArray();
                verdict = verdict with { RevocationData = data, Revocation = data.Select(r => r.Reference).ToArray() };
            }
            return verdict with
            {
                SignedAttributesSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(env.SignedAttrs!)),
                SignatureTimestampTime = proven,
                SignaturePolicy = signaturePolicy,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return report.Fail(new CmsFailure(SubIndication.FormatFailure, "cms.structure", "malformed CMS: " + e.Message));
        }
    }
}
