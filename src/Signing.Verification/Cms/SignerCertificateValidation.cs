namespace Signing.Verification;

/// <summary>
/// The signer certificate judged by <see cref="CertificateValidator"/> (path, revocation, profile, holder) at the
/// validation time, and at the claimed signing time when that is earlier and the path's validity periods did not
/// already cover it. The CMS's own certificates join the path-building pool.
/// </summary>
internal static class SignerCertificateValidation
{
    public static Verdict Judge(CertificateValidator certificates, ParsedCertificate signer, List<ParsedCertificate> embedded,
        VerificationOptions options, DateTimeOffset time, DateTimeOffset? signingTime, CmsReport report, DateTimeOffset? proven = null)
    {
        var checks = report.Checks;
        var certOptions = embedded.Count == 0 ? options : options with { ExtraCertificates = [.. options.ExtraCertificates, .. embedded] };
        if (proven is { } p)
            return JudgeAtProvenTime(certificates, signer, certOptions, time, signingTime, report, p);
        var now = certificates.Evaluate(signer, certOptions, time, checks, "");
        var result = now;
        if (now.Passed && signingTime is { } at && at < time && !PathValidAt(now.Path, at))
        {
            // Revocation data describes now; at the signing time only validity and the path are judged.
            var then = certificates.Evaluate(signer, certOptions with { ExpectedTckn = null }, at, checks, "signing-time.", RevocationMode.BestEffort);
            if (!then.Passed)
                result = then with { Holder = now.Holder, Reason = "at the claimed signing time: " + then.Reason, Tckn = now.Tckn, Path = now.Path,
                    Revocation = now.Revocation };
        }
        else if (now.Passed && signingTime is not null)
        {
            checks.Add(new Check("signing-time.x509.validity", CheckResult.Passed, "every certificate of the path was valid at the claimed signing time"));
        }
        return result.ToVerdict(signer, checks, report.Policy, time, signingTime);
    }

    /// <summary>
    /// CAdES-T: the signer certificate judged at the time the signature timestamp proves, with revocation data current now
    /// (a revocation after the proven time does not count unless the policy says so). The holder status is today's.
    /// </summary>
    private static Verdict JudgeAtProvenTime(CertificateValidator certificates, ParsedCertificate signer, VerificationOptions options,
        DateTimeOffset time, DateTimeOffset? signingTime, CmsReport report, DateTimeOffset proven)
    {
        var at = proven < time ? proven : time;
        var result = certificates.Evaluate(signer, options, at, report.Checks, "", null, at < time ? time : null);
        if (result.Passed)
        {
            var notAfter = new DateTimeOffset(signer.NotAfter, TimeSpan.Zero);
            var daysLeft = (int)Math.Ceiling((notAfter - time).TotalDays);
            var status = time > notAfter ? HolderStatus.Expired
                : daysLeft <= certificates.Trust.ExpiringWithinDays ? HolderStatus.Expiring : HolderStatus.Valid;
            result = result with { Holder = new HolderStatusReport(status, notAfter, daysLeft,
                status == HolderStatus.Expired ? $"expired at {notAfter:u}, after the signature timestamp's time {proven:u}" : null) };
        }
        return result.ToVerdict(signer, report.Checks, report.Policy, time, signingTime);
    }

    /// <summary>
    /// Whether every certificate of an already validated path was within its validity period at <paramref name="at"/>.
    /// Validity is the only part of the judgement that changes with time when revocation is judged at the validation
    /// time (a revocation before the signing time is also a revocation before it), so then no second validation is needed.
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
}
