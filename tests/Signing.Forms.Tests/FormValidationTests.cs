namespace Signing.Forms.Tests;

public class FormValidationTests
{
    public static TheoryData<string, Func<PrintableForm, PrintableForm>> InvalidForms => new()
    {
        { "ApplicationCode", f => f with { ApplicationCode = "" } },
        { "ApplicationCode", f => f with { ApplicationCode = "   " } },
        { "ApplicationCode", f => f with { ApplicationCode = "K7Q-4M2-X9P-K7Q-4M2-X9P" } },
        { "ApplicationCode", f => f with { ApplicationCode = "K7Q-Ç" } },
        { "Tckn", f => f with { Tckn = "5128739467" } },
        { "Tckn", f => f with { Tckn = "512873946721" } },
        { "Tckn", f => f with { Tckn = "5128739467a" } },
        { "Tckn", f => f with { Tckn = "" } },
        { "Tckn", f => f with { Tckn = "51287394671" } },
        { "ApplicationId", f => f with { ApplicationId = Guid.Empty } },
        { "Surname", f => f with { Surname = " " } },
        { "GivenNames", f => f with { GivenNames = null! } },
        { "DeskAddress", f => f with { DeskAddress = "" } },
        { "TermYears", f => f with { TermYears = 0 } },
        { "Email", f => f with { Email = "a\nb@example.org" } },
        { "Fee.Iban", f => f with { Fee = f.Fee! with { Iban = "TR420001200959400005000047" } } },
        { "Fee.Iban", f => f with { Fee = f.Fee! with { Iban = "" } } },
        { "Fee.Description", f => f with { Fee = f.Fee! with { Description = "" } } },
    };

    [Theory]
    [MemberData(nameof(InvalidForms))]
    public void Invalid_field_is_named(string field, Func<PrintableForm, PrintableForm> spoil)
    {
        var form = spoil(Samples.FamilyPhysician());

        var error = Assert.ThrowsAny<ArgumentException>(() => PrintableFormRenderer.Render(form));

        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Tckn_error_does_not_echo_the_number()
    {
        var form = Samples.FamilyPhysician() with { Tckn = "51287394671" };

        var error = Assert.Throws<ArgumentException>(() => PrintableFormRenderer.Render(form));

        Assert.DoesNotContain("51287394671", error.Message);
    }

    [Fact]
    public void Iban_with_spaces_and_lower_case_is_accepted()
    {
        var form = Samples.FamilyPhysician() with { Fee = Samples.FamilyPhysician().Fee! with { Iban = "tr41 0001 2009 5940 0005 0000 47" } };

        var text = PdfText.PagesOf(PrintableFormRenderer.Render(form))[0];

        Assert.Contains("TR41 0001 2009 5940 0005 0000 47", text);
    }

    [Fact]
    public void Null_form_is_rejected()
    {
        var error = Assert.Throws<ArgumentNullException>(() => PrintableFormRenderer.Render(null!));

        Assert.Equal("form", error.ParamName);
    }
}
