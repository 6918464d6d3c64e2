using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

[Collection(VerificationWorldCollection.Name)]
public class HolderStatusTests(VerificationWorld world)
{
    private readonly CertificateValidator validator = new(world.Trust);

    /// <summary>Every persona of the hsm-sim world gets the status its flags and dates call for.</summary>
    [Theory]
    [MemberData(nameof(Personas.All), MemberType = typeof(Personas))]
    public void PersonaCertificateHasTheExpectedHolderStatus(string id)
    {
        var p = world.Manifest.Persona(id);
        var verdict = validator.Validate(File.ReadAllBytes(p.CertificatePath), new VerificationOptions { At = world.Now });
        var daysLeft = (int)Math.Ceiling((p.NotAfter - world.Now).TotalDays);
        var expected = p.Revoked ? HolderStatus.Revoked
            : p.NotAfter < world.Now ? HolderStatus.Expired
            : p.NoNonRepudiation || p.NoQcStatements || p.Tckn is null ? HolderStatus.NotQualified
            : daysLeft <= 90 ? HolderStatus.Expiring
            : HolderStatus.Valid;
        Assert.Equal(expected, verdict.Holder!.Status);
        Assert.Equal(daysLeft, verdict.Holder.DaysLeft);
        Assert.Equal(p.NotAfter, verdict.Holder.NotAfter);
        Assert.Equal(expected is HolderStatus.Valid or HolderStatus.Expiring, verdict.Passed);
        if (p.Tckn is not null)
            Assert.Equal(p.Tckn, verdict.Signer!.Tckn);
        Assert.Equal(p.CertificateSha256, verdict.Signer!.CertificateSha256);
    }

    [Fact]
    public void TheWorldsFixedDatesGiveTheDaysTheIssueNames()
    {
        Assert.Equal(45, Status("fp-expiring").DaysLeft);
        Assert.Equal(-10, Status("fp-expired").DaysLeft);
        Assert.Equal(80, Status("individual").DaysLeft);
        Assert.Equal(HolderStatus.Expiring, Status("individual").Status);
    }

    private HolderStatusReport Status(string id) =>
        validator.Validate(File.ReadAllBytes(world.Manifest.Persona(id).CertificatePath), new VerificationOptions { At = world.Now }).Holder!;

    [Fact]
    public void ExpiringThresholdIsConfigurable()
    {
        var strict = new CertificateValidator(TrustConfigurationWith(30));
        var verdict = strict.Validate(File.ReadAllBytes(world.Manifest.Persona("individual").CertificatePath), new VerificationOptions { At = world.Now });
        Assert.Equal(HolderStatus.Valid, verdict.Holder!.Status);
    }

    private TrustConfiguration TrustConfigurationWith(int days)
    {
        var model = Signing.HsmSim.WorldTrust.Model(LocalWorld.ManifestPath) with { ExpiringWithinDays = days };
        return TrustConfiguration.FromModel(model, "/");
    }

    [Fact]
    public void WrongHolderIsReported()
    {
        var verdict = validator.Validate(File.ReadAllBytes(world.Manifest.Persona("doctor").CertificatePath),
            new VerificationOptions { At = world.Now, ExpectedTckn = world.Manifest.Persona("manager").Tckn });
        Assert.Equal(HolderStatus.WrongHolder, verdict.Holder!.Status);
        Assert.Equal(SubIndication.SigConstraintsFailure, verdict.SubIndication);
    }

    [Fact]
    public void RogueLeafIsUntrusted()
    {
        var verdict = validator.Validate(File.ReadAllBytes(world.Manifest.Pki.RogueLeafCertificate), new VerificationOptions { At = world.Now });
        Assert.Equal(HolderStatus.Untrusted, verdict.Holder!.Status);
        Assert.Equal(SubIndication.NoCertificateChainFound, verdict.SubIndication);
    }

    [Fact]
    public void NotYetValidBeforeTheCertificateStarts()
    {
        var p = world.Manifest.Persona("officer-mersin-1");
        var verdict = validator.Validate(File.ReadAllBytes(p.CertificatePath),
            new VerificationOptions { At = p.NotBefore.AddDays(-1), Revocation = RevocationMode.Off });
        Assert.Equal(HolderStatus.NotYetValid, verdict.Holder!.Status);
    }

    [Fact]
    public void StaleCrlMeansTryLater()
    {
        var verdict = validator.Validate(File.ReadAllBytes(world.Manifest.Persona("doctor").CertificatePath),
            new VerificationOptions { At = world.Now.AddDays(40) });
        Assert.Equal(SubIndication.TryLater, verdict.SubIndication);
        Assert.Equal(Indication.Indeterminate, verdict.Indication);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x02, 0x01 })]
    [InlineData(new byte[] { 0xFF, 0x00, 0x13 })]
    public void GarbageIsFormatFailure(byte[] input)
    {
        var verdict = validator.Validate(input);
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.FormatFailure, verdict.SubIndication);
    }

    [Fact]
    public void TrustConfigurationRoundTripsThroughAFile()
    {
        var model = Signing.HsmSim.WorldTrust.Model(LocalWorld.ManifestPath);
        var file = Path.Combine(Path.GetTempPath(), $"trust-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, TrustConfiguration.Serialize(model));
        try
        {
            var loaded = TrustConfiguration.Load(file);
            Assert.Equal(world.Trust.Fingerprint, loaded.Fingerprint);
            Assert.Single(loaded.TrustAnchors);
            Assert.Equal(2, loaded.Crls.Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("12345678950", true)]
    [InlineData("10000000146", true)]
    [InlineData("12345678901", false)]
    [InlineData("02345678950", false)]
    [InlineData("1234567895", false)]
    public void TcknChecksum(string tckn, bool valid) => Assert.Equal(valid, Signing.Domain.Tckn.IsValid(tckn));

    [Theory]
    [InlineData("12345678950", "12345678950")]
    [InlineData(" TCKN12345678950 ", "12345678950")]
    [InlineData("tr12345678950", "12345678950")]
    [InlineData("IDCTR-12345678950", "12345678950")]
    [InlineData("PNOTR-12345678950", "12345678950")]
    [InlineData("10000000111", null)]
    [InlineData("TCKN1234567895", null)]
    [InlineData(null, null)]
    public void TcknFromSubjectSerialNumber(string? serialNumber, string? expected) =>
        Assert.Equal(expected, Signing.Domain.Tckn.FromSubjectSerialNumber(serialNumber));
}
