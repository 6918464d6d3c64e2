using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>Submitting a renewal: where each route lands, and every refusal.</summary>
public class SubmitTests
{
    private static RenewalSubmitted Submitted(SubmitRenewal c) => Assert.IsType<RenewalSubmitted>(Assert.Single(Spec.Accepted([], c)));

    [Fact]
    public void E_signed_by_the_applicant_goes_straight_to_the_approval_queue()
    {
        var e = Submitted(Submit(Doctor, ESignedBy(Doctor)));
        Assert.Equal(ApplicationRoute.DirectorateQueue, e.Route);
        Assert.Equal("33", e.Tenant);
        Assert.Equal(ApplicationCode.From(e.ApplicationId), e.ApplicationCode);
        Assert.Null(e.FeeDue); // the institution pays for doctors
        var state = Spec.State(e);
        Assert.Equal(ApplicationStatus.AwaitingApproval, state.Status);
        Assert.Empty(state.Lacks());
        Assert.True(state.IsApprovable());
    }

    [Fact]
    public void E_Onay_goes_straight_to_the_approval_queue()
    {
        var e = Submitted(Submit(Manager, EOnayOf(Manager)));
        Assert.Equal(ApplicationRoute.DirectorateQueue, e.Route);
        Assert.Equal("EONAY-1", e.EOnayReference);
        Assert.Equal(ApplicationStatus.AwaitingApproval, Spec.State(e).Status);
    }

    [Fact]
    public void The_institution_is_kept_with_the_submission_so_the_printed_form_can_be_made_again()
    {
        var e = Submitted(Submit(Doctor, Wet) with { Institution = " Mersin Şehir Hastanesi " });
        Assert.Equal("Mersin Şehir Hastanesi", e.Institution);
    }

    [Fact]
    public void Wet_signed_waits_for_two_paper_copies()
    {
        var state = Spec.State(Submitted(Submit(Doctor, Wet)));
        Assert.Equal(ApplicationStatus.AwaitingPaper, state.Status);
        Assert.Equal([Lack.Paper], state.Lacks());
        Assert.False(state.IsApprovable());
    }

    [Fact]
    public void Family_physician_with_valid_NES_must_e_sign_wet_is_refused_saying_why()
    {
        var error = Spec.Refused([], Submit(FpExpiring, Wet), ErrorCodes.FamilyPhysicianMustESign);
        Assert.Contains("must sign the form", error.Message);
        Assert.Contains("wet-signed", error.Message);
    }

    [Fact]
    public void Family_physician_with_valid_NES_cannot_use_e_Onay_either() =>
        Spec.Refused([], Submit(FpExpiring, EOnayOf(FpExpiring)), ErrorCodes.FamilyPhysicianMustESign);

    [Fact]
    public void Family_physician_e_signing_owes_the_tenant_fee_to_the_tenant_account()
    {
        var e = Submitted(Submit(FpExpiring, ESignedBy(FpExpiring)));
        Assert.Equal(780.00m, e.FeeDue);
        Assert.Equal("TR410001200959400005000047", e.FeeIban);
        var state = Spec.State(e);
        Assert.Equal(ApplicationStatus.AwaitingApproval, state.Status);
        Assert.Equal([Lack.Receipt], state.Lacks());
        Assert.False(state.IsApprovable());
    }

    [Fact]
    public void Family_physician_with_expired_NES_may_use_wet_signature_and_lacks_paper_and_receipt()
    {
        var state = Spec.State(Submitted(Submit(FpExpired, Wet)));
        Assert.Equal(ApplicationStatus.AwaitingPaper, state.Status);
        Assert.Equal([Lack.Paper, Lack.Receipt], state.Lacks());
    }

    [Fact]
    public void Family_physician_with_expired_NES_may_use_e_Onay() =>
        Assert.Equal(ApplicationRoute.DirectorateQueue, Submitted(Submit(FpExpired, EOnayOf(FpExpired))).Route);

    [Fact]
    public void Individual_is_not_on_the_directorate_queue_wet_waits_for_the_postal_form()
    {
        var e = Submitted(Submit(Individual, Wet, notAfter: Now.AddDays(-1)));
        Assert.Equal(ApplicationRoute.KamuSmPostal, e.Route);
        Assert.Null(e.FeeDue); // paid to Kamu SM, not to the directorate
        var state = Spec.State(e);
        Assert.Equal(ApplicationStatus.AwaitingPostalForm, state.Status);
        Assert.False(state.IsOnQueue());
    }

    [Fact]
    public void Individual_e_signed_is_at_Kamu_SM_waiting_for_the_price()
    {
        var state = Spec.State(Submitted(Submit(Individual, ESignedBy(Individual))));
        Assert.Equal(ApplicationStatus.AwaitingPrice, state.Status);
        Assert.False(state.IsOnQueue());
    }

    [Fact]
    public void Signature_that_did_not_pass_is_refused() =>
        Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(Signed(Doctor.Tckn, indication: Indication.Failed))), ErrorCodes.SignatureNotPassed);

    [Fact]
    public void Indeterminate_signature_is_refused() =>
        Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(Signed(Doctor.Tckn, indication: Indication.Indeterminate))), ErrorCodes.SignatureNotPassed);

    [Fact]
    public void Signature_by_someone_else_is_refused_with_masked_numbers()
    {
        var error = Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(Signed(Manager.Tckn))), ErrorCodes.SignerNotApplicant);
        Assert.DoesNotContain(Manager.Tckn.Value, error.Message);
        Assert.Contains(Manager.Tckn.Mask(), error.Message);
    }

    [Fact]
    public void Signature_with_an_expired_certificate_is_refused() =>
        Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(Signed(Doctor.Tckn, Now.AddDays(-1)))), ErrorCodes.SigningCertificateExpired);

    [Fact]
    public void Signature_the_engine_failed_only_because_the_certificate_expired_says_so()
    {
        var expired = Signed(Doctor.Tckn, Now.AddDays(-10), Indication.Failed) with { SubIndication = "EXPIRED" };
        Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(expired)), ErrorCodes.SigningCertificateExpired);
        // Any other failure of an expired certificate's signature is still a signature that did not verify.
        var tampered = expired with { SubIndication = "HASH_FAILURE" };
        Spec.Refused([], Submit(Doctor, new Confirmation.ESigned(tampered)), ErrorCodes.SignatureNotPassed);
    }

    [Fact]
    public void E_Onay_not_confirmed_is_refused() =>
        Spec.Refused([], Submit(Manager, new Confirmation.EOnay(new EOnayFacts(Indication.Failed, Manager.Tckn.Value, "X", Now))), ErrorCodes.EOnayNotConfirmed);

    [Fact]
    public void E_Onay_of_another_person_is_refused() =>
        Spec.Refused([], Submit(Manager, EOnayOf(Doctor)), ErrorCodes.EOnayNotApplicant);

    [Fact]
    public void Only_YENILEME_is_accepted() =>
        Spec.Refused([], Submit(Doctor, ESignedBy(Doctor)) with { Reason = ApplicationReason.IlkBasvuru }, ErrorCodes.ReasonNotRenewal);

    [Fact]
    public void Only_NES_is_accepted() =>
        Spec.Refused([], Submit(Doctor, ESignedBy(Doctor)) with { Kind = CertificateKind.MaliMuhur }, ErrorCodes.KindNotNes);

    [Fact]
    public void Only_a_three_year_term_is_accepted() =>
        Spec.Refused([], Submit(Doctor, ESignedBy(Doctor)) with { TermYears = 2 }, ErrorCodes.TermNotThreeYears);

    [Fact]
    public void A_delivery_address_is_required() =>
        Spec.Refused([], Submit(Doctor, ESignedBy(Doctor)) with { DeliveryAddress = " " }, ErrorCodes.MissingAddress);

    [Fact]
    public void Some_contact_is_required() =>
        Spec.Refused([], Submit(Doctor, ESignedBy(Doctor)) with { Contact = new Contact("", "") }, ErrorCodes.MissingContact);

    [Fact]
    public void Submitting_twice_is_refused()
    {
        var given = Spec.Accepted([], Submit(Doctor, ESignedBy(Doctor)));
        Spec.Refused(given, Submit(Doctor, ESignedBy(Doctor)), ErrorCodes.AlreadySubmitted);
    }

    [Fact]
    public void Two_approval_tenant_is_recorded_at_submission() =>
        Assert.Equal(2, Submitted(Submit(Doctor, ESignedBy(Doctor), Mersin(approvals: 2))).ApprovalsRequired);

    [Fact]
    public void Commands_on_an_unsubmitted_application_are_refused() =>
        Spec.Refused([], new SendToKamuSm(Now), ErrorCodes.NotSubmitted);
}
