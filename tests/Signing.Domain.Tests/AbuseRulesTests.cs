using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>Rules a caller could sidestep: an officer acting on their own renewal, an implausibly dated receipt.</summary>
public class OfficerOwnApplicationTests
{
    private static readonly List<IApplicationEvent> OfficerWet = Spec.Run(Submit(OfficerAsApplicant, Wet, Mersin()));

    [Fact]
    public void An_officer_cannot_register_the_paper_of_their_own_application()
    {
        var error = Spec.Refused(OfficerWet, new RegisterPaper(Mersin(), OfficerMersin1, 2, Now), ErrorCodes.SelfDecision);
        Assert.DoesNotContain(OfficerMersin1.Value, error.Message);
        // Another officer of the directorate can.
        Spec.Then(OfficerWet, new RegisterPaper(Mersin(), OfficerMersin2, 2, Now), new PaperRegistered(OfficerMersin2.Value, 2, Now));
    }

    [Fact]
    public void An_officer_can_neither_approve_nor_reject_their_own_application()
    {
        var queued = Spec.Run(Submit(OfficerAsApplicant, ESignedBy(OfficerAsApplicant), Mersin()));
        Spec.Refused(queued, new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now), ErrorCodes.SelfDecision);
        Spec.Refused(queued, new Reject(Mersin(), OfficerMersin1, "kendi", SignatureOf(OfficerMersin1), Now), ErrorCodes.SelfDecision);
        Assert.Equal(ErrorCodes.SelfDecision,
            ApplicationDecider.DecisionRefusal(Spec.State([.. queued]), Mersin(), OfficerMersin1, OfficerDecision.Reject)?.Code);
    }
}

public class ReceiptDateTests
{
    private static readonly List<IApplicationEvent> FpESigned = Spec.Run(Submit(FpExpiring, ESignedBy(FpExpiring)));

    // Now is 2024-03-12 09:00 in Turkey; the application was submitted then.
    [Theory]
    [InlineData("2024-03-13", ErrorCodes.ReceiptPaidInFuture)]
    [InlineData("2025-01-01", ErrorCodes.ReceiptPaidInFuture)]
    [InlineData("2023-09-13", ErrorCodes.ReceiptPaidTooEarly)] // 181 days before the submission day
    [InlineData("2021-03-12", ErrorCodes.ReceiptPaidTooEarly)]
    public void A_receipt_dated_in_the_future_or_long_before_the_application_is_refused(string paidOn, string code)
    {
        var receipt = GoodReceipt(FpExpiring) with { PaidOn = DateOnly.Parse(paidOn) };
        var error = Spec.Refused(FpESigned, new AttachReceipt(receipt, Now), code);
        Assert.Contains(paidOn, error.Message);
    }

    [Theory]
    [InlineData("2024-03-12")]
    [InlineData("2023-09-14")] // 180 days before: the bound itself
    public void A_receipt_dated_today_or_within_the_bound_is_accepted(string paidOn) =>
        Assert.Single(Spec.Accepted(FpESigned, new AttachReceipt(GoodReceipt(FpExpiring) with { PaidOn = DateOnly.Parse(paidOn) }, Now)));

    [Fact]
    public void Today_is_the_Turkish_calendar_day_not_the_UTC_one()
    {
        // 22:30 UTC on 12 March is 01:30 on 13 March in Turkey: a transfer made then is dated the 13th, and is not in the future.
        var lateEvening = new DateTimeOffset(2024, 3, 12, 22, 30, 0, TimeSpan.Zero);
        var receipt = GoodReceipt(FpExpiring) with { PaidOn = new DateOnly(2024, 3, 13) };
        Assert.Single(Spec.Accepted(FpESigned, new AttachReceipt(receipt, lateEvening)));
        Spec.Refused(FpESigned, new AttachReceipt(receipt with { PaidOn = new DateOnly(2024, 3, 14) }, lateEvening), ErrorCodes.ReceiptPaidInFuture);
    }
}

public class SingleUseTests
{
    [Fact]
    public void A_receipt_claims_its_file_and_its_transfer_the_transfer_normalised()
    {
        var receipt = GoodReceipt(FpExpiring);
        var keys = SingleUse.Of(receipt);
        Assert.Equal([SingleUseKind.ReceiptFile, SingleUseKind.ReceiptTransfer], keys.Select(k => k.Kind));
        Assert.Equal(receipt.FileSha256.ToLowerInvariant(), keys[0].Key);
        // The same transfer typed with other casing, spacing and punctuation, in another scan, is the same transfer.
        var retyped = receipt with { Description = "  gülşen   çelik-40618273540 / açıklama=nes 3 yıllık başvurusu ", FileSha256 = new string('e', 64) };
        Assert.Equal(keys[1], SingleUse.Of(retyped)[1]);
        Assert.NotEqual(keys[0], SingleUse.Of(retyped)[0]);
        // Another day is another transfer.
        Assert.NotEqual(keys[1], SingleUse.Of(receipt with { PaidOn = receipt.PaidOn.AddDays(-1) })[1]);
    }

    [Fact]
    public void An_e_signed_form_claims_its_signed_attributes_an_e_Onay_its_nonce_and_a_wet_form_nothing()
    {
        var signed = new Confirmation.ESigned(Signed(Doctor.Tckn) with { SignedAttributesSha256 = new string('A', 64) });
        Assert.Equal(new SingleUseKey(SingleUseKind.SignedAttributes, new string('a', 64)), SingleUse.Of(signed));
        var eonay = SingleUse.Of(EOnayOf(Doctor));
        Assert.Equal(SingleUseKind.EOnayNonce, eonay!.Kind);
        Assert.Equal(64, eonay.Key.Length);
        Assert.NotEqual(eonay, SingleUse.Of(new Confirmation.EOnay(new EOnayFacts(Indication.Passed, Doctor.Tckn.Value, "EONAY-2", Now))));
        Assert.Null(SingleUse.Of(Wet));
    }

    [Fact]
    public void A_submission_records_its_submitter_and_content_hash()
    {
        var command = Submit(Doctor, ESignedBy(Doctor)) with { Submitter = SubmitRenewal.ApplicantSubmitter(Doctor.Tckn.Value), ContentSha256 = "ab" };
        var submitted = Assert.IsType<RenewalSubmitted>(ApplicationDecider.Decide(command, ApplicationState.Initial).Events[0]);
        Assert.Equal("applicant:" + Doctor.Tckn.Value, submitted.Submitter);
        Assert.Equal("ab", submitted.ContentSha256);
    }
}
