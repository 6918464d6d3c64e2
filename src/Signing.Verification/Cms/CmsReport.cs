namespace Signing.Verification;

/// <summary>A failed CMS check: what the verdict says (indication, sub-indication, reason) and which check failed.</summary>
internal readonly record struct CmsFailure(SubIndication Sub, string Check, string Reason, Indication Indication = Indication.TotalFailed);

/// <summary>The checks of one CMS verification as they pass, and the verdict of the first failure.</summary>
internal sealed class CmsReport(PolicyReference policy, DateTimeOffset time)
{
    public List<Check> Checks { get; } = new(24); // a passing kamusm-nes verdict has 22

    public PolicyReference Policy => policy;

    public DateTimeOffset Time => time;

    /// <summary>The signature policy the signed attributes name, once read (every verdict after that reports it).</summary>
    public SignaturePolicyReport? SignaturePolicy { get; set; }

    public void Passed(string check, string? detail = null) => Checks.Add(new Check(check, CheckResult.Passed, detail));

    public void Add(string check, CheckResult result, string? detail = null) => Checks.Add(new Check(check, result, detail));

    public Verdict Fail(CmsFailure failure, ParsedCertificate? signer = null, DateTimeOffset? signingTime = null)
    {
        Checks.Add(new Check(failure.Check, CheckResult.Failed, failure.Reason));
        return new Verdict
        {
            Indication = failure.Indication, SubIndication = failure.Sub, Reason = failure.Reason, Checks = Checks, Policy = policy,
            ValidationTime = time, Signer = signer?.Identity(Domain.Tckn.FromSubjectSerialNumber(signer.SubjectSerialNumber)),
            SigningTime = signingTime, SignaturePolicy = SignaturePolicy,
        };
    }
}
