using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Signing.Verification;

/// <summary>
/// Validates one certificate against a <see cref="TrustConfiguration"/>: RFC 5280 path, revocation, the
/// qualified profile and the holder binding, and reports the holder's status. Thread-safe; create one per
/// trust configuration and share it. With an <see cref="IRevocationSource"/>, its CRLs stand in for the configuration's
/// CRL files and its OCSP responses are asked as the configuration's revocation policy says.
/// </summary>
public sealed class CertificateValidator(TrustConfiguration trust, IRevocationSource? revocationSource = null)
{
    // Keyed by the two strings as they are (both cached per instance): a concatenated key would be a new string per call.
    private static readonly ConcurrentDictionary<(string Trust, string Options), PolicyReference> Policies = new();

    public TrustConfiguration Trust { get; } = trust;

    /// <summary>The in-memory revocation data asked besides (or instead of) the configuration's CRL files; null: CRL files only.</summary>
    public IRevocationSource? RevocationSource { get; } = revocationSource;

    private string? selfScope;

    /// <summary>Validates a DER or PEM certificate. Never throws for bad input.</summary>
    public Verdict Validate(byte[] certificate, VerificationOptions? options = null)
    {
        options ??= VerificationOptions.Default;
        var time = options.At ?? DateTimeOffset.UtcNow;
        var policy = PolicyFor(options);
        var cert = ParsedCertificate.TryFrom(certificate);
        if (cert is null)
            return Failed(policy, time, SubIndication.FormatFailure, "the input is not an X.509 certificate",
                [new Check("certificate.parse", CheckResult.Failed, "not a parsable X.509 certificate")]);
        var checks = new List<Check> { new("certificate.parse", CheckResult.Passed) };
        return Evaluate(cert, options, time, checks, "").ToVerdict(cert, checks, policy, time);
    }

    internal sealed record Evaluation(Indication Indication, SubIndication SubIndication, string? Reason,
        HolderStatusReport Holder, string? Tckn, IReadOnlyList<ParsedCertificate> Path, IReadOnlyList<IRevocationEvidence>? Revocation = null)
    {
        public bool Passed => Indication == Indication.TotalPassed;

        /// <summary>The verdict on <paramref name="cert"/> this evaluation gives.</summary>
        public Verdict ToVerdict(ParsedCertificate cert, IReadOnlyList<Check> checks, PolicyReference policy, DateTimeOffset time,
            DateTimeOffset? signingTime = null) => new()
        {
            Indication = Indication,
            SubIndication = SubIndication,
            Reason = Reason,
            Checks = checks,
            Signer = cert.Identity(Tckn),
            Holder = Holder,
            Policy = policy,
            ValidationTime = time,
            SigningTime = signingTime,
            Chain = Path.Select(c => c.Sha256).ToList(),
            PathCertificates = Path,
            Revocation = Revocation is { Count: > 0 } used ? used.Select(c => c.Reference).ToArray() : [],
            RevocationData = Revocation ?? [],
        };
    }

    /// <summary>The whole certificate judgement; appends its checks (names prefixed) to <paramref name="checks"/>.</summary>
    internal Evaluation Evaluate(ParsedCertificate cert, VerificationOptions options, DateTimeOffset time, List<Check> checks,
        string prefix, RevocationMode? revocationOverride = null, DateTimeOffset? revocationDataTime = null)
    {
        var mode = revocationOverride ?? options.Revocation ?? (Trust.RequireRevocation ? RevocationMode.Required : RevocationMode.BestEffort);
        var extra = options.ExtraCertificates;
        var path = PathValidator.Validate(new PathValidationRequest
        {
            Target = cert,
            TrustAnchors = Trust.TrustAnchors,
            Intermediates = extra.Count == 0 ? Trust.Intermediates : [.. Trust.Intermediates, .. extra],
            Crls = Trust.Crls,
            RevocationSource = RevocationSource,
            RevocationPolicy = Trust.Revocation,
            RevocationDataTime = revocationDataTime,
            Time = time,
            InitialPolicySet = options.InitialPolicySet,
            InitialExplicitPolicy = options.ExplicitPolicy,
            InitialPolicyMappingInhibit = options.InhibitPolicyMapping,
            InitialAnyPolicyInhibit = options.InhibitAnyPolicy,
            Revocation = mode,
            CrlGrace = Trust.CrlGrace,
            Algorithms = options.CertificateAlgorithms,
            CheckTargetValidity = false,
            CacheScope = extra.Count == 0 ? Trust.Fingerprint
                // The usual CMS case: the only extra certificate is the target itself, which the result key names anyway.
                // A fixed scope then, instead of a new string kept alive by every cached result.
                : extra.Count == 1 && extra[0].Sha256 == cert.Sha256 ? selfScope ??= Trust.Fingerprint + "+self"
                : Trust.Fingerprint + "+" + string.Join(',', extra.Select(c => c.Sha256)),
        });

        var notAfter = new DateTimeOffset(cert.NotAfter, TimeSpan.Zero);
        var daysLeft = (int)Math.Ceiling((notAfter - time).TotalDays);
        HolderStatusReport Holder(HolderStatus s, string? why = null) => new(s, notAfter, daysLeft, why);
        var tckn = Domain.Tckn.FromSubjectSerialNumber(cert.SubjectSerialNumber);

        var revocationFailure = path.Failure is PathFailure.Revoked or PathFailure.NoRevocationInfo or PathFailure.StaleRevocationInfo
            or PathFailure.UnknownToIssuer;
        if (!path.IsValid)
        {
            checks.Add(new Check(prefix + "x509.path", revocationFailure ? CheckResult.Passed : CheckResult.Failed,
                revocationFailure ? null : $"{path.Failure}: {path.Message}"));
            if (revocationFailure)
                checks.Add(new Check(prefix + "x509.revocation", CheckResult.Failed, path.Message));
            var (indication, sub, holder) = path.Failure switch
            {
                PathFailure.Revoked => (Indication.TotalFailed, SubIndication.Revoked, HolderStatus.Revoked),
                PathFailure.UnknownToIssuer => (Indication.TotalFailed, SubIndication.CertificateChainGeneralFailure, HolderStatus.Untrusted),
                PathFailure.NoRevocationInfo or PathFailure.StaleRevocationInfo => (Indication.Indeterminate, SubIndication.TryLater, HolderStatus.Untrusted),
                PathFailure.NoChain => (Indication.Indeterminate, SubIndication.NoCertificateChainFound, HolderStatus.Untrusted),
                PathFailure.Expired => (Indication.Indeterminate, SubIndication.Expired, HolderStatus.Untrusted),
                PathFailure.NotYetValid => (Indication.Indeterminate, SubIndication.NotYetValid, HolderStatus.Untrusted),
                PathFailure.WeakAlgorithm or PathFailure.UnsupportedAlgorithm => (Indication.Indeterminate, SubIndication.CryptoConstraintsFailure, HolderStatus.Untrusted),
                PathFailure.Signature => (Indication.Indeterminate, SubIndication.CertificateChainGeneralFailure, HolderStatus.Untrusted),
                _ => (Indication.Indeterminate, SubIndication.ChainConstraintsFailure, HolderStatus.Untrusted),
            };
            return new Evaluation(indication, sub, path.Message, Holder(holder, path.Message), tckn, path.Path, path.Revocation);
        }
        checks.Add(new Check(prefix + "x509.path", CheckResult.Passed, $"{path.Path.Count} certificates to {path.Path[^1].CommonName}"));
        checks.Add(new Check(prefix + "x509.revocation", mode == RevocationMode.Off ? CheckResult.Skipped : CheckResult.Passed,
            mode == RevocationMode.BestEffort ? "best effort: only available revocation data was consulted" : null));
        foreach (var note in path.RevocationNotes)
        {
            checks.Add(new Check(prefix + "x509.revocation.ca-certificates",
                Trust.Revocation.CaCertificates == ConstraintLevel.Warn ? CheckResult.Warning : CheckResult.Information, note));
        }

        // Validity is recorded, not returned on: a caller that accepts an expired certificate for some purpose (sign-in
        // to renew it) must see whether everything else about it holds, so the profile and holder checks run regardless.
        var t = time.UtcDateTime;
        var truncated = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        Evaluation? outOfValidity = null;
        if (truncated < cert.NotBefore)
        {
            var why = $"the certificate is not valid before {cert.NotBefore:u}";
            checks.Add(new Check(prefix + "x509.validity", CheckResult.Failed, why));
            outOfValidity = new Evaluation(Indication.Indeterminate, SubIndication.NotYetValid, why, Holder(HolderStatus.NotYetValid, why), tckn, path.Path);
        }
        else if (truncated > cert.NotAfter)
        {
            var why = $"the certificate expired at {cert.NotAfter:u}";
            checks.Add(new Check(prefix + "x509.validity", CheckResult.Failed, why));
            outOfValidity = new Evaluation(Indication.TotalFailed, SubIndication.Expired, why, Holder(HolderStatus.Expired, why), tckn, path.Path);
        }
        else
        {
            checks.Add(new Check(prefix + "x509.validity", CheckResult.Passed, $"until {cert.NotAfter:u}"));
        }

        // Not being a NES, or being someone else's, outweighs the dates: those verdicts win over an expiry.
        Evaluation? refused = null;
        if (options.Profile == ValidationProfile.KamuSmNes)
        {
            var profileChecks = QualifiedProfile.Evaluate(cert, Trust.QualifiedPolicyOids, out tckn);
            checks.AddRange(prefix.Length == 0 ? profileChecks : profileChecks.Select(c => c with { Name = prefix + c.Name }));
            var failed = profileChecks.FirstOrDefault(c => c.Result == CheckResult.Failed);
            if (failed is not null)
            {
                var why = "not a qualified NES certificate: " + failed.Detail;
                refused = new Evaluation(Indication.Indeterminate, SubIndication.ChainConstraintsFailure, why, Holder(HolderStatus.NotQualified, why), tckn, path.Path);
            }
        }
        if (options.ExpectedTckn is { } expected)
        {
            var ok = tckn == expected;
            var why = ok ? null : $"the certificate belongs to TCKN {(tckn is null ? "(none)" : Domain.Tckn.Mask(tckn))}, not to {Domain.Tckn.Mask(expected)}";
            checks.Add(new Check(prefix + "holder.tckn", ok ? CheckResult.Passed : CheckResult.Failed, why));
            if (!ok)
                refused ??= new Evaluation(Indication.TotalFailed, SubIndication.SigConstraintsFailure, why, Holder(HolderStatus.WrongHolder, why), tckn, path.Path);
        }
        if ((refused ?? outOfValidity) is { } failure)
            return failure with { Revocation = path.Revocation };
        var status = daysLeft <= Trust.ExpiringWithinDays ? HolderStatus.Expiring : HolderStatus.Valid;
        return new Evaluation(Indication.TotalPassed, SubIndication.None, null,
            Holder(status, status == HolderStatus.Expiring ? $"{daysLeft} days left: renew now" : null), tckn, path.Path, path.Revocation);
    }

    internal PolicyReference PolicyFor(VerificationOptions options)
    {
        var key = (Trust.Fingerprint, options.Describe());
        if (Policies.TryGetValue(key, out var known))
            return known;
        if (Policies.Count > 1000)
            Policies.Clear();
        return Policies.GetOrAdd(key, k => new PolicyReference(
            options.Profile == ValidationProfile.KamuSmNes ? QualifiedProfile.Name : "rfc5280",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(k.Trust + "|" + k.Options)))));
    }

    internal static Verdict Failed(PolicyReference policy, DateTimeOffset time, SubIndication sub, string reason, IReadOnlyList<Check> checks,
        Indication indication = Indication.TotalFailed) => new()
    {
        Indication = indication,
        SubIndication = sub,
        Reason = reason,
        Checks = checks,
        Policy = policy,
        ValidationTime = time,
    };
}
