using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>The officer's approve/reject: who may decide, on what, and how two approvals work.</summary>
public class DecisionTests
{
    private static List<IApplicationEvent> OnQueue(int approvals = 1, Applicant? a = null) =>
        Spec.Run(Submit(a ?? Doctor, ESignedBy(a ?? Doctor), Mersin(approvals)));

    private static Approve ApproveBy(Tckn officer, TenantSettings? t = null) => new(t ?? Mersin(), officer, SignatureOf(officer), Now.AddHours(1));
    private static Reject RejectBy(Tckn officer, string reason = "Adres eksik") => new(Mersin(), officer, reason, SignatureOf(officer), Now.AddHours(1));

    [Fact]
    public void One_approval_approves_and_carries_the_officer_signature()
    {
        var events = Spec.Accepted(OnQueue(), ApproveBy(OfficerMersin1));
        var given = Assert.IsType<ApprovalGiven>(events[0]);
        Assert.Equal(OfficerMersin1.Value, given.OfficerTckn);
        Assert.Equal(new byte[] { 1, 2, 3 }, given.Signature);
        Assert.Equal([OfficerMersin1.Value], Assert.IsType<ApplicationApproved>(events[1]).Officers);
        Assert.Equal(ApplicationStatus.Approved, Spec.State([.. OnQueue(), .. events]).Status);
    }

    [Fact]
    public void Two_approvals_required_first_leaves_it_on_the_queue_lacking_a_second()
    {
        var given = OnQueue(approvals: 2);
        var first = Spec.Accepted(given, ApproveBy(OfficerMersin1));
        Assert.IsType<ApprovalGiven>(Assert.Single(first));
        var state = Spec.State([.. given, .. first]);
        Assert.Equal(ApplicationStatus.AwaitingApproval, state.Status);
        Assert.Equal([Lack.SecondApproval], state.Lacks());

        var second = Spec.Accepted([.. given, .. first], ApproveBy(OfficerMersin2));
        Assert.Equal([OfficerMersin1.Value, OfficerMersin2.Value], Assert.IsType<ApplicationApproved>(second[1]).Officers);
    }

    [Fact]
    public void The_second_approval_must_come_from_a_different_officer()
    {
        var given = Spec.Run(Submit(Doctor, ESignedBy(Doctor), Mersin(2)), ApproveBy(OfficerMersin1));
        Spec.Refused(given, ApproveBy(OfficerMersin1), ErrorCodes.SameOfficerTwice);
    }

    [Fact]
    public void Any_rejection_rejects_even_after_a_first_approval()
    {
        var given = Spec.Run(Submit(Doctor, ESignedBy(Doctor), Mersin(2)), ApproveBy(OfficerMersin1));
        var events = Spec.Accepted(given, RejectBy(OfficerMersin2, "Form eksik"));
        var state = Spec.State([.. given, .. events]);
        Assert.Equal(ApplicationStatus.Rejected, state.Status);
        Assert.Equal("Form eksik", state.DecisionReason);
        Assert.False(state.IsOpen());
    }

    [Fact]
    public void Rejection_needs_a_reason() => Spec.Refused(OnQueue(), RejectBy(OfficerMersin1, " "), ErrorCodes.RejectionReasonRequired);

    [Fact]
    public void An_officer_never_decides_on_their_own_application()
    {
        var given = OnQueue(a: OfficerAsApplicant);
        Spec.Refused(given, ApproveBy(OfficerMersin1), ErrorCodes.SelfDecision);
        Spec.Refused(given, RejectBy(OfficerMersin1), ErrorCodes.SelfDecision);
        Assert.True(Spec.Accepted(given, ApproveBy(OfficerMersin2)).Count > 0);
    }

    [Fact]
    public void The_refusal_asked_before_signing_names_each_rule_Decide_applies_and_nothing_about_the_signature()
    {
        var state = Spec.State([.. OnQueue(approvals: 2)]);
        Assert.Null(ApplicationDecider.DecisionRefusal(state, Mersin(2), OfficerMersin1, OfficerDecision.Approve));
        Assert.Null(ApplicationDecider.DecisionRefusal(state, Mersin(2), OfficerMersin1, OfficerDecision.Reject));
        Assert.Equal(ErrorCodes.NotAnOfficer, ApplicationDecider.DecisionRefusal(state, Mersin(2), Manager.Tckn, OfficerDecision.Approve)?.Code);
        Assert.Equal(ErrorCodes.WrongTenant, ApplicationDecider.DecisionRefusal(state, Adana, OfficerAdana, OfficerDecision.Reject)?.Code);
        Assert.Equal(ErrorCodes.SelfDecision,
            ApplicationDecider.DecisionRefusal(Spec.State([.. OnQueue(a: OfficerAsApplicant)]), Mersin(), OfficerMersin1, OfficerDecision.Reject)?.Code);
        Assert.Equal(ErrorCodes.NotSubmitted, ApplicationDecider.DecisionRefusal(ApplicationState.Initial, Mersin(), OfficerMersin1, OfficerDecision.Approve)?.Code);

        // After a first approval: the same officer may not approve again, but may still reject.
        var afterFirst = Spec.State([.. Spec.Run(Submit(Doctor, ESignedBy(Doctor), Mersin(2)), ApproveBy(OfficerMersin1))]);
        Assert.Equal(ErrorCodes.SameOfficerTwice, ApplicationDecider.DecisionRefusal(afterFirst, Mersin(2), OfficerMersin1, OfficerDecision.Approve)?.Code);
        Assert.Null(ApplicationDecider.DecisionRefusal(afterFirst, Mersin(2), OfficerMersin1, OfficerDecision.Reject));
        Assert.Null(ApplicationDecider.DecisionRefusal(afterFirst, Mersin(2), OfficerMersin2, OfficerDecision.Approve));

        // Decided: off the queue for everyone.
        var approved = Spec.State([.. Spec.Run(Submit(Doctor, ESignedBy(Doctor), Mersin(1)), ApproveBy(OfficerMersin1))]);
        Assert.Equal(ErrorCodes.NotOnQueue, ApplicationDecider.DecisionRefusal(approved, Mersin(1), OfficerMersin2, OfficerDecision.Reject)?.Code);
    }

    [Fact]
    public void The_rules_come_before_the_signature_a_refused_decision_is_refused_for_the_rule()
    {
        var given = Spec.Run(Submit(Doctor, ESignedBy(Doctor), Mersin(2)), ApproveBy(OfficerMersin1));
        var unsigned = new Approve(Mersin(2), OfficerMersin1, SignatureOf(OfficerMersin2), Now.AddHours(1)); // someone else's card
        Spec.Refused(given, unsigned, ErrorCodes.SameOfficerTwice);
        Spec.Refused(given, new Approve(Mersin(2), OfficerMersin2, SignatureOf(OfficerMersin1), Now.AddHours(1)), ErrorCodes.OfficerSignatureInvalid);
    }

    [Fact]
    public void An_officer_of_another_tenant_cannot_decide()
    {
        Spec.Refused(OnQueue(), ApproveBy(OfficerAdana, Adana), ErrorCodes.WrongTenant);
        Spec.Refused(OnQueue(), ApproveBy(OfficerAdana), ErrorCodes.NotAnOfficer); // claims Mersin, but is not on its list
    }

    [Fact]
    public void A_non_officer_cannot_decide() => Spec.Refused(OnQueue(), ApproveBy(Manager.Tckn), ErrorCodes.NotAnOfficer);

    [Fact]
    public void The_decision_must_carry_the_officers_own_passing_signature()
    {
        Spec.Refused(OnQueue(), new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin2), Now), ErrorCodes.OfficerSignatureInvalid);
        Spec.Refused(OnQueue(), new Approve(Mersin(), OfficerMersin1,
            new OfficerSignature([1], Signed(OfficerMersin1, indication: Indication.Failed)), Now), ErrorCodes.OfficerSignatureInvalid);
        Spec.Refused(OnQueue(), new Approve(Mersin(), OfficerMersin1, new OfficerSignature([], Signed(OfficerMersin1)), Now), ErrorCodes.OfficerSignatureInvalid);
    }

    [Fact]
    public void Only_an_item_on_the_queue_can_be_decided()
    {
        var approved = Spec.Run(Submit(Doctor, ESignedBy(Doctor)), ApproveBy(OfficerMersin1));
        Spec.Refused(approved, ApproveBy(OfficerMersin2), ErrorCodes.NotOnQueue);
        Spec.Refused(approved, RejectBy(OfficerMersin2), ErrorCodes.NotOnQueue);
        var individual = Spec.Run(Submit(Individual, ESignedBy(Individual)));
        Spec.Refused(individual, ApproveBy(OfficerMersin1), ErrorCodes.NotOnQueue);
    }

    [Fact]
    public void A_wet_application_can_be_approved_once_the_paper_is_registered()
    {
        var given = Spec.Run(Submit(Doctor, Wet), new RegisterPaper(Mersin(), OfficerMersin2, 2, Now));
        Assert.IsType<ApplicationApproved>(Spec.Accepted(given, ApproveBy(OfficerMersin1))[1]);
    }
}

public class WithdrawalTests
{
    [Fact]
    public void The_applicant_withdraws_before_a_decision()
    {
        var given = Spec.Run(Submit(Doctor, ESignedBy(Doctor)));
        Spec.Then(given, new Withdraw(Doctor.Tckn, "Kurum değişikliği", Now), new ApplicationWithdrawn("Kurum değişikliği", Now));
        Assert.Equal(ApplicationStatus.Withdrawn, Spec.State([.. given, new ApplicationWithdrawn("", Now)]).Status);
    }

    [Fact]
    public void Withdrawal_while_waiting_for_paper_and_on_the_Kamu_SM_path_before_payment()
    {
        Assert.Single(Spec.Accepted(Spec.Run(Submit(Doctor, Wet)), new Withdraw(Doctor.Tckn, "", Now)));
        Assert.Single(Spec.Accepted(Spec.Run(Submit(Individual, Wet, notAfter: Now.AddDays(-1))), new Withdraw(Individual.Tckn, "", Now)));
    }

    [Fact]
    public void Only_the_applicant_withdraws() =>
        Spec.Refused(Spec.Run(Submit(Doctor, ESignedBy(Doctor))), new Withdraw(Manager.Tckn, "", Now), ErrorCodes.NotTheApplicant);

    [Fact]
    public void No_withdrawal_after_the_decision()
    {
        var approved = Spec.Run(Submit(Doctor, ESignedBy(Doctor)), new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now));
        Spec.Refused(approved, new Withdraw(Doctor.Tckn, "", Now), ErrorCodes.NotWithdrawable);
        var rejected = Spec.Run(Submit(Doctor, ESignedBy(Doctor)), new Reject(Mersin(), OfficerMersin1, "x", SignatureOf(OfficerMersin1), Now));
        Spec.Refused(rejected, new Withdraw(Doctor.Tckn, "", Now), ErrorCodes.NotWithdrawable);
    }
}
