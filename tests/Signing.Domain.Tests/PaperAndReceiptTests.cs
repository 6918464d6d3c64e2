using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

public class PaperTests
{
    private static readonly List<IApplicationEvent> WetDoctor = Spec.Run(Submit(Doctor, Wet));

    [Fact]
    public void Officer_registers_two_copies_and_the_item_is_on_the_queue()
    {
        Spec.Then(WetDoctor, new RegisterPaper(Mersin(), OfficerMersin1, 2, Now.AddHours(2)),
            new PaperRegistered(OfficerMersin1.Value, 2, Now.AddHours(2)));
        var state = Spec.State([.. WetDoctor, new PaperRegistered(OfficerMersin1.Value, 2, Now)]);
        Assert.Equal(ApplicationStatus.AwaitingApproval, state.Status);
        Assert.Empty(state.Lacks());
    }

    [Fact]
    public void One_copy_is_not_enough() =>
        Spec.Refused(WetDoctor, new RegisterPaper(Mersin(), OfficerMersin1, 1, Now), ErrorCodes.WrongCopyCount);

    [Fact]
    public void Paper_is_registered_only_by_an_officer_of_the_same_tenant()
    {
        Spec.Refused(WetDoctor, new RegisterPaper(Adana, OfficerAdana, 2, Now), ErrorCodes.WrongTenant);
        Spec.Refused(WetDoctor, new RegisterPaper(Mersin(), Manager.Tckn, 2, Now), ErrorCodes.NotAnOfficer);
    }

    [Fact]
    public void An_e_signed_application_does_not_wait_for_paper() =>
        Spec.Refused(Spec.Run(Submit(Doctor, ESignedBy(Doctor))), new RegisterPaper(Mersin(), OfficerMersin1, 2, Now), ErrorCodes.NotAwaitingPaper);

    [Fact]
    public void A_wet_application_is_not_approvable_before_the_paper_arrives()
    {
        var error = Spec.Refused(WetDoctor, new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now), ErrorCodes.NotOnQueue);
        Assert.Contains("paper", error.Message);
    }
}

public class ReceiptTests
{
    private static readonly List<IApplicationEvent> FpESigned = Spec.Run(Submit(FpExpiring, ESignedBy(FpExpiring)));

    [Fact]
    public void A_matching_receipt_is_attached_and_its_file_hash_kept()
    {
        var receipt = GoodReceipt(FpExpiring);
        Spec.Then(FpESigned, new AttachReceipt(receipt, Now),
            new ReceiptAttached(780.00m, "TR410001200959400005000047", receipt.PaidOn, receipt.Description, FileSha, Now));
        var state = Spec.State([.. FpESigned, .. Spec.Accepted(FpESigned, new AttachReceipt(receipt, Now))]);
        Assert.Equal(FileSha, state.ReceiptFileSha256);
        Assert.Empty(state.Lacks());
        Assert.True(state.IsApprovable());
    }

    [Fact]
    public void A_mismatching_receipt_is_refused_naming_the_part()
    {
        var error = Spec.Refused(FpESigned, new AttachReceipt(GoodReceipt(FpExpiring) with { Amount = Money.Tl(750m) }, Now), ErrorCodes.ReceiptAmount);
        Assert.Contains("amount", error.Message);
        error = Spec.Refused(FpESigned, new AttachReceipt(GoodReceipt(FpExpiring) with { Description = "GÜLŞEN ÇELİK 40618273540" }, Now), ErrorCodes.ReceiptPhrase);
        Assert.Contains("NES 3 YILLIK BAŞVURUSU", error.Message);
    }

    [Fact]
    public void Someone_elses_receipt_is_refused() =>
        Spec.Refused(FpESigned, new AttachReceipt(GoodReceipt(FpExpired), Now), ErrorCodes.ReceiptGivenName);

    [Fact]
    public void Managers_and_doctors_need_no_receipt() =>
        Spec.Refused(Spec.Run(Submit(Doctor, ESignedBy(Doctor))), new AttachReceipt(GoodReceipt(Doctor), Now), ErrorCodes.ReceiptNotRequired);

    [Fact]
    public void Wet_family_physician_hands_the_receipt_in_before_the_paper_is_registered()
    {
        var given = Spec.Run(Submit(FpExpired, Wet));
        var events = Spec.Accepted(given, new AttachReceipt(GoodReceipt(FpExpired), Now));
        Assert.Equal([Lack.Paper], Spec.State([.. given, .. events]).Lacks());
    }

    [Fact]
    public void Family_physician_is_not_approvable_until_a_matching_receipt_is_attached()
    {
        var error = Spec.Refused(FpESigned, new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now), ErrorCodes.NotApprovable);
        Assert.Contains("receipt", error.Message);
    }

    [Fact]
    public void No_receipt_after_the_decision()
    {
        var given = Spec.Run(Submit(FpExpiring, ESignedBy(FpExpiring)), new AttachReceipt(GoodReceipt(FpExpiring), Now),
            new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now));
        Spec.Refused(given, new AttachReceipt(GoodReceipt(FpExpiring), Now), ErrorCodes.ReceiptNotAccepted);
    }
}
