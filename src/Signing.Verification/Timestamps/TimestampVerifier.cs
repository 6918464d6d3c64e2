using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Tsp;

namespace Signing.Verification;

/// <summary>The verdict on an RFC 3161 timestamp token: the time it proves and its TSA, or why it proves nothing.</summary>
public sealed record TimestampResult
{
    public required Indication Indication { get; init; }
    public required SubIndication SubIndication { get; init; }
    /// <summary>Why it failed; null when valid.</summary>
    public string? Reason { get; init; }
    /// <summary>TSTInfo genTime: the time the token proves (when valid).</summary>
    public DateTimeOffset? GenTime { get; init; }
    /// <summary>The TSA's certificate, once found.</summary>
    public ParsedCertificate? Tsa { get; init; }
    public required IReadOnlyList<Check> Checks { get; init; }
    /// <summary>Revocation data the TSA's path rested on.</summary>
    public IReadOnlyList<IRevocationEvidence> RevocationData { get; init; } = [];
    public bool Valid => Indication == Indication.TotalPassed;
}

/// <summary>
/// Verifies RFC 3161 timestamp tokens (BouncyCastle's Org.BouncyCastle.Tsp reads them): the messageImprint against
/// the given bytes with the token's hash algorithm; the TSA certificate — extended key usage id-kp-timeStamping, only,
/// critical (RFC 3161 §2.3), within its validity at genTime, one of the configured timestamp authorities when any are
/// configured; the token's signature and its signing-certificate binding; and the TSA's path to a trust anchor at
/// genTime with revocation data current at the verification time (the same engine as every other certificate).
/// Thread-safe; never throws for bad input.
/// </summary>
public sealed class TimestampVerifier(CertificateValidator certificates)
{
    public const string TimeStampingOid = "1.3.6.1.5.5.7.3.8";

    public TimestampVerifier(TrustConfiguration trust, IRevocationSource? revocationSource = null)
        : this(new CertificateValidator(trust, revocationSource))
    {
    }

    public CertificateValidator Certificates { get; } = certificates;

    /// <summary>Verifies <paramref name="token"/> (DER TimeStampToken, a ContentInfo) over <paramref name="data"/> at <paramref name="at"/> (null = now).</summary>
    public TimestampResult Verify(byte[] token, ReadOnlySpan<byte> data, DateTimeOffset? at = null) =>
        Verify(token, data, at ?? DateTimeOffset.UtcNow, "timestamp.", []);

    internal TimestampResult Verify(byte[] token, ReadOnlySpan<byte> data, DateTimeOffset at, string prefix, List<Check> checks)
    {
        TimestampResult Fail(SubIndication sub, string check, string reason, Indication indication = Indication.TotalFailed,
            DateTimeOffset? genTime = null, ParsedCertificate? tsa = null)
        {
            checks.Add(new Check(prefix + check, CheckResult.Failed, reason));
            return new TimestampResult { Indication = indication, SubIndication = sub, Reason = reason, GenTime = genTime, Tsa = tsa, Checks = checks };
        }

        TimeStampToken tst;
        try
        {
            tst = new TimeStampToken(new CmsSignedData(token));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(SubIndication.FormatFailure, "structure", "not an RFC 3161 timestamp token: " + e.Message);
        }
        checks.Add(new Check(prefix + "structure", CheckResult.Passed));
        var info = tst.TimeStampInfo;
        DateTimeOffset genTime;
        try
        {
            genTime = new DateTimeOffset(info.GenTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(SubIndication.FormatFailure, "structure", "unreadable genTime: " + e.Message);
        }

        var embedded = new List<ParsedCertificate>();
        ParsedCertificate? tsa = null;
        foreach (var c in tst.GetCertificates().EnumerateMatches(null))
        {
            var parsed = ParsedCertificate.From(c.GetEncoded());
            embedded.Add(parsed);
            if (tsa is null && tst.SignerID.Match(c))
                tsa = parsed;
        }
        tsa ??= Certificates.Trust.TimestampAuthorities.FirstOrDefault(c => tst.SignerID.Match(c.Certificate));
        if (tsa is null)
            return Fail(SubIndication.NoSigningCertificateFound, "tsa-certificate", "the TSA's certificate is neither in the token nor configured",
                Indication.Indeterminate, genTime);
        checks.Add(new Check(prefix + "tsa-certificate", CheckResult.Passed, tsa.Subject.ToString()));

        if (TimeStampingUsage(tsa) is { } ekuProblem)
            return Fail(SubIndication.ChainConstraintsFailure, "tsa-key-usage", ekuProblem, Indication.Indeterminate, genTime, tsa);
        checks.Add(new Check(prefix + "tsa-key-usage", CheckResult.Passed));

        var pinned = Certificates.Trust.TimestampAuthorities;
        if (pinned.Count > 0 && !pinned.Any(c => c.Sha256 == tsa.Sha256))
            return Fail(SubIndication.NoCertificateChainFound, "tsa-trusted", $"{tsa.Subject} is not one of the configured timestamp authorities",
                Indication.Indeterminate, genTime, tsa);
        if (pinned.Count > 0)
            checks.Add(new Check(prefix + "tsa-trusted", CheckResult.Passed));

        var t = genTime.UtcDateTime;
        if (t < tsa.NotBefore || t > tsa.NotAfter)
            return Fail(t < tsa.NotBefore ? SubIndication.NotYetValid : SubIndication.Expired, "tsa-validity",
                $"the TSA's certificate was not valid at the token's genTime {genTime:u}", Indication.Indeterminate, genTime, tsa);

        // The imprint first: a token about other data is a HASH_FAILURE whether or not its signature still holds (a changed
        // imprint breaks both).
        var digestName = SignatureVerifier.DigestNames.GetValueOrDefault(info.MessageImprintAlgOid);
        if (digestName is null or "MD5")
            return Fail(SubIndication.CryptoConstraintsFailure, "message-imprint", $"unsupported messageImprint hash {info.MessageImprintAlgOid}",
                Indication.Indeterminate, genTime, tsa);
        if (!CryptographicOperations.FixedTimeEquals(Digests.Hash(digestName, data), info.GetMessageImprintDigest()))
            return Fail(SubIndication.HashFailure, "message-imprint", "the timestamp's messageImprint does not match the timestamped data",
                genTime: genTime, tsa: tsa);
        checks.Add(new Check(prefix + "message-imprint", CheckResult.Passed, digestName));

        try
        {
            // Signature, content digest and the ESS signing-certificate binding to this very certificate. The key usage
            // and validity it also checks were judged above, each with its own reason.
            tst.Validate(tsa.Certificate);
        }
        catch (Exception e) when (e is TspException or TspValidationException or CmsException or ArgumentException or InvalidOperationException)
        {
            return Fail(SubIndication.SigCryptoFailure, "signature", "the timestamp token's signature does not verify: " + e.Message,
                genTime: genTime, tsa: tsa);
        }
        checks.Add(new Check(prefix + "signature", CheckResult.Passed));

        var options = new VerificationOptions { Profile = ValidationProfile.None, At = genTime, ExtraCertificates = embedded };
        var path = Certificates.Evaluate(tsa, options, genTime, checks, prefix, null, genTime < at ? at : null);
        if (!path.Passed)
            return new TimestampResult
            {
                Indication = path.Indication, SubIndication = path.SubIndication, Reason = "the TSA's certificate: " + path.Reason,
                GenTime = genTime, Tsa = tsa, Checks = checks, RevocationData = path.Revocation ?? [],
            };
        return new TimestampResult
        {
            Indication = Indication.TotalPassed, SubIndication = SubIndication.None, GenTime = genTime, Tsa = tsa, Checks = checks,
            RevocationData = path.Revocation ?? [],
        };
    }

    /// <summary>RFC 3161 §2.3: extendedKeyUsage present, critical, with id-kp-timeStamping as its only purpose. Null when so.</summary>
    private static string? TimeStampingUsage(ParsedCertificate tsa)
    {
        var ext = tsa.Certificate.CertificateStructure.TbsCertificate.Extensions?.GetExtension(X509Extensions.ExtendedKeyUsage);
        if (ext is null)
            return "the TSA's certificate has no extendedKeyUsage (RFC 3161 §2.3 requires id-kp-timeStamping)";
        if (!ext.IsCritical)
            return "the TSA's extendedKeyUsage is not critical (RFC 3161 §2.3)";
        var purposes = ExtendedKeyUsage.GetInstance(ext.GetParsedValue()).GetAllUsages();
        if (purposes.Count != 1 || purposes[0].Id != TimeStampingOid)
            return "the TSA's extendedKeyUsage must be id-kp-timeStamping only (RFC 3161 §2.3)";
        return null;
    }
}
