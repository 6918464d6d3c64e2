using Signing.Domain;
using static Signing.Domain.GuidanceAction;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>The guidance table against DOMAIN.md: category × certificate state → ordered steps ("~" = alternative to the step before).</summary>
public class GuidanceTests
{
    public static IEnumerable<object[]> Table() =>
    [
        [ApplicantCategory.Doctor, 45, "ApplyAtDirectoratePortal ESignForm ~UseEOnay ~PrintAndDeliverTwoCopies NoFee AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.Manager, 45, "ApplyAtDirectoratePortal ESignForm ~UseEOnay ~PrintAndDeliverTwoCopies NoFee AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.Doctor, -10, "ApplyAtDirectoratePortal UseEOnay ~PrintAndDeliverTwoCopies NoFee AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.FamilyPhysician, 45, "ApplyAtDirectoratePortal ESignForm PayFee SendReceiptByEmail AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.FamilyPhysician, -10, "ApplyAtDirectoratePortal PayFee PrintAndDeliverTwoCopies ~UseEOnay AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.Individual, 80, "ApplyAtIndividualPortal ESignForm ~UseEOnay PayKamuSmWhenPriceShown AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.Individual, -1, "ApplyAtIndividualPortal PrintAndPostToKamuSm PayKamuSmWhenPriceShown AwaitCourier CallKamuSmIfNotDelivered"],
        [ApplicantCategory.Doctor, 400, "WaitForWarning ApplyAtDirectoratePortal ESignForm ~UseEOnay ~PrintAndDeliverTwoCopies NoFee AwaitCourier CallKamuSmIfNotDelivered"],
    ];

    [Theory]
    [MemberData(nameof(Table))]
    public void Steps_for_category_and_certificate_state(ApplicantCategory category, int daysLeft, string expected)
    {
        var steps = Guidance.For(category, RenewalWindow.FromDaysLeft(daysLeft), daysLeft, Mersin());
        Assert.Equal(expected, string.Join(' ', steps.Select(s => (s.Alternative ? "~" : "") + s.Action)));
    }

    [Fact]
    public void Family_physician_pays_the_tenant_fee_to_the_tenant_account_with_the_exact_description()
    {
        var pay = Guidance.For(ApplicantCategory.FamilyPhysician, CertificateState.Expired, -10, Mersin(), FpExpired).Single(s => s.Action == PayFee);
        Assert.Equal(Money.Tl(780.00m), pay.Amount);
        Assert.Equal("TR41 0001 2009 5940 0005 0000 47", pay.Iban);
        Assert.Equal("HALK BANKASI", pay.Bank);
        Assert.Equal("MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", pay.Recipient);
        Assert.Equal("İSMAİL ŞAHİN 51287394672 NES 3 YILLIK BAŞVURUSU", pay.ReceiptDescription);
        Assert.Contains("780,00 TL", pay.Text);
        // Without a person the template of the directorate's page is quoted.
        var anonymous = Guidance.For(ApplicantCategory.FamilyPhysician, CertificateState.Expired, -10, Mersin()).Single(s => s.Action == PayFee);
        Assert.Equal("AD-SOYAD-TC / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU", anonymous.ReceiptDescription);
    }

    [Fact]
    public void Wet_paper_goes_to_the_tenant_desk_two_copies_with_the_receipt_for_family_physicians()
    {
        var step = Guidance.For(ApplicantCategory.FamilyPhysician, CertificateState.Expired, -10, Mersin()).Single(s => s.Action == PrintAndDeliverTwoCopies);
        Assert.Equal(Mersin().DeskAddress, step.Address);
        Assert.Contains("2 copies", step.Text);
        Assert.Contains("dekont", step.Text);
        var other = Guidance.For(ApplicantCategory.Doctor, CertificateState.Expired, -10, Adana).Single(s => s.Action == PrintAndDeliverTwoCopies);
        Assert.Equal(Adana.DeskAddress, other.Address);
    }

    [Fact]
    public void Expired_individual_posts_one_copy_to_Gebze_and_pays_only_after_the_price_shows()
    {
        var steps = Guidance.For(ApplicantCategory.Individual, CertificateState.Expired, -1, Mersin());
        Assert.Contains("41470 Gebze/KOCAELİ", steps.Single(s => s.Action == PrintAndPostToKamuSm).Address);
        Assert.Contains("keep one copy", steps.Single(s => s.Action == PrintAndPostToKamuSm).Text);
        Assert.Contains("5 minutes", steps.Single(s => s.Action == PayKamuSmWhenPriceShown).Text);
        Assert.DoesNotContain(steps, s => s.Action == PayFee);
    }

    [Fact]
    public void Everyone_is_told_about_the_courier_and_444_5_576()
    {
        foreach (var category in Enum.GetValues<ApplicantCategory>())
            Assert.Equal("444 5 576", Guidance.For(category, CertificateState.Expiring, 30, Mersin()).Last().Phone);
    }

    [Fact]
    public void Family_physician_with_valid_NES_e_mails_the_receipt_to_the_officer() =>
        Assert.Equal("hasanburak.akgul@saglik.gov.tr",
            Guidance.For(ApplicantCategory.FamilyPhysician, CertificateState.Expiring, 45, Mersin()).Single(s => s.Action == SendReceiptByEmail).Address);
}

public class NextStepTests
{
    [Fact]
    public void Where_is_my_application_says_who_acts_next()
    {
        Assert.Equal(Actor.Officer, ApplicationProgress.Next(Spec.State([.. Spec.Run(Submit(Doctor, ESignedBy(Doctor)))])).Who);
        Assert.Equal(Actor.Applicant, ApplicationProgress.Next(Spec.State([.. Spec.Run(Submit(Doctor, Wet))])).Who);
        var fp = ApplicationProgress.Next(Spec.State([.. Spec.Run(Submit(FpExpiring, ESignedBy(FpExpiring)))]));
        Assert.Equal(Actor.Applicant, fp.Who);
        Assert.Contains("NES 3 YILLIK BAŞVURUSU", fp.What);
        Assert.Equal(Actor.KamuSm, ApplicationProgress.Next(Spec.State([.. Spec.Run(Submit(Individual, ESignedBy(Individual)))])).Who);
    }
}
