using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// The OCSP building block judged on its own (<see cref="OcspValidation.Judge"/>), then inside the engine through an
/// <see cref="IRevocationSource"/> under the trust configuration's revocation policy.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class OcspTests(VerificationWorld world)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(300);

    private OcspResponseBuilder ByIssuer => new(world.SubCaKey, world.SubCa, world.SubCa);

    private ParsedCrl SubCaCrl => world.Trust.Crls.Single(c => c.Issuer.Equivalent(world.SubCa.SubjectDN, true));

    private ParsedCrl RootCrl => world.Trust.Crls.Single(c => c.Issuer.Equivalent(world.SubCa.IssuerDN, true));

    private OcspJudgement Judge(byte[] response, X509Certificate cert, IReadOnlyList<ParsedCrl>? crls = null, DateTimeOffset? at = null) =>
        OcspValidation.Judge(ParsedOcspResponse.From(response), ParsedCertificate.From(cert), ParsedCertificate.From(world.SubCa),
            at ?? world.Now, Skew, AlgorithmPolicy.Strict, crls);

    private X509Certificate Leaf() => world.IssueLeaf(world.Rsa.Public);

    [Fact]
    public void A_good_answer_signed_by_the_issuer_is_good_with_sha1_and_sha256_certids()
    {
        var leaf = Leaf();
        var sha1 = Judge(ByIssuer.Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Good, sha1.Status);
        Assert.Equal(world.SubCa.SubjectDN.ToString(), sha1.Signer!.Subject.ToString());
        Assert.Equal(OcspStatus.Good, Judge((ByIssuer with { Sha256CertId = true }).Build(leaf, world.Now), leaf).Status);
        Assert.Equal(OcspStatus.Good, Judge((ByIssuer with { ByKey = true }).Build(leaf, world.Now), leaf).Status);
    }

    [Fact]
    public void A_revoked_answer_gives_its_time_and_reason()
    {
        var leaf = Leaf();
        var when = world.Now.UtcDateTime.AddDays(-2);
        var judgement = Judge((ByIssuer with { Status = new RevokedStatus(when, 1) }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Revoked, judgement.Status);
        Assert.Equal(new DateTime(when.Ticks - when.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc), judgement.RevocationTime);
        Assert.Equal(1, judgement.RevocationReason);
        // Judged before the revocation, the same answer says the certificate was still good then.
        var before = Judge((ByIssuer with { Status = new RevokedStatus(when, 1), ThisUpdate = when.AddDays(-1) }).Build(leaf, world.Now), leaf,
            at: new DateTimeOffset(when.AddHours(-1), TimeSpan.Zero));
        Assert.Equal(OcspStatus.Good, before.Status);
    }

    [Fact]
    public void An_unknown_answer_is_unknown()
    {
        var leaf = Leaf();
        var judgement = Judge((ByIssuer with { Status = new UnknownStatus() }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Unknown, judgement.Status);
        Assert.Contains("does not know", judgement.Detail);
    }

    [Fact]
    public void An_answer_about_another_certificate_is_unusable()
    {
        var leaf = Leaf();
        var other = Leaf();
        var judgement = Judge(ByIssuer.Build(other, world.Now), leaf);
        Assert.Equal(OcspStatus.Unusable, judgement.Status);
        Assert.Equal(OcspProblem.WrongCertificate, judgement.Problem);
    }

    [Fact]
    public void A_responder_error_status_is_unusable()
    {
        var leaf = Leaf();
        var judgement = Judge((ByIssuer with { ErrorStatus = 3 }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.ResponderError, judgement.Problem);
        Assert.Contains("tryLater", judgement.Detail);
    }

    [Fact]
    public void A_broken_signature_is_unusable()
    {
        var leaf = Leaf();
        var judgement = Judge((ByIssuer with { TamperSignature = true }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.BadSignature, judgement.Problem);
    }

    [Fact]
    public void A_responder_the_issuer_did_not_issue_is_untrusted()
    {
        var leaf = Leaf();
        var strangerKey = OcspResponseBuilder.NewRsa();
        var responderKey = OcspResponseBuilder.NewRsa();
        // Claims the sub-CA as its issuer but is signed by another key.
        var responder = OcspResponseBuilder.Responder(responderKey.Public, strangerKey.Private, world.SubCa, world.Now);
        var response = new OcspResponseBuilder(responderKey.Private, responder, world.SubCa) { Certificates = [responder] }.Build(leaf, world.Now);
        var judgement = Judge(response, leaf);
        Assert.Equal(OcspProblem.UntrustedSigner, judgement.Problem);
    }

    [Fact]
    public void A_delegated_responder_needs_ocsp_signing()
    {
        var leaf = Leaf();
        var key = OcspResponseBuilder.NewRsa();
        var responder = OcspResponseBuilder.Responder(key.Public, world.SubCaKey, world.SubCa, world.Now, ocspSigning: false);
        var judgement = Judge(new OcspResponseBuilder(key.Private, responder, world.SubCa) { Certificates = [responder] }.Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.SignerLacksOcspSigning, judgement.Problem);
    }

    [Fact]
    public void A_delegated_responder_with_nocheck_is_trusted_without_crls_and_one_without_needs_them()
    {
        var leaf = Leaf();
        var key = OcspResponseBuilder.NewRsa();
        var withNoCheck = OcspResponseBuilder.Responder(key.Public, world.SubCaKey, world.SubCa, world.Now, noCheck: true);
        var good = Judge(new OcspResponseBuilder(key.Private, withNoCheck, world.SubCa) { Certificates = [withNoCheck] }.Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Good, good.Status);
        Assert.Equal(ParsedCertificate.From(withNoCheck).Sha256, good.Signer!.Sha256);

        var withoutNoCheck = OcspResponseBuilder.Responder(key.Public, world.SubCaKey, world.SubCa, world.Now, noCheck: false, name: "Test OCSP Responder 2");
        var response = new OcspResponseBuilder(key.Private, withoutNoCheck, world.SubCa) { Certificates = [withoutNoCheck] }.Build(leaf, world.Now);
        var unchecked_ = Judge(response, leaf);
        Assert.Equal(OcspProblem.SignerRevocation, unchecked_.Problem);
        // The sub-CA's CRL does not list the responder: usable.
        Assert.Equal(OcspStatus.Good, Judge(response, leaf, [SubCaCrl]).Status);
    }

    [Fact]
    public void Freshness_within_the_skew()
    {
        var leaf = Leaf();
        var now = world.Now.UtcDateTime;
        var stale = Judge((ByIssuer with { ThisUpdate = now.AddHours(-5), NextUpdate = now.AddMinutes(-6) }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.Stale, stale.Problem);
        var withinSkew = Judge((ByIssuer with { ThisUpdate = now.AddHours(-5), NextUpdate = now.AddMinutes(-4) }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Good, withinSkew.Status);
        var notYet = Judge((ByIssuer with { ThisUpdate = now.AddMinutes(6), ProducedAt = now.AddMinutes(6) }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.NotYetValid, notYet.Problem);
        var noNextOld = Judge((ByIssuer with { ThisUpdate = now.AddMinutes(-6), OmitNextUpdate = true }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspProblem.Stale, noNextOld.Problem);
        var noNextRecent = Judge((ByIssuer with { ThisUpdate = now.AddMinutes(-2), OmitNextUpdate = true }).Build(leaf, world.Now), leaf);
        Assert.Equal(OcspStatus.Good, noNextRecent.Status);
    }

    // --- the engine ---

    private Verdict VerifyCms(X509Certificate leaf, TestRevocationSource source, RevocationPolicy? policy = null) =>
        new CmsVerifier(policy is null ? world.Trust : world.Trust.WithRevocationPolicy(policy), source)
            .Verify(world.Signer(world.Rsa, cert: leaf).Build(), null, new VerificationOptions { At = world.Now });

    [Fact]
    public void The_engine_takes_a_good_ocsp_answer_and_names_it_in_the_verdict()
    {
        var leaf = Leaf();
        var response = ByIssuer.Build(leaf, world.Now);
        var verdict = VerifyCms(leaf, new TestRevocationSource(world.Trust.Crls).With(leaf, response));
        Assert.True(verdict.Passed, verdict.Reason);
        var ocsp = Assert.Single(verdict.Revocation, r => r.Kind == RevocationReference.OcspKind);
        Assert.Equal(ParsedOcspResponse.From(response).Sha256, ocsp.Sha256);
        // The sub-CA has no OCSP answer: the root's CRL covers it.
        Assert.Single(verdict.Revocation, r => r.Kind == RevocationReference.CrlKind);
        var data = Assert.IsType<ParsedOcspResponse>(verdict.RevocationData[verdict.Revocation.ToList().IndexOf(ocsp)]);
        Assert.Equal(response, data.Der);
    }

    [Fact]
    public void The_engine_refuses_a_signer_ocsp_says_is_revoked_and_says_ocsp()
    {
        var leaf = Leaf();
        var source = new TestRevocationSource(world.Trust.Crls)
            .With(leaf, (ByIssuer with { Status = new RevokedStatus(world.Now.UtcDateTime.AddDays(-1), 1) }).Build(leaf, world.Now));
        var verdict = VerifyCms(leaf, source);
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.Revoked, verdict.SubIndication);
        Assert.Equal(HolderStatus.Revoked, verdict.Holder!.Status);
        Assert.StartsWith("OCSP indicates", verdict.Reason);
        Assert.DoesNotContain("CRL", verdict.Reason);
    }

    [Fact]
    public void An_unknown_answer_is_a_refusal_without_falling_back_to_the_crl()
    {
        var leaf = Leaf();
        var source = new TestRevocationSource(world.Trust.Crls).With(leaf, (ByIssuer with { Status = new UnknownStatus() }).Build(leaf, world.Now));
        var verdict = VerifyCms(leaf, source);
        // The CRL does not list the leaf, so a fallback would have passed.
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.CertificateChainGeneralFailure, verdict.SubIndication);
        Assert.Contains("does not know", verdict.Reason);
    }

    [Fact]
    public void An_unusable_answer_falls_back_to_the_crl()
    {
        var leaf = Leaf();
        var source = new TestRevocationSource(world.Trust.Crls).With(leaf, ByIssuer.Build(Leaf(), world.Now));
        var verdict = VerifyCms(leaf, source);
        Assert.True(verdict.Passed, verdict.Reason);
        Assert.All(verdict.Revocation, r => Assert.Equal(RevocationReference.CrlKind, r.Kind));
    }

    [Fact]
    public void Without_any_usable_data_the_signer_is_indeterminate_try_later()
    {
        var leaf = Leaf();
        var source = new TestRevocationSource([RootCrl]).With(leaf, ByIssuer.Build(Leaf(), world.Now));
        var verdict = VerifyCms(leaf, source);
        Assert.Equal(Indication.Indeterminate, verdict.Indication);
        Assert.Equal(SubIndication.TryLater, verdict.SubIndication);
        Assert.Contains("OCSP: the OCSP response has no answer", verdict.Reason);
    }

    [Fact]
    public void The_source_crls_replace_the_configuration_crls()
    {
        var leaf = Leaf();
        // No OCSP and no CRLs in the source: the configuration's CRL files are not consulted.
        var verdict = VerifyCms(leaf, new TestRevocationSource([]));
        Assert.Equal(SubIndication.TryLater, verdict.SubIndication);
    }

    [Theory]
    [InlineData(ConstraintLevel.Fail)]
    [InlineData(ConstraintLevel.Warn)]
    [InlineData(ConstraintLevel.Inform)]
    [InlineData(ConstraintLevel.Ignore)]
    public void A_ca_certificate_without_revocation_data_is_judged_by_the_policy_level(ConstraintLevel level)
    {
        var leaf = Leaf();
        // The leaf has a good OCSP answer; the sub-CA has none and the root's CRL is missing.
        var source = new TestRevocationSource([SubCaCrl]).With(leaf, ByIssuer.Build(leaf, world.Now));
        var verdict = VerifyCms(leaf, source, new RevocationPolicy { CaCertificates = level });
        var note = verdict.Checks.FirstOrDefault(c => c.Name == "x509.revocation.ca-certificates");
        switch (level)
        {
            case ConstraintLevel.Fail:
                Assert.Equal(Indication.Indeterminate, verdict.Indication);
                Assert.Equal(SubIndication.TryLater, verdict.SubIndication);
                Assert.Contains("intermediate certificate", verdict.Reason);
                break;
            case ConstraintLevel.Warn:
                Assert.True(verdict.Passed, verdict.Reason);
                Assert.Equal(CheckResult.Warning, note!.Result);
                Assert.Contains("intermediate certificate", note.Detail);
                break;
            case ConstraintLevel.Inform:
                Assert.True(verdict.Passed, verdict.Reason);
                Assert.Equal(CheckResult.Information, note!.Result);
                break;
            default:
                Assert.True(verdict.Passed, verdict.Reason);
                Assert.Null(note);
                break;
        }
    }

    [Fact]
    public void The_end_entity_needs_data_whatever_the_ca_level()
    {
        var leaf = Leaf();
        var verdict = VerifyCms(leaf, new TestRevocationSource([RootCrl]), new RevocationPolicy { CaCertificates = ConstraintLevel.Ignore });
        Assert.Equal(SubIndication.TryLater, verdict.SubIndication);
    }

    [Fact]
    public void Crl_first_order_takes_the_crl_answer()
    {
        var leaf = Leaf();
        // OCSP says revoked, the CRL does not list the leaf: whichever is asked first decides.
        var revoked = (ByIssuer with { Status = new RevokedStatus(world.Now.UtcDateTime.AddDays(-1), 1) }).Build(leaf, world.Now);
        var crlFirst = VerifyCms(leaf, new TestRevocationSource(world.Trust.Crls).With(leaf, revoked),
            new RevocationPolicy { Order = [RevocationSourceKind.Crl, RevocationSourceKind.Ocsp] });
        Assert.True(crlFirst.Passed, crlFirst.Reason);
        Assert.All(crlFirst.Revocation, r => Assert.Equal(RevocationReference.CrlKind, r.Kind));
        var ocspFirst = VerifyCms(leaf, new TestRevocationSource(world.Trust.Crls).With(leaf, revoked));
        Assert.Equal(SubIndication.Revoked, ocspFirst.SubIndication);
        var ocspOnly = VerifyCms(leaf, new TestRevocationSource(world.Trust.Crls), new RevocationPolicy { Order = [RevocationSourceKind.Ocsp] });
        Assert.Equal(SubIndication.TryLater, ocspOnly.SubIndication);
    }

    [Fact]
    public void A_new_generation_of_the_source_is_not_answered_from_the_caches()
    {
        var leaf = Leaf();
        var source = new TestRevocationSource(world.Trust.Crls).With(leaf, ByIssuer.Build(leaf, world.Now));
        var verifier = new CmsVerifier(world.Trust, source);
        var cms = world.Signer(world.Rsa, cert: leaf).Build();
        Assert.True(verifier.Verify(cms, null, new VerificationOptions { At = world.Now }).Passed);
        source.With(leaf, (ByIssuer with { Status = new RevokedStatus(world.Now.UtcDateTime.AddDays(-1), 1) }).Build(leaf, world.Now));
        Assert.Equal(SubIndication.Revoked, verifier.Verify(cms, null, new VerificationOptions { At = world.Now }).SubIndication);
    }

    [Fact]
    public void A_result_is_not_reused_within_the_minute_an_ocsp_response_goes_stale_in()
    {
        var leaf = Leaf();
        var minute = new DateTimeOffset(world.Now.UtcDateTime.Ticks - world.Now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero)
            .AddMinutes(10);
        // nextUpdate + skew falls 30 seconds into the minute: good at :10, stale at :40.
        var response = (ByIssuer with { NextUpdate = minute.UtcDateTime.AddSeconds(30) - Skew }).Build(leaf, world.Now);
        var source = new TestRevocationSource([RootCrl]).With(leaf, response);
        var verifier = new CmsVerifier(world.Trust, source);
        var cms = world.Signer(world.Rsa, cert: leaf).Build();
        Assert.True(verifier.Verify(cms, null, new VerificationOptions { At = minute.AddSeconds(10) }).Passed);
        var later = verifier.Verify(cms, null, new VerificationOptions { At = minute.AddSeconds(40) });
        Assert.Equal(SubIndication.TryLater, later.SubIndication);
        Assert.Contains("nextUpdate", later.Reason);
    }

    [Fact]
    public void The_policy_file_section_is_validated_and_part_of_the_fingerprint()
    {
        Assert.Equal(RevocationPolicy.Default, RevocationPolicy.FromModel(null));
        var parsed = RevocationPolicy.FromModel(new TrustConfiguration.RevocationPolicyModel
        {
            Order = ["CRL", "ocsp"], CaCertificates = "warn", OcspNonce = false, OcspSkewSeconds = 60,
        });
        Assert.Equal([RevocationSourceKind.Crl, RevocationSourceKind.Ocsp], parsed.Order);
        Assert.Equal(ConstraintLevel.Warn, parsed.CaCertificates);
        Assert.False(parsed.OcspNonce);
        Assert.Equal(TimeSpan.FromSeconds(60), parsed.OcspSkew);
        Assert.Throws<InvalidDataException>(() => RevocationPolicy.FromModel(new() { Order = ["ldap"] }));
        Assert.Throws<InvalidDataException>(() => RevocationPolicy.FromModel(new() { Order = [] }));
        Assert.Throws<InvalidDataException>(() => RevocationPolicy.FromModel(new() { Order = ["crl", "crl"] }));
        Assert.Throws<InvalidDataException>(() => RevocationPolicy.FromModel(new() { CaCertificates = "maybe" }));
        Assert.Throws<InvalidDataException>(() => RevocationPolicy.FromModel(new() { OcspSkewSeconds = -1 }));
        Assert.NotEqual(world.Trust.Fingerprint, world.Trust.WithRevocationPolicy(parsed).Fingerprint);
    }
}
