using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>CertificateService: challenges, the certificate check with a proof of possession made on the card, guidance.</summary>
public sealed class CertificateServiceTests(SigningServer server) : IClassFixture<SigningServer>
{
    private readonly CertificateService.CertificateServiceClient _client = server.Certificates();

    private async Task<CheckCertificateRequest> ProvenAsync(string persona, string? provingPersona = null)
    {
        var challenge = await _client.CreateChallengeAsync(new CreateChallengeRequest());
        return new CheckCertificateRequest
        {
            Certificate = ByteString.CopyFrom(Cards.CertificateDer(persona)),
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove(provingPersona ?? persona, challenge.Nonce.ToByteArray())),
        };
    }

    /// <summary>
    /// Days left as the world's manifest says (the hsm-sim world is reused for up to 7 days, so the personas' "45 days"
    /// shrink day by day); one day of slack for a check that straddles the instant the count rolls over.
    /// </summary>
    private static void AssertDaysLeft(string persona, int daysLeft)
    {
        var expected = (int)Math.Floor((Cards.Manifest.Persona(persona).NotAfter - DateTimeOffset.UtcNow).TotalDays);
        Assert.InRange(daysLeft, expected, expected + 1); // the server counted a moment earlier
    }

    [Fact]
    public async Task CreateChallenge_gives_a_fresh_32_byte_nonce_that_expires_within_minutes()
    {
        var before = DateTimeOffset.UtcNow;
        var a = await _client.CreateChallengeAsync(new CreateChallengeRequest());
        var b = await _client.CreateChallengeAsync(new CreateChallengeRequest());
        Assert.Equal(32, a.Nonce.Length);
        Assert.Equal(32, b.Nonce.Length);
        Assert.NotEqual(a.ChallengeId, b.ChallengeId);
        Assert.NotEqual(a.Nonce, b.Nonce);
        var expires = a.ExpiresAt.ToDateTimeOffset();
        Assert.True(expires > before, "a challenge must not be born expired");
        Assert.True(expires <= before.AddMinutes(15), $"a challenge should be short-lived, expires {expires:O}");
    }

    [Fact]
    public async Task Doctor_with_a_valid_NES_is_VALID_and_is_told_to_e_sign_the_form()
    {
        var response = await _client.CheckCertificateAsync(await ProvenAsync("doctor"));
        Assert.Equal(HolderStatus.Valid, response.Status);
        Assert.Equal(Indication.TotalPassed, response.Verdict.Indication);
        Assert.Equal("123********", response.Verdict.SignerTcknMasked);
        AssertDaysLeft("doctor", response.DaysLeft);
        Assert.Equal(Cards.Manifest.Persona("doctor").NotAfter.ToUnixTimeSeconds(), response.NotAfter.ToDateTimeOffset().ToUnixTimeSeconds());
        var codes = response.Steps.Select(s => s.Code).ToList();
        Assert.Contains("E_SIGN_FORM", codes);
        Assert.Contains("NO_FEE", codes);
        Assert.DoesNotContain("PAY_FEE", codes);
        Assert.All(response.Steps, s => Assert.False(string.IsNullOrWhiteSpace(s.TextTr)));
    }

    [Fact]
    public async Task Family_physician_expiring_in_45_days_is_EXPIRING_and_must_pay_the_780_TL_fee_with_the_exact_description()
    {
        var request = await ProvenAsync("fp-expiring");
        request.Category = ApplicantCategory.FamilyPhysician;
        var response = await _client.CheckCertificateAsync(request);
        Assert.Equal(HolderStatus.Expiring, response.Status);
        AssertDaysLeft("fp-expiring", response.DaysLeft);
        var pay = Assert.Single(response.Steps, s => s.Code == "PAY_FEE");
        Assert.Contains("780,00 TL", pay.Text);
        Assert.Contains("TR41 0001 2009 5940 0005 0000 47", pay.Text); // Mersin (the default tenant) account
        Assert.Contains("GÜLŞEN ÇELİK 40618273540 NES 3 YILLIK BAŞVURUSU", pay.Text);
        Assert.Contains("780,00 TL", pay.TextTr);
        Assert.Contains(response.Steps, s => s.Code == "E_SIGN_FORM");
        Assert.DoesNotContain(response.Steps, s => s.Code == "PRINT_AND_DELIVER_TWO_COPIES"); // a valid NES must e-sign
    }

    [Fact]
    public async Task Family_physician_expired_10_days_ago_is_EXPIRED_and_is_told_to_print_and_deliver_two_copies()
    {
        var request = await ProvenAsync("fp-expired");
        request.Category = ApplicantCategory.FamilyPhysician;
        var response = await _client.CheckCertificateAsync(request);
        Assert.Equal(HolderStatus.Expired, response.Status);
        AssertDaysLeft("fp-expired", response.DaysLeft);
        var codes = response.Steps.Select(s => s.Code).ToList();
        Assert.Contains("PRINT_AND_DELIVER_TWO_COPIES", codes);
        Assert.Contains("PAY_FEE", codes);
        Assert.DoesNotContain("E_SIGN_FORM", codes); // an expired NES cannot sign
    }

    [Fact]
    public async Task Revoked_certificate_is_REVOKED_with_a_failed_verdict_and_no_renewal_steps()
    {
        var response = await _client.CheckCertificateAsync(await ProvenAsync("doctor-revoked"));
        Assert.Equal(HolderStatus.Revoked, response.Status);
        Assert.NotEqual(Indication.TotalPassed, response.Verdict.Indication);
        Assert.Empty(response.Steps);
    }

    [Fact]
    public async Task Expected_TCKN_of_someone_else_gives_WRONG_HOLDER()
    {
        var request = await ProvenAsync("doctor");
        request.ExpectedTckn = Cards.Tckn("manager");
        var response = await _client.CheckCertificateAsync(request);
        Assert.Equal(HolderStatus.WrongHolder, response.Status);
        Assert.Empty(response.Steps);
    }

    [Fact]
    public async Task A_challenge_used_twice_is_refused_the_second_time_as_CHALLENGE_UNKNOWN()
    {
        var request = await ProvenAsync("doctor");
        Assert.Equal(HolderStatus.Valid, (await _client.CheckCertificateAsync(request)).Status);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.CheckCertificateAsync(request), "CHALLENGE_UNKNOWN");
    }

    [Fact]
    public async Task A_proof_made_with_another_personas_key_is_refused_naming_proof_of_possession()
    {
        var request = await ProvenAsync("doctor", provingPersona: "manager");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.CheckCertificateAsync(request), "INVALID_ARGUMENT", "proof_of_possession");
    }

    [Fact]
    public async Task A_proof_over_other_bytes_than_the_nonce_is_refused_naming_proof_of_possession()
    {
        var challenge = await _client.CreateChallengeAsync(new CreateChallengeRequest());
        var request = new CheckCertificateRequest
        {
            Certificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor", new byte[32])),
        };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.CheckCertificateAsync(request), field: "proof_of_possession");
    }

    [Fact]
    public async Task Garbage_certificate_bytes_are_refused_naming_certificate()
    {
        var request = await ProvenAsync("doctor");
        request.Certificate = ByteString.CopyFrom(new byte[] { 0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef });
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.CheckCertificateAsync(request), "INVALID_ARGUMENT", "certificate");
    }

    [Fact]
    public async Task An_empty_request_is_refused_listing_every_missing_field()
    {
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.CheckCertificateAsync(new CheckCertificateRequest()), "INVALID_ARGUMENT");
        var fields = status.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(new[] { "certificate", "challenge_id", "proof_of_possession" }, fields.Order());
    }

    [Fact]
    public async Task A_bad_expected_TCKN_and_an_unknown_tenant_are_named_too()
    {
        var request = await ProvenAsync("doctor");
        request.ExpectedTckn = "12345678901";
        request.Tenant = "99";
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.CheckCertificateAsync(request), "INVALID_ARGUMENT", "expected_tckn");
        Assert.Contains(status.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "tenant");
    }

    [Fact]
    public async Task Guidance_by_not_after_for_a_family_physician_in_the_window_says_EXPIRING_and_pay_the_fee()
    {
        var response = await _client.GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest
        {
            Category = ApplicantCategory.FamilyPhysician,
            NotAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30).AddHours(1)),
        });
        Assert.Equal(HolderStatus.Expiring, response.Status);
        Assert.Equal(30, response.DaysLeft);
        Assert.Contains(response.Steps, s => s.Code == "PAY_FEE" && s.Text.Contains("780,00 TL"));
        Assert.Contains(response.Steps, s => s.Code == "E_SIGN_FORM");
    }

    [Fact]
    public async Task Guidance_by_not_after_in_the_past_for_an_individual_says_post_the_form_to_Kamu_SM()
    {
        var response = await _client.GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest
        {
            Category = ApplicantCategory.Individual,
            NotAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-3)),
        });
        Assert.Equal(HolderStatus.Expired, response.Status);
        Assert.True(response.DaysLeft < 0);
        Assert.Contains(response.Steps, s => s.Code == "PRINT_AND_POST_TO_KAMU_SM" && s.Text.Contains("Gebze"));
        Assert.DoesNotContain(response.Steps, s => s.Code == "PAY_FEE");
    }

    [Fact]
    public async Task Guidance_by_certificate_reads_its_not_after()
    {
        var response = await _client.GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest
        {
            Category = ApplicantCategory.Doctor,
            Certificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
        });
        Assert.Equal(HolderStatus.Valid, response.Status);
        AssertDaysLeft("doctor", response.DaysLeft);
        Assert.Equal("WAIT_FOR_WARNING", response.Steps[0].Code);
    }

    [Fact]
    public async Task Guidance_without_a_category_or_a_date_is_refused_naming_both()
    {
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest()), "INVALID_ARGUMENT", "category");
        Assert.Contains(status.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "certificate");
    }

    [Fact]
    public async Task Guidance_with_garbage_certificate_bytes_is_refused_naming_certificate()
    {
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest
        {
            Category = ApplicantCategory.Doctor,
            Certificate = ByteString.CopyFromUtf8("not a certificate"),
        }), field: "certificate");
    }
}
