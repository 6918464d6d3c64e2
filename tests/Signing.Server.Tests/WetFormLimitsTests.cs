using Grpc.Core;
using Npgsql;
using PdfSharp.Pdf.IO;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// A form is checked once, before anything is stored, with the limits the printed form needs: what the server accepts it
/// can print. And the printable form of a stored wet application can be fetched again, so a lost or failed download never
/// leaves anyone with an open renewal and no paper to sign.
/// </summary>
public sealed class WetFormLimitsTests(SigningServer server) : IClassFixture<SigningServer>
{
    private async Task<long> EventCountAsync()
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from signing.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task RefusedAndNothingStoredAsync(ApplicationForm form, string field)
    {
        var before = await EventCountAsync();
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => server.Applications().SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, server.SystemHeaders()),
            "INVALID_ARGUMENT", field);
        Assert.Contains(field, status.Message);
        Assert.Equal(before, await EventCountAsync());
        // Nothing was stored, so nothing blocks the same person's corrected form.
        await server.SubmitWetAsync(Scenario.SyntheticForm(form.Tckn, form.Tenant));
    }

    [Fact]
    public async Task A_90_character_name_is_refused_naming_the_field_and_stores_nothing()
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        form.GivenNames = string.Concat(Enumerable.Repeat("Abdurrahman ", 8))[..90];
        await RefusedAndNothingStoredAsync(form, "form.given_names");
    }

    [Fact]
    public async Task A_newline_in_the_address_is_refused_naming_the_field_and_stores_nothing()
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        form.DeliveryAddress = "Çamlıbel Mah. 1. Sok. No:1\nYenişehir/Mersin";
        await RefusedAndNothingStoredAsync(form, "form.delivery_address");
    }

    [Theory]
    [InlineData("surname", "Şahin\tOğlu")]
    [InlineData("institution", "Mersin \u0007Hastanesi")]
    [InlineData("email", "ismail\u200Bsahin@example.org")]
    [InlineData("surname", "Şahin 漢字")]
    public async Task A_character_the_form_cannot_print_is_refused_naming_the_field(string field, string value)
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        var descriptor = ApplicationForm.Descriptor.FindFieldByName(field);
        descriptor.Accessor.SetValue(form, value);
        await RefusedAndNothingStoredAsync(form, "form." + field);
    }

    [Fact]
    public async Task A_form_at_every_limit_is_stored_and_printed()
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        // The widest letters the font has, at the longest lengths accepted: the worst case the layout was measured for.
        form.GivenNames = new string('Ş', Signing.Forms.FormFields.GivenNames.MaxLength);
        form.Surname = new string('Ğ', Signing.Forms.FormFields.Surname.MaxLength);
        form.DeliveryAddress = new string('W', Signing.Forms.FormFields.DeliveryAddress.MaxLength);
        form.Institution = new string('M', Signing.Forms.FormFields.Institution.MaxLength);
        var response = await server.Applications().SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, server.SystemHeaders());

        Assert.Equal("AWAITING_PAPER", response.Application.Status);
        Assert.True(response.PrintableFormPdf.Length > 1000);
    }

    [Fact]
    public async Task The_printable_form_of_a_stored_wet_application_can_be_fetched_again_by_its_applicant_and_officers()
    {
        var applicant = await server.SignInAsync("manager");
        var form = Cards.Form("manager", "33", ApplicantCategory.Manager);
        var submitted = await server.Applications().SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, applicant);
        var id = submitted.Application.Id;

        void IsTheForm(GetPrintableFormResponse response)
        {
            Assert.Equal(submitted.Application.Code, response.ApplicationCode);
            using var document = PdfReader.Open(new MemoryStream(response.Pdf.ToByteArray()), PdfDocumentOpenMode.Import);
            Assert.Equal(2, document.PageCount);
            Assert.Equal(submitted.Application.Code, document.Info.Subject);
            Assert.Equal(submitted.Application.SubmittedAt.ToDateTime(), document.Info.CreationDate.ToUniversalTime(), TimeSpan.FromSeconds(1));
        }

        IsTheForm(await server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, applicant));
        var officer = await server.SignInAsync("officer-mersin-1");
        IsTheForm(await server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, officer));
        IsTheForm(await server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, server.SystemHeaders()));

        var other = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.NotFound, () => server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, other),
            "application.not_found");
        var adana = await server.SignInAsync("officer-adana");
        await Rpc.Refused(StatusCode.PermissionDenied, () => server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, adana));
        await Rpc.Refused(StatusCode.Unauthenticated, () => server.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }));
    }

    [Fact]
    public async Task A_stored_form_the_printer_cannot_take_is_a_precondition_to_submit_again_not_an_internal_error()
    {
        // Written straight to the store, as a submission accepted before the form's rules were checked would be.
        using var documents = Signing.Store.SigningStore.CreateDocumentStore(server.ConnectionString);
        var store = new Signing.Store.ApplicationStore(documents);
        var applicant = new Signing.Domain.Applicant(Signing.Domain.Tckn.Parse(Scenario.SyntheticTckn()),
            new Signing.Domain.PersonName(new string('A', 90), "Eski"), Signing.Domain.ApplicantCategory.Manager);
        var command = new Signing.Domain.SubmitRenewal(Guid.Empty, Guid.NewGuid().ToString("N"), Signing.Domain.TenantSettings.Mersin([]),
            applicant, new Signing.Domain.Contact("eski@example.invalid", ""), "Test Mah.\nMersin", Signing.Server.Mapping.VerdictFacts.NoCertificate,
            new Signing.Domain.Confirmation.Wet(), DateTimeOffset.UtcNow);
        var written = await store.SubmitAsync("33", command);
        Assert.True(written.Ok, written.Failure?.ToString());

        await Rpc.Refused(StatusCode.FailedPrecondition, () => server.Applications().GetPrintableFormAsync(
            new GetPrintableFormRequest { ApplicationId = written.Value!.ApplicationId.ToString() }, server.SystemHeaders()), "FORM_NOT_PRINTABLE");
    }

    [Fact]
    public async Task An_e_signed_application_has_no_printable_form()
    {
        var tenant = server.NewTenant();
        var manager = await server.SignInAsync("manager");
        var submitted = await server.Applications().SubmitESignedAsync(Cards.ESigned("manager", Cards.Form("manager", tenant, ApplicantCategory.Manager)), manager);

        await Rpc.Refused(StatusCode.FailedPrecondition, () => server.Applications().GetPrintableFormAsync(
            new GetPrintableFormRequest { ApplicationId = submitted.Application.Id }, manager), "NOT_WET_SIGNED");
        await Rpc.Refused(StatusCode.InvalidArgument, () => server.Applications().GetPrintableFormAsync(
            new GetPrintableFormRequest { ApplicationId = "not-an-id" }, manager), "INVALID_ARGUMENT", "application_id");
    }
}
