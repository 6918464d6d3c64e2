using System.Text;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Signing.Bench.Shared;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Money = Signing.Contracts.V1.Money;

namespace Signing.Server.Tests;

/// <summary>
/// ApplicationService: the three ways to confirm a form, the signed receipt, retries, every refusal with its field or
/// reason, the fee receipt, withdrawal, reading and listing. Each test that writes uses its own scratch directorate
/// (one open renewal per TCKN per directorate).
/// </summary>
public sealed class ApplicationServiceTests(SigningServer server) : IClassFixture<SigningServer>
{
    /// <summary>NewTenant takes the fixture's scratch tenants from the first; refusals (which never write) use the last.</summary>
    private static readonly string RefusalTenant = SigningServer.ScratchCodes[^1];
    private static readonly string Yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private readonly ApplicationService.ApplicationServiceClient _client = server.Applications();

    // ---- e-signed ----

    [Fact]
    public async Task Attached_e_signed_form_goes_straight_to_the_queue_with_a_receipt_signed_by_the_directorate()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var form = Cards.Form("doctor", tenant, ApplicantCategory.Doctor);
        var response = await _client.SubmitESignedAsync(Cards.ESigned("doctor", form), doctor);

        var app = response.Application;
        Assert.Equal("AWAITING_APPROVAL", app.Status);
        Assert.Equal(ConfirmationMethod.ESignature, app.Method);
        Assert.Equal(tenant, app.Tenant);
        Assert.Equal("123********", app.TcknMasked);
        Assert.Empty(app.Lacks); // a doctor's institution pays: nothing to wait for but the officer
        Assert.False(response.Replayed);
        var receipt = Scenario.VerifyReceipt(response.Receipt, app.Id, Scenario.Sha256Hex(Cards.Json(form)));
        Assert.Equal(app.Code, receipt.GetProperty("applicationCode").GetString());
        Assert.Equal("TotalPassed", receipt.GetProperty("verdict").GetProperty("indication").GetString());
        Assert.DoesNotContain(Cards.Tckn("doctor"), response.Receipt.DocumentJson.ToStringUtf8());
    }

    [Fact]
    public async Task Detached_e_signed_form_with_form_json_is_accepted_the_same_way()
    {
        var tenant = server.NewTenant();
        var manager = await server.SignInAsync("manager");
        var form = Cards.Form("manager", tenant, ApplicantCategory.Manager);
        var json = Cards.Json(form);
        var response = await _client.SubmitESignedAsync(new SubmitESignedRequest
        {
            Cms = ByteString.CopyFrom(Cards.Sign("manager", json, detached: true)),
            FormJson = ByteString.CopyFrom(json),
            Form = form, // the optional fields agree with the signed JSON
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, manager);
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);
        Assert.Equal(ApplicantCategory.Manager, response.Application.Category);
        Scenario.VerifyReceipt(response.Receipt, response.Application.Id, Scenario.Sha256Hex(json));
    }

    [Fact]
    public async Task A_retry_with_the_same_client_request_id_returns_the_same_application_marked_replayed()
    {
        var tenant = server.NewTenant();
        var headers = await server.SignInAsync("doctor-ecdsa");
        var request = Cards.ESigned("doctor-ecdsa", Cards.Form("doctor-ecdsa", tenant, ApplicantCategory.Doctor));
        var first = await _client.SubmitESignedAsync(request, headers);
        var second = await _client.SubmitESignedAsync(request, headers);

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Application.Id, second.Application.Id);
        Assert.Equal(first.Application.Code, second.Application.Code);
        Assert.Equal(first.Application.Version, second.Application.Version); // nothing was written the second time
        var formSha = Scenario.Sha256Hex(Cards.Json(Cards.Form("doctor-ecdsa", tenant, ApplicantCategory.Doctor)));
        Assert.True(Scenario.VerifyReceipt(second.Receipt, first.Application.Id, formSha).GetProperty("replayed").GetBoolean());
        var mine = await _client.ListMineAsync(new ListMineRequest { Page = new PageRequest { PageSize = 200 } }, headers);
        Assert.Single(mine.Applications, a => a.Tenant == tenant);
    }

    [Fact]
    public async Task A_request_form_that_differs_from_the_signed_one_is_refused_naming_form()
    {
        var doctor = await server.SignInAsync("doctor");
        var request = Cards.ESigned("doctor", Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor));
        request.Form = Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor);
        request.Form.DeliveryAddress = "Başka bir adres, Tarsus/Mersin";
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(request, doctor), "INVALID_ARGUMENT", "form");
    }

    [Fact]
    public async Task Garbage_CMS_is_CMS_UNREADABLE_naming_cms()
    {
        var doctor = await server.SignInAsync("doctor");
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFromUtf8("this is not DER at all"), ClientRequestId = "garbage-1" };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(request, doctor), "CMS_UNREADABLE", "cms");
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task A_detached_CMS_without_form_json_is_refused_naming_cms()
    {
        var doctor = await server.SignInAsync("doctor");
        var json = Cards.Json(Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor));
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFrom(Cards.Sign("doctor", json, detached: true)), ClientRequestId = "detached-1" };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(request, doctor), field: "cms");
    }

    [Fact]
    public async Task Signed_content_that_is_not_a_form_is_refused_naming_cms()
    {
        var doctor = await server.SignInAsync("doctor");
        var request = new SubmitESignedRequest
        {
            Cms = ByteString.CopyFrom(Cards.Sign("doctor", Encoding.UTF8.GetBytes("{\"hello\":\"world\"}"))),
            ClientRequestId = "not-a-form-1",
        };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(request, doctor), "INVALID_ARGUMENT", "cms");
    }

    [Fact]
    public async Task A_form_signed_by_someone_else_is_refused_signer_not_applicant()
    {
        // The portal (system key) may submit for anyone: the signature must then prove who.
        var form = Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor);
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFrom(Cards.Sign("doctor-ecdsa", Cards.Json(form))), ClientRequestId = "other-signer-1" };
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitESignedAsync(request, server.SystemHeaders()),
            "confirmation.signer_not_applicant");
    }

    [Fact]
    public async Task A_form_signed_with_a_revoked_NES_is_refused_signature_not_passed()
    {
        var request = Cards.ESigned("doctor-revoked", Cards.Form("doctor-revoked", RefusalTenant, ApplicantCategory.Doctor));
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitESignedAsync(request, server.SystemHeaders()),
            "confirmation.signature_not_passed");
    }

    [Fact]
    public async Task A_form_e_signed_with_an_expired_NES_is_refused_saying_the_certificate_expired()
    {
        // The applicant is told what to do instead (e-Onay or a wet-signed form), not just that "the signature failed".
        var fp = await server.SignInAsync("fp-expired");
        var request = Cards.ESigned("fp-expired", Cards.Form("fp-expired", RefusalTenant, ApplicantCategory.FamilyPhysician));
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitESignedAsync(request, fp), "confirmation.certificate_expired");
    }

    [Fact]
    public async Task Refusals_are_logged_as_one_line_without_a_stack_trace_or_a_full_TCKN()
    {
        var before = server.Logs.Entries.Count;
        var manager = await server.SignInAsync("manager");
        var doctorsForm = Cards.ESigned("doctor", Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor));
        await Rpc.Refused(StatusCode.PermissionDenied, () => _client.SubmitESignedAsync(doctorsForm, manager), "FORM_NOT_YOURS");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(
            new SubmitESignedRequest { Cms = ByteString.CopyFrom(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 }), ClientRequestId = "log-1" }, manager), "CMS_UNREADABLE");
        await Rpc.Refused(StatusCode.Unauthenticated, () => _client.GetAsync(new GetApplicationRequest { ApplicationId = Guid.NewGuid().ToString() }), "NOT_SIGNED_IN");
        await Rpc.Refused(StatusCode.NotFound, () => _client.GetAsync(new GetApplicationRequest { ApplicationId = Guid.NewGuid().ToString() }, manager));

        var written = server.Logs.Entries.Skip(before).ToList();
        Assert.True(written.Count(e => e.Message.Contains("refused")) >= 4, string.Join("\n", written.Select(e => e.Message)));
        Assert.All(written, e => Assert.Null(e.Exception));
        Assert.All(written, e => Assert.True(e.Level < Microsoft.Extensions.Logging.LogLevel.Error, e.Message));
        Assert.All(written, e => Assert.DoesNotContain(Cards.Tckn("doctor"), e.Message));
        Assert.All(written, e => Assert.DoesNotContain(Cards.Tckn("manager"), e.Message));
    }

    [Fact]
    public async Task Missing_cms_and_client_request_id_are_both_named()
    {
        var doctor = await server.SignInAsync("doctor");
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(new SubmitESignedRequest(), doctor), "INVALID_ARGUMENT", "cms");
        Assert.Contains(status.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "client_request_id");
    }

    public static TheoryData<string, string, string> BadForms => new()
    {
        // mutation, expected field, expected ErrorInfo reason
        { "tckn", "form.tckn", "INVALID_ARGUMENT" },
        { "tenant", "form.tenant", "INVALID_ARGUMENT" },
        { "reason-unknown", "form.reason", "INVALID_ARGUMENT" },
        { "reason-ilk", "form.reason", "submit.reason_not_renewal" },
        { "kind", "form.certificate_kind", "submit.kind_not_nes" },
        { "term", "form.term_years", "submit.term_not_three_years" },
        { "contact", "form.email", "submit.missing_contact" },
        { "address", "form.delivery_address", "submit.missing_address" },
        { "category", "form.category", "INVALID_ARGUMENT" },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task A_signed_form_with_a_bad_field_is_refused_naming_that_form_field(string mutation, string field, string reason)
    {
        var form = Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor);
        switch (mutation)
        {
            case "tckn": form.Tckn = "12345678901"; break; // bad checksum
            case "tenant": form.Tenant = "99"; break;
            case "reason-unknown": form.Reason = "YENİ KART"; break;
            case "reason-ilk": form.Reason = "İLK BAŞVURU"; break; // a real reason, but not this product's flow
            case "kind": form.CertificateKind = "MALİ MÜHÜR"; break;
            case "term": form.TermYears = 2; break;
            case "contact": form.Email = ""; form.Phone = ""; break;
            case "address": form.DeliveryAddress = " "; break;
            case "category": form.Category = ApplicantCategory.Unspecified; break;
        }
        var doctor = await server.SignInAsync("doctor");
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(Cards.ESigned("doctor", form), doctor), reason, field);
        Assert.Equal(field, Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task Several_bad_form_fields_are_all_named_at_once()
    {
        var form = Cards.Form("doctor", "99", ApplicantCategory.Unspecified);
        form.Surname = "";
        form.Email = "not-an-address";
        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => _client.SubmitESignedAsync(Cards.ESigned("doctor", form), server.SystemHeaders()), "INVALID_ARGUMENT");
        var fields = status.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "form.tenant", "form.category", "form.surname", "form.email" }, fields);
    }

    [Fact]
    public async Task A_second_open_renewal_in_the_same_directorate_is_ALREADY_EXISTS_naming_the_first()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var first = await _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor);
        var status = await Rpc.Refused(StatusCode.AlreadyExists,
            () => _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor),
            "application.open_renewal_exists");
        Assert.Equal(first.Application.Id, status.GetDetail<ErrorInfo>()!.Metadata["existing_application_id"]);
    }

    [Fact]
    public async Task An_applicant_cannot_submit_someone_elses_signed_form()
    {
        var manager = await server.SignInAsync("manager");
        var request = Cards.ESigned("doctor", Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor));
        await Rpc.Refused(StatusCode.PermissionDenied, () => _client.SubmitESignedAsync(request, manager), "FORM_NOT_YOURS");
    }

    [Fact]
    public async Task Individual_e_signed_is_routed_to_Kamu_SM_awaiting_the_price_not_to_the_directorate_queue()
    {
        var tenant = server.NewTenant();
        var individual = await server.SignInAsync("individual");
        var response = await _client.SubmitESignedAsync(Cards.ESigned("individual", Cards.Form("individual", tenant, ApplicantCategory.Individual)), individual);
        Assert.Equal("AWAITING_PRICE", response.Application.Status); // ApplicationRoute.KamuSmOnline
        Assert.Empty(response.Application.Lacks);
        Assert.StartsWith("KAMU_SM:", response.Application.NextStep.Code);
    }

    // ---- e-Onay ----

    [Fact]
    public async Task E_Onay_confirmation_puts_the_form_on_the_queue()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var json = Cards.Json(Cards.Form("doctor", tenant, ApplicantCategory.Doctor));
        var response = await _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, doctor);
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);
        Assert.Equal(ConfirmationMethod.EOnay, response.Application.Method);
        Scenario.VerifyReceipt(response.Receipt, response.Application.Id, Scenario.Sha256Hex(json));
    }

    [Fact]
    public async Task E_Onay_of_another_person_or_for_another_form_is_refused_as_a_failed_confirmation()
    {
        var doctor = await server.SignInAsync("doctor");
        var json = Cards.Json(Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor));
        var otherJson = Cards.Json(Cards.Form("doctor", RefusalTenant, ApplicantCategory.Manager));
        foreach (var confirmation in new[]
                 {
                     Scenario.EOnay(Cards.Tckn("manager"), Scenario.Sha256Hex(json)),
                     Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(otherJson)),
                 })
        {
            var status = await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
            {
                FormJson = ByteString.CopyFrom(json),
                EOnayConfirmation = ByteString.CopyFrom(confirmation),
                ClientRequestId = Guid.NewGuid().ToString("N"),
            }, doctor));
            Assert.StartsWith("confirmation.eonay_", status.GetDetail<ErrorInfo>()!.Reason);
        }
    }

    [Fact]
    public async Task Family_physician_with_an_expired_NES_may_use_e_Onay_and_then_owes_the_receipt()
    {
        var tenant = server.NewTenant();
        var fp = await server.SignInAsync("fp-expired");
        var json = Cards.Json(Cards.Form("fp-expired", tenant, ApplicantCategory.FamilyPhysician));
        var response = await _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(Cards.Tckn("fp-expired"), Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("fp-expired")),
        }, fp);
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);
        Assert.Equal(new[] { "RECEIPT" }, response.Application.Lacks);
        Assert.Equal(Cards.Manifest.Persona("fp-expired").NotAfter.ToUnixTimeSeconds(), response.Application.CertificateNotAfter.Seconds);
    }

    [Fact]
    public async Task Family_physician_with_a_valid_NES_may_not_use_e_Onay_either()
    {
        var fp = await server.SignInAsync("fp-expiring");
        var json = Cards.Json(Cards.Form("fp-expiring", RefusalTenant, ApplicantCategory.FamilyPhysician));
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(Cards.Tckn("fp-expiring"), Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("fp-expiring")),
        }, fp), "confirmation.family_physician_must_esign");
    }

    [Fact]
    public async Task E_Onay_garbage_is_refused_naming_e_onay_confirmation()
    {
        var doctor = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(Cards.Json(Cards.Form("doctor", RefusalTenant, ApplicantCategory.Doctor))),
            EOnayConfirmation = ByteString.CopyFromUtf8("garbage"),
            ClientRequestId = "eonay-garbage",
        }, doctor), field: "e_onay_confirmation");
    }

    // ---- wet ----

    [Fact]
    public async Task Family_physician_with_an_expired_NES_goes_wet_gets_a_printable_PDF_and_waits_for_paper_and_receipt()
    {
        var tenant = server.NewTenant();
        var fp = await server.SignInAsync("fp-expired");
        var response = await _client.SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expired", tenant, ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("fp-expired")),
        }, fp);
        Assert.Equal("AWAITING_PAPER", response.Application.Status);
        Assert.Equal(ConfirmationMethod.WetSignature, response.Application.Method);
        Assert.Equal(new[] { "PAPER", "RECEIPT" }, response.Application.Lacks.Order());
        Assert.StartsWith("%PDF", Encoding.ASCII.GetString(response.PrintableFormPdf.Span[..5]));
        Assert.True(response.PrintableFormPdf.Length > 1000);
        Scenario.VerifyReceipt(response.Receipt, response.Application.Id,
            Scenario.Sha256Hex(Cards.Json(Cards.Form("fp-expired", tenant, ApplicantCategory.FamilyPhysician))));
    }

    [Fact]
    public async Task Family_physician_with_a_valid_NES_may_not_go_wet()
    {
        var fp = await server.SignInAsync("fp-expiring");
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expiring", RefusalTenant, ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("fp-expiring")),
        }, fp), "confirmation.family_physician_must_esign");
    }

    [Fact]
    public async Task Family_physician_going_wet_without_the_current_certificate_is_refused_naming_it()
    {
        var fp = await server.SignInAsync("fp-expired");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expired", RefusalTenant, ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, fp), field: "current_certificate");
    }

    [Fact]
    public async Task A_current_certificate_of_someone_else_is_refused_naming_it()
    {
        var fp = await server.SignInAsync("fp-expired");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expired", RefusalTenant, ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
        }, fp), field: "current_certificate");
    }

    // ---- the fee receipt ----

    [Fact]
    public async Task Family_physician_attaches_the_780_TL_receipt_after_the_wrong_ones_are_refused_field_by_field()
    {
        var tenant = server.NewTenant();
        var fp = await server.SignInAsync("fp-expiring");
        var submitted = (await _client.SubmitESignedAsync(Cards.ESigned("fp-expiring", Cards.Form("fp-expiring", tenant, ApplicantCategory.FamilyPhysician)), fp)).Application;
        Assert.Equal("AWAITING_APPROVAL", submitted.Status);
        Assert.Contains("RECEIPT", submitted.Lacks);

        AttachPaymentReceiptRequest Receipt(string amount = "780.00", string? iban = null, string? paidOn = null) => new()
        {
            ApplicationId = submitted.Id,
            Amount = new Money { Amount = amount, Currency = "TRY" },
            Iban = iban ?? SyntheticProvinces.Iban(tenant),
            Description = "GÜLŞEN ÇELİK 40618273540 NES 3 YILLIK BAŞVURUSU",
            PaidOn = paidOn ?? Yesterday,
            ScannedFile = ByteString.CopyFromUtf8("%PDF-1.4 dekont"),
            ScannedFileName = "dekont.pdf",
        };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(iban: "TR41 0001 2009 5940 0005 0000 47"), fp),
            "receipt.iban_mismatch", "iban"); // a valid IBAN, but Mersin's, not this directorate's
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(iban: "TR00 1234"), fp), field: "iban");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(amount: "700.00"), fp),
            "receipt.amount_mismatch", "amount");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(amount: "yedi yüz"), fp), field: "amount");
        var dollars = Receipt();
        dollars.Amount.Currency = "USD";
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(dollars, fp), field: "amount");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(paidOn: "20.11.2026"), fp), field: "paid_on");
        var wrongDescription = Receipt();
        wrongDescription.Description = "GÜLŞEN ÇELİK NES 3 YILLIK BAŞVURUSU"; // no TCKN
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(wrongDescription, fp),
            "receipt.description_missing_tckn", "description");

        var attached = await _client.AttachPaymentReceiptAsync(Receipt(), fp);
        Assert.DoesNotContain("RECEIPT", attached.Lacks);
        Assert.Equal("AWAITING_APPROVAL", attached.Status);
        Assert.Equal(submitted.Version + 1, attached.Version);
        var got = await _client.GetAsync(new GetApplicationRequest { ApplicationId = submitted.Id }, fp);
        Assert.Empty(got.Lacks);
        Assert.Contains(got.History, h => h.Text.Contains("Receipt"));
    }

    [Fact]
    public async Task A_doctor_needs_no_receipt_and_attaching_one_is_refused()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var app = (await _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor)).Application;
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.AttachPaymentReceiptAsync(new AttachPaymentReceiptRequest
        {
            ApplicationId = app.Id,
            Amount = new Money { Amount = "780.00", Currency = "TRY" },
            Iban = SyntheticProvinces.Iban(tenant),
            Description = "AYŞE YILMAZ 12345678950 NES 3 YILLIK BAŞVURUSU",
            PaidOn = Yesterday,
            ScannedFile = ByteString.CopyFromUtf8("x"),
        }, doctor), "receipt.not_required");
    }

    // ---- withdraw, get, list ----

    [Fact]
    public async Task The_applicant_withdraws_and_may_then_apply_again_while_nobody_else_can_even_see_it()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var manager = await server.SignInAsync("manager");
        var app = (await _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor)).Application;

        await Rpc.Refused(StatusCode.NotFound, () => _client.WithdrawAsync(new WithdrawRequest { ApplicationId = app.Id }, manager), "application.not_found");
        var withdrawn = await _client.WithdrawAsync(new WithdrawRequest { ApplicationId = app.Id, Reason = "Kartımı buldum" }, doctor);
        Assert.Equal("WITHDRAWN", withdrawn.Status);
        Assert.Equal(app.Id, withdrawn.Id);

        // A new form, newly signed: the signature on the withdrawn one is spent (a re-signing within the same second of
        // the same bytes would carry the same signed attributes).
        var form = Cards.Form("doctor", tenant, ApplicantCategory.Doctor);
        form.Phone = "+90 324 111 11 11";
        var again = await _client.SubmitESignedAsync(Cards.ESigned("doctor", form), doctor);
        Assert.Equal("AWAITING_APPROVAL", again.Application.Status);
        Assert.NotEqual(app.Id, again.Application.Id);
        // A withdrawn application cannot be withdrawn twice.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.WithdrawAsync(new WithdrawRequest { ApplicationId = app.Id }, doctor), "withdraw.not_allowed_now");
    }

    [Fact]
    public async Task Withdraw_with_a_stale_expected_version_is_ABORTED()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var app = (await _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor)).Application;
        await Rpc.Refused(StatusCode.Aborted, () => _client.WithdrawAsync(new WithdrawRequest { ApplicationId = app.Id, ExpectedVersion = app.Version + 3 }, doctor),
            "concurrency.version_conflict");
        Assert.Equal("AWAITING_APPROVAL", (await _client.GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, doctor)).Status);
    }

    [Fact]
    public async Task Get_returns_the_own_application_and_NOT_FOUND_for_another_applicant_or_an_unknown_id()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var manager = await server.SignInAsync("manager");
        var app = (await _client.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor)).Application;

        var got = await _client.GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, doctor);
        Assert.Equal(app.Id, got.Id);
        Assert.Equal("renewal_submitted", Assert.Single(got.History).Event);
        await Rpc.Refused(StatusCode.NotFound, () => _client.GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, manager), "application.not_found");
        await Rpc.Refused(StatusCode.NotFound, () => _client.GetAsync(new GetApplicationRequest { ApplicationId = Guid.NewGuid().ToString() }, doctor));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    [InlineData("'; drop table mt_events; --")]
    public async Task Get_with_a_bad_id_is_refused_naming_application_id(string id)
    {
        var doctor = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.GetAsync(new GetApplicationRequest { ApplicationId = id }, doctor), "INVALID_ARGUMENT", "application_id");
    }

    [Fact]
    public async Task ListMine_is_newest_first_and_pages_one_by_one_with_the_cursor()
    {
        // The caller's own applications across directorates: three, in three scratch directorates. Officer-adana applies as an
        // applicant here because no other test of this class submits for that TCKN, so the list is exactly these three.
        var headers = await server.SignInAsync("officer-adana");
        var submitted = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var tenant = server.NewTenant();
            var response = await _client.SubmitWetSignedAsync(new SubmitWetSignedRequest
            {
                Form = Cards.Form("officer-adana", tenant, ApplicantCategory.Doctor),
                ClientRequestId = Guid.NewGuid().ToString("N"),
            }, headers);
            submitted.Add(response.Application.Id);
        }

        var all = await _client.ListMineAsync(new ListMineRequest(), headers);
        Assert.Equal(submitted.AsEnumerable().Reverse(), all.Applications.Select(a => a.Id));
        Assert.Equal("", all.NextCursor);
        Assert.True(all.Applications.Zip(all.Applications.Skip(1)).All(p => p.First.SubmittedAt >= p.Second.SubmittedAt));

        var paged = new List<string>();
        var cursor = "";
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await _client.ListMineAsync(new ListMineRequest { Page = new PageRequest { PageSize = 1, Cursor = cursor } }, headers);
            Assert.True(page.Applications.Count <= 1);
            paged.AddRange(page.Applications.Select(a => a.Id));
            cursor = page.NextCursor;
            if (cursor == "")
                break;
        }
        Assert.Equal(all.Applications.Select(a => a.Id), paged);
    }

    [Theory]
    [InlineData("garbage!")]
    [InlineData("bzotNQ")] // "o:-5": an offset cursor's shape with a negative offset
    [InlineData("cTo2MzgwMDAwMDAwMDAwMDAwMDA6MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA")] // a queue cursor given to ListMine
    public async Task ListMine_with_a_bad_cursor_is_refused_naming_page_cursor(string cursor)
    {
        var headers = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _client.ListMineAsync(new ListMineRequest { Page = new PageRequest { PageSize = 1, Cursor = cursor } }, headers), "INVALID_ARGUMENT", "page.cursor");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task ListMine_with_a_page_size_out_of_range_is_refused_naming_page_size(int size)
    {
        var headers = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _client.ListMineAsync(new ListMineRequest { Page = new PageRequest { PageSize = size } }, headers), field: "page.page_size");
    }

    [Fact]
    public async Task ListMine_is_for_applicants_a_system_key_has_no_own_applications()
    {
        await Rpc.Refused(StatusCode.PermissionDenied, () => _client.ListMineAsync(new ListMineRequest(), server.SystemHeaders()), "ROLE_REQUIRED");
    }
}
