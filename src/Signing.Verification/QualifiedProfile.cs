using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X509.Qualified;

namespace Signing.Verification;

/// <summary>
/// The `kamusm-nes` profile: what makes a certificate a Turkish qualified NES signing certificate, beyond a
/// valid path. The policy OIDs come from the trust configuration.
/// </summary>
public static class QualifiedProfile
{
    public const string Name = "kamusm-nes";
    public const string QcComplianceOid = "0.4.0.1862.1.1";
    /// <summary>The BTK (Bilgi Teknolojileri ve İletişim Kurumu) QC statements of Law 5070.</summary>
    public static readonly IReadOnlyList<string> BtkStatementOids = ["2.16.792.1.61.0.1.5070.1.1", "2.16.792.1.61.0.1.5070.2.1"];
    private const string UserNoticeQualifier = "1.3.6.1.5.5.7.2.2";

    private static readonly BoundedCache<(string, IReadOnlyList<string>), (IReadOnlyList<Check>, string?)> Cache = new(CacheBounds.SignerWorkingSet);

    /// <summary>Evaluates the profile; returns the checks (all PASSED when qualified) and the TCKN found. Cached per certificate.</summary>
    public static IReadOnlyList<Check> Evaluate(ParsedCertificate leaf, IReadOnlyList<string> policyArcs, out string? tckn)
    {
        if (Cache.TryGetValue((leaf.Sha256, policyArcs), out var hit))
        {
            tckn = hit.Item2;
            return hit.Item1;
        }
        var result = EvaluateUncached(leaf, policyArcs, out tckn);
        Cache.Add((leaf.Sha256, policyArcs), (result, tckn));
        return result;
    }

    private static IReadOnlyList<Check>? allPassed;

    private static IReadOnlyList<Check> AllPassed(List<Check> checks)
    {
        var shared = allPassed;
        if (shared is not null && shared.SequenceEqual(checks))
            return shared;
        allPassed = checks;
        return checks;
    }

    private static IReadOnlyList<Check> EvaluateUncached(ParsedCertificate leaf, IReadOnlyList<string> policyArcs, out string? tckn)
    {
        var checks = new List<Check>();
        // Full check names as literals: a concatenated name would be a new string per never-seen certificate.
        void Add(string name, bool ok, string failure) =>
            checks.Add(new Check(name, ok ? CheckResult.Passed : CheckResult.Failed, ok ? null : failure));

        Add("qualified.non-repudiation", leaf.KeyUsageBits is { } ku && (ku & KeyUsage.NonRepudiation) != 0,
            "keyUsage lacks nonRepudiation: not a signing (NES) certificate");

        var statements = new HashSet<string>();
        try
        {
            foreach (var item in leaf.QcStatements ?? (IEnumerable<Asn1Encodable>)[])
                statements.Add(QCStatement.GetInstance(item).StatementId.Id);
        }
        catch (ArgumentException)
        {
            // A malformed QCStatements extension counts as absent.
        }
        Add("qualified.qc-compliance", statements.Contains(QcComplianceOid), "no QcCompliance statement (0.4.0.1862.1.1)");
        Add("qualified.btk-statement", BtkStatementOids.Any(statements.Contains), "no BTK qualified-certificate statement (5070)");

        var matching = (leaf.Policies?.GetPolicyInformation() ?? [])
            .Where(p => policyArcs.Any(arc => p.PolicyIdentifier.Id == arc || p.PolicyIdentifier.Id.StartsWith(arc + ".", StringComparison.Ordinal)))
            .ToList();
        Add("qualified.policy", matching.Count > 0, "no configured NES certificate policy");
        var notice = matching.Any(p => p.PolicyQualifiers is { } q && q.Cast<Asn1Encodable>()
            .Any(x => PolicyQualifierInfo.GetInstance(x).PolicyQualifierId.Id == UserNoticeQualifier));
        Add("qualified.user-notice", matching.Count > 0 && notice, "the NES policy carries no UserNotice");

        tckn = Domain.Tckn.FromSubjectSerialNumber(leaf.SubjectSerialNumber);
        Add("qualified.tckn", tckn is not null, "subject serialNumber is not a valid TCKN");
        // A qualified certificate's list is the same for every certificate: share one instance instead of caching a
        // copy per never-seen leaf.
        return checks.TrueForAll(c => c.Result == CheckResult.Passed) ? AllPassed(checks) : checks;
    }
}
