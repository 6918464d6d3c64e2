using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>RFC 3161 tokens on their own, then as CAdES-T signature timestamps, and the BTK profiles that demand them.</summary>
[Collection(VerificationWorldCollection.Name)]
public class TimestampTests(VerificationWorld world)
{
    /// <summary>
    /// The world's trust without its pinned TSA: these tests stamp with TSAs of their own under the world's root (the pin
    /// itself is tested on its own below).
    /// </summary>
    private TrustConfiguration Trust => world.Trust.WithTimestampAuthorities([]);

    private static readonly byte[] Data = "makbuz: 2026-0001"u8.ToArray();

    [Fact]
    public void A_valid_token_gives_its_time_and_tsa()
    {
        var tsa = new TestTsa(world);
        var genTime = world.Now.AddMinutes(-3);
        var result = new TimestampVerifier(Trust).Verify(tsa.Stamp(Data, genTime), Data, world.Now);
        Assert.True(result.Valid, result.Reason);
        Assert.Equal(genTime.ToUnixTimeSeconds(), result.GenTime!.Value.ToUnixTimeSeconds());
        Assert.Equal(ParsedCertificate.From(tsa.Certificate).Sha256, result.Tsa!.Sha256);
        Assert.Contains(result.Checks, c => c.Name == "timestamp.x509.path" && c.Result == CheckResult.Passed);
    }

    [Fact]
    public void A_token_over_other_data_is_a_hash_failure()
    {
        var tsa = new TestTsa(world);
        var result = new TimestampVerifier(Trust).Verify(tsa.Stamp(Data, world.Now, imprintOf: "other"u8.ToArray()), Data, world.Now);
        Assert.Equal(SubIndication.HashFailure, result.SubIndication);
        Assert.Contains("messageImprint", result.Reason);
    }

    [Fact]
    public void A_tsa_whose_extended_key_usage_is_not_critical_is_refused()
    {
        var tsa = new TestTsa(world, criticalEku: false);
        var result = new TimestampVerifier(Trust).Verify(tsa.Stamp(Data, world.Now), Data, world.Now);
        Assert.False(result.Valid);
        Assert.Equal(SubIndication.ChainConstraintsFailure, result.SubIndication);
        Assert.Contains("not critical", result.Reason);
    }

    [Fact]
    public void Only_the_configured_timestamp_authorities_are_accepted()
    {
        var configured = new TestTsa(world, name: "Yapılandırılmış TSA");
        var other = new TestTsa(world, name: "Başka TSA");
        var trust = Trust.WithTimestampAuthorities([ParsedCertificate.From(configured.Certificate)]);
        var verifier = new TimestampVerifier(trust);
        Assert.True(verifier.Verify(configured.Stamp(Data, world.Now), Data, world.Now).Valid);
        var refused = verifier.Verify(other.Stamp(Data, world.Now), Data, world.Now);
        Assert.Equal(SubIndication.NoCertificateChainFound, refused.SubIndication);
        Assert.Contains("not one of the configured timestamp authorities", refused.Reason);
    }

    [Fact]
    public void A_tsa_that_chains_to_no_anchor_is_untrusted()
    {
        var tsa = new TestTsa(world, name: "Kendinden İmzalı TSA", selfIssued: true);
        var result = new TimestampVerifier(Trust).Verify(tsa.Stamp(Data, world.Now), Data, world.Now);
        Assert.Equal(Indication.Indeterminate, result.Indication);
        Assert.Equal(SubIndication.NoCertificateChainFound, result.SubIndication);
        Assert.StartsWith("the TSA's certificate:", result.Reason);
    }

    [Fact]
    public void Garbage_is_a_format_failure()
    {
        var result = new TimestampVerifier(Trust).Verify([0x30, 0x03, 0x02, 0x01, 0x01], Data, world.Now);
        Assert.Equal(SubIndication.FormatFailure, result.SubIndication);
    }

    // --- CAdES-T ---

    private CadesBuilder Stamped(X509Certificate leaf, DateTimeOffset genTime, TestTsa? tsa = null, DateTimeOffset? signingTime = null)
    {
        tsa ??= new TestTsa(world);
        return world.Signer(world.Rsa, cert: leaf) with
        {
            SigningTime = signingTime ?? genTime.AddMinutes(-1),
            SignatureTimestamp = signature => tsa.Stamp(signature, genTime),
        };
    }

    private Verdict Verify(byte[] cms, TrustConfiguration? trust = null, IRevocationSource? source = null) =>
        new CmsVerifier(trust ?? Trust, source).Verify(cms, null, new VerificationOptions { At = world.Now });

    [Fact]
    public void The_timestamp_time_is_the_signing_time_for_the_certificate_checks()
    {
        // Expired yesterday; signed and timestamped two days ago.
        var leaf = world.IssueLeaf(world.Rsa.Public, notBeforeDays: -30, notAfterDays: -1);
        var genTime = world.Now.AddDays(-2);
        var verdict = Verify(Stamped(leaf, genTime).Build());
        Assert.True(verdict.Passed, verdict.Reason);
        Assert.Equal(genTime.ToUnixTimeSeconds(), verdict.SignatureTimestampTime!.Value.ToUnixTimeSeconds());
        Assert.Equal(HolderStatus.Expired, verdict.Holder!.Status);
        Assert.Contains(verdict.Checks, c => c.Name == "cades.signature-timestamp.message-imprint" && c.Result == CheckResult.Passed);
        // The sub-CA's CRL answered for both the signer and the TSA: named once. The root's CRL for the sub-CA.
        Assert.Equal(verdict.Revocation.Count, verdict.RevocationData.Count);
        Assert.Equal(2, verdict.Revocation.Count);
        Assert.Equal(verdict.Revocation.Select(r => r.Sha256), verdict.RevocationData.Select(r => r.Sha256));
        // Without the timestamp the same signer is refused as expired.
        var bes = Verify(world.Signer(world.Rsa, cert: leaf).Build());
        Assert.Equal(SubIndication.Expired, bes.SubIndication);
    }

    [Fact]
    public void The_verdict_keeps_the_revocation_data_of_the_tsa_path_too()
    {
        var tsa = new TestTsa(world);
        var tsaAnswer = new OcspResponseBuilder(world.SubCaKey, world.SubCa, world.SubCa).Build(tsa.Certificate, world.Now);
        var source = new TestRevocationSource(Trust.Crls).With(tsa.Certificate, tsaAnswer);
        var leaf = world.IssueLeaf(world.Rsa.Public);
        var verdict = Verify(Stamped(leaf, world.Now.AddMinutes(-1), tsa).Build(), source: source);
        Assert.True(verdict.Passed, verdict.Reason);
        // The signer was answered by the CRL; only the TSA by OCSP.
        Assert.Contains(verdict.Revocation, r => r.Kind == RevocationReference.OcspKind && r.Sha256 == ParsedOcspResponse.From(tsaAnswer).Sha256);
        Assert.Contains(verdict.Revocation, r => r.Kind == RevocationReference.CrlKind);
        Assert.Equal(verdict.Revocation.Select(r => r.Sha256), verdict.RevocationData.Select(r => r.Sha256));
    }

    [Fact]
    public void A_timestamp_over_something_else_than_the_signature_value_is_a_hash_failure()
    {
        var tsa = new TestTsa(world);
        var cms = (world.Signer(world.Rsa) with { SignatureTimestamp = signature => tsa.Stamp(signature, world.Now, imprintOf: Data) }).Build();
        var verdict = Verify(cms);
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
        Assert.StartsWith("signature timestamp:", verdict.Reason);
    }

    [Fact]
    public void A_claimed_signing_time_three_hours_before_the_timestamp_fails()
    {
        var leaf = world.IssueLeaf(world.Rsa.Public);
        var genTime = world.Now.AddMinutes(-2);
        var verdict = Verify(Stamped(leaf, genTime, signingTime: genTime.AddHours(-3)).Build());
        Assert.Equal(SubIndication.SigConstraintsFailure, verdict.SubIndication);
        Assert.Contains("before the signature timestamp's time", verdict.Reason);
        Assert.True(Verify(Stamped(leaf, genTime, signingTime: genTime.AddMinutes(-4)).Build()).Passed);
    }

    [Fact]
    public void A_signer_revoked_after_the_timestamp_passes_when_the_policy_allows_and_one_revoked_before_fails()
    {
        var leaf = world.IssueLeaf(world.Rsa.Public);
        var genTime = world.Now.AddDays(-2);
        var cms = Stamped(leaf, genTime).Build();
        var issuer = new OcspResponseBuilder(world.SubCaKey, world.SubCa, world.SubCa);
        TestRevocationSource RevokedAt(DateTimeOffset when) => new TestRevocationSource(Trust.Crls)
            .With(leaf, (issuer with { Status = new RevokedStatus(when.UtcDateTime, 1) }).Build(leaf, world.Now));

        var after = Verify(cms, source: RevokedAt(world.Now.AddDays(-1)));
        Assert.True(after.Passed, after.Reason);
        Assert.Contains(after.Revocation, r => r.Kind == RevocationReference.OcspKind);

        var strict = Trust.WithRevocationPolicy(new RevocationPolicy { AcceptRevokedAfterTimestamp = false });
        Assert.Equal(SubIndication.Revoked, Verify(cms, strict, RevokedAt(world.Now.AddDays(-1))).SubIndication);

        var before = Verify(cms, source: RevokedAt(world.Now.AddDays(-3)));
        Assert.Equal(SubIndication.Revoked, before.SubIndication);
        Assert.StartsWith("OCSP indicates", before.Reason);
    }

    // --- BTK profiles ---

    [Theory]
    [InlineData("2.16.792.1.61.0.1.5070.3.1.1", "P2")]
    [InlineData("2.16.792.1.61.0.1.5070.3.2.1", "P3")]
    [InlineData("2.16.792.1.61.0.1.5070.3.3.1", "P4")]
    public void A_btk_profile_without_a_signature_timestamp_fails_and_with_one_is_reported(string oid, string profile)
    {
        var bare = Verify((world.Signer(world.Rsa) with { SignaturePolicyOid = oid }).Build());
        Assert.Equal(Indication.TotalFailed, bare.Indication);
        Assert.Equal(SubIndication.SigConstraintsFailure, bare.SubIndication);
        Assert.Equal($"profile {profile} requires a signature timestamp", bare.Reason);
        Assert.Equal(profile, bare.SignaturePolicy!.Profile);

        var leaf = world.IssueLeaf(world.Rsa.Public);
        // P4 is OCSP-based: the signer's answer must come from OCSP.
        var source = new TestRevocationSource(Trust.Crls)
            .With(leaf, new OcspResponseBuilder(world.SubCaKey, world.SubCa, world.SubCa).Build(leaf, world.Now));
        var stamped = Verify((Stamped(leaf, world.Now.AddMinutes(-1)) with { SignaturePolicyOid = oid }).Build(), source: source);
        Assert.True(stamped.Passed, stamped.Reason);
        Assert.Equal(new SignaturePolicyReport(oid, profile), stamped.SignaturePolicy);
        Assert.Contains("\"profile\": \"" + profile + "\"", stamped.ToJson());
    }

    [Fact]
    public void P4_refuses_a_signer_answered_by_a_crl_and_a_missing_signing_time()
    {
        var leaf = world.IssueLeaf(world.Rsa.Public);
        var crlOnly = Verify((Stamped(leaf, world.Now.AddMinutes(-1)) with { SignaturePolicyOid = "2.16.792.1.61.0.1.5070.3.3.1" }).Build());
        Assert.Equal(SubIndication.SigConstraintsFailure, crlOnly.SubIndication);
        Assert.Equal("profile P4 requires an OCSP response for the signer certificate", crlOnly.Reason);
        // The same with P2 (CRL-based) passes.
        Assert.True(Verify((Stamped(leaf, world.Now.AddMinutes(-1)) with { SignaturePolicyOid = "2.16.792.1.61.0.1.5070.3.1.1" }).Build()).Passed);

        var tsa = new TestTsa(world);
        var noSigningTime = Verify((world.Signer(world.Rsa, cert: leaf) with
        {
            SigningTime = null, SignaturePolicyOid = "2.16.792.1.61.0.1.5070.3.3.1",
            SignatureTimestamp = signature => tsa.Stamp(signature, world.Now.AddMinutes(-1)),
        }).Build());
        Assert.Equal("profile P4 requires the signingTime attribute", noSigningTime.Reason);
    }

    [Fact]
    public void An_unknown_signature_policy_is_reported()
    {
        var verdict = Verify((world.Signer(world.Rsa) with { SignaturePolicyOid = "1.2.3.4.5" }).Build());
        Assert.True(verdict.Passed, verdict.Reason);
        Assert.Equal(new SignaturePolicyReport("1.2.3.4.5", null), verdict.SignaturePolicy);
        Assert.Contains(verdict.Checks, c => c.Name == "btk.signature-policy" && c.Result == CheckResult.Information);
    }
}
