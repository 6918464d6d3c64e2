using Signing.Domain;

namespace Signing.Forms.Tests;

/// <summary>What the printable form of a wet-signed submission holds, by category.</summary>
public class WetSubmissionFormTests
{
    private static readonly TenantSettings Mersin = TenantSettings.Mersin([Tckn.Parse("16384729550")]);
    private static readonly DateTimeOffset At = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);
    private static readonly Contact Contact = new("ismail.sahin@example.org", "+90 324 000 00 00");

    private static PrintableForm For(ApplicantCategory category) => WetSubmissionForm.For(
        Guid.Parse("0b7e9c1e-2f4d-4c51-9a3e-6d2b8f1a4c70"), Samples.Code, At, Mersin,
        new Applicant(Tckn.Parse(Samples.Tckn), PersonName.Parse("İsmail Şahin"), category), Contact,
        "Çamlıbel Mah. Gözne Cad. No: 12/3, Yenişehir / Mersin", "Yenişehir 5 No'lu Aile Sağlığı Merkezi");

    [Fact]
    public void A_family_physician_brings_it_to_the_directorate_desk_with_the_fee_to_pay()
    {
        var form = For(ApplicantCategory.FamilyPhysician);
        Assert.Equal(("Mersin İl Sağlık Müdürlüğü", Mersin.DeskAddress), (form.DirectorateName, form.DeskAddress));
        Assert.Equal(("Aile Hekimi", "YENİLEME", "NES", KamuSm.NesTermYears), (form.Category, form.Reason, form.CertificateKind, form.TermYears));
        Assert.Equal((Samples.Tckn, "İsmail", "Şahin"), (form.Tckn, form.GivenNames, form.Surname));
        Assert.Equal(At, form.SubmittedAt);
        var fee = Assert.IsType<FeeInstructions>(form.Fee);
        Assert.Equal(Mersin.FeeIban.Formatted, fee.Iban);
        Assert.Equal(ReceiptMatcher.DescriptionFor(PersonName.Parse("İsmail Şahin"), Tckn.Parse(Samples.Tckn)), fee.Description);
    }

    [Fact]
    public void An_individual_posts_it_to_Kamu_SM_and_pays_nothing_to_the_directorate()
    {
        var form = For(ApplicantCategory.Individual);
        Assert.Equal(WetSubmissionForm.KamuSmName, form.DirectorateName);
        Assert.StartsWith(KamuSm.PostalAddress, form.DeskAddress);
        Assert.Equal("Bireysel", form.Category);
        Assert.Null(form.Fee);
    }

    [Theory]
    [InlineData(ApplicantCategory.Doctor, "Doktor")]
    [InlineData(ApplicantCategory.Manager, "Yönetici")]
    public void A_doctor_or_manager_pays_no_fee(ApplicantCategory category, string printed)
    {
        var form = For(category);
        Assert.Equal(printed, form.Category);
        Assert.Null(form.Fee);
        Assert.Equal(Mersin.Name, form.DirectorateName);
    }

    [Fact]
    public void The_assembled_form_renders()
    {
        var pdf = PrintableFormRenderer.Render(For(ApplicantCategory.FamilyPhysician));
        Assert.True(pdf.Length > 1000);
        Assert.Equal("%PDF"u8.ToArray(), pdf[..4]);
    }
}
