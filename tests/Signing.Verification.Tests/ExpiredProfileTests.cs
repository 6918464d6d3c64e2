namespace Signing.Verification.Tests;

/// <summary>
/// An expired certificate is still judged on everything else: the qualified profile and the holder binding run, so a
/// caller deciding on "only the expiry failed" sees the complete list.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class ExpiredProfileTests(VerificationWorld world)
{
    private readonly CertificateValidator validator = new(world.Trust);

    private Verdict Validate(Org.BouncyCastle.X509.X509Certificate cert, string? expectedTckn = null) =>
        validator.Validate(cert.GetEncoded(), new VerificationOptions { At = world.Now, ExpectedTckn = expectedTckn, Revocation = RevocationMode.BestEffort });

    private static IEnumerable<string> Failed(Verdict v) => v.Checks.Where(c => c.Result == CheckResult.Failed).Select(c => c.Name);

    [Fact]
    public void AnExpiredCertificateWithoutTheQualifiedMarksFailsTheProfileChecksToo()
    {
        var verdict = Validate(world.IssueLeaf(world.Rsa.Public, notBeforeDays: -400, notAfterDays: -10, nonRepudiation: false, qc: false));

        Assert.False(verdict.Passed);
        Assert.Contains("x509.validity", Failed(verdict));
        Assert.Contains("qualified.non-repudiation", Failed(verdict));
        Assert.Contains("qualified.qc-compliance", Failed(verdict));
        Assert.Equal(HolderStatus.NotQualified, verdict.Holder!.Status);
    }

    [Fact]
    public void AnExpiredNesFailsOnlyItsValidity()
    {
        var verdict = Validate(world.IssueLeaf(world.Rsa.Public, notBeforeDays: -400, notAfterDays: -10));

        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.Expired, verdict.SubIndication);
        Assert.Equal(HolderStatus.Expired, verdict.Holder!.Status);
        Assert.Equal(["x509.validity"], Failed(verdict));
        Assert.Contains(verdict.Checks, c => c.Name == "qualified.policy" && c.Result == CheckResult.Passed);
    }

    [Fact]
    public void AnExpiredNesOfSomeoneElseFailsTheHolderCheckToo()
    {
        var verdict = Validate(world.IssueLeaf(world.Rsa.Public, notBeforeDays: -400, notAfterDays: -10), expectedTckn: "10000000146");

        Assert.Contains("x509.validity", Failed(verdict));
        Assert.Contains("holder.tckn", Failed(verdict));
        Assert.Equal(HolderStatus.WrongHolder, verdict.Holder!.Status);
    }

    [Fact]
    public void ANotYetValidCertificateIsJudgedOnItsProfileToo()
    {
        var verdict = Validate(world.IssueLeaf(world.Rsa.Public, notBeforeDays: 5, notAfterDays: 700, qc: false));

        Assert.Contains("x509.validity", Failed(verdict));
        Assert.Contains("qualified.qc-compliance", Failed(verdict));
    }
}
