extern alias hsmsim;
using System.Security.Cryptography;
using Signing.Verification;
using EOnayIssuer = hsmsim::Signing.HsmSim.EOnayIssuer;

namespace Signing.Verification.Tests;

[Collection(VerificationWorldCollection.Name)]
public class EOnayTests(VerificationWorld world)
{
    private const string Tckn = "12345678950";
    private static readonly string FormSha256 = Convert.ToHexStringLower(SHA256.HashData("form v1"u8));
    private readonly EOnayVerifier verifier = new(world.Trust);

    private byte[] Issue(string tckn = Tckn, string? form = null, DateTimeOffset? at = null, string? application = "A-2026-0042") =>
        EOnayIssuer.Issue(Signing.TestKit.HsmWorldFixture.ReadCertificate(world.Manifest.Pki.EOnayIssuerCertificate),
            VerificationWorld.ReadKey(world.Manifest.Pki.EOnayIssuerKey), tckn, application, form ?? FormSha256, at ?? world.Now.AddMinutes(-5));

    [Fact]
    public void ConfirmationFromTheWorldsIssuerPasses()
    {
        var result = verifier.Verify(Issue(), Tckn, FormSha256, world.Now);
        Assert.True(result.Passed, result.Verdict.Reason);
        Assert.Equal(Tckn, result.Confirmation!.Tckn);
        Assert.Equal("A-2026-0042", result.Confirmation.ApplicationId);
        Assert.False(string.IsNullOrEmpty(result.Confirmation.Nonce));
        Assert.Contains(result.Verdict.Checks, c => c.Name == "eonay.freshness" && c.Result == CheckResult.Passed);
    }

    [Fact]
    public void BindingByApplicationIdAlonePasses()
    {
        var result = verifier.Verify(Issue(), Tckn, null, world.Now, expectedApplicationId: "A-2026-0042");
        Assert.True(result.Passed, result.Verdict.Reason);
    }

    [Fact]
    public void AnotherPersonsConfirmationFails()
    {
        var result = verifier.Verify(Issue(tckn: "28473956150"), Tckn, FormSha256, world.Now);
        Assert.Equal(SubIndication.SigConstraintsFailure, result.Verdict.SubIndication);
        Assert.Contains(result.Verdict.Checks, c => c.Name == "eonay.tckn" && c.Result == CheckResult.Failed);
    }

    [Fact]
    public void AnotherFormFails()
    {
        var other = Convert.ToHexStringLower(SHA256.HashData("form v2"u8));
        var result = verifier.Verify(Issue(form: other), Tckn, FormSha256, world.Now);
        Assert.Contains(result.Verdict.Checks, c => c.Name == "eonay.binding" && c.Result == CheckResult.Failed);
        Assert.False(result.Passed);
    }

    [Fact]
    public void StaleConfirmationFails()
    {
        var result = verifier.Verify(Issue(at: world.Now.AddDays(-4)), Tckn, FormSha256, world.Now);
        Assert.Contains(result.Verdict.Checks, c => c.Name == "eonay.freshness" && c.Result == CheckResult.Failed);
        Assert.False(result.Passed);
    }

    [Fact]
    public void ConfirmationSignedByAnNesHolderIsNotAnEOnay()
    {
        // A doctor's valid NES signature over a well-formed confirmation is still not from the e-Onay issuer.
        var doc = new EOnayConfirmation { Tckn = Tckn, FormSha256 = FormSha256, ConfirmedAt = world.Now.AddMinutes(-5), Nonce = "n1" };
        var cms = (world.Signer(world.Rsa) with { Content = doc.ToUtf8Json() }).Build();
        var result = verifier.Verify(cms, Tckn, FormSha256, world.Now);
        Assert.Contains(result.Verdict.Checks, c => c.Name == "eonay.issuer" && c.Result == CheckResult.Failed);
        Assert.False(result.Passed);
    }

    [Fact]
    public void TamperedConfirmationFails()
    {
        var cms = Issue();
        var i = cms.AsSpan().IndexOf("12345678950"u8);
        cms[i + 10] = (byte)'1';
        var result = verifier.Verify(cms, Tckn, FormSha256, world.Now);
        Assert.Equal(SubIndication.HashFailure, result.Verdict.SubIndication);
    }

    [Fact]
    public void GarbageFailsWithoutThrowing()
    {
        var result = verifier.Verify([1, 2, 3], Tckn, FormSha256, world.Now);
        Assert.Equal(SubIndication.FormatFailure, result.Verdict.SubIndication);
        Assert.Null(result.Confirmation);
    }
}
