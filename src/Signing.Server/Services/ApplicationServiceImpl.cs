using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Money = Signing.Domain.Money;
using Signing.Forms;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Server.Receipts;
using Signing.Server.Telemetry;
using Signing.Store;
using Signing.Verification;
using Vf = Signing.Verification;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Services;

/// <summary>Applicants (or the portal, as a system client) submit and follow renewal applications.</summary>
public sealed class ApplicationServiceImpl(
    Applications applications,
    IRenewalSubmitter submitter,
    Authenticator auth,
    Trust trust,
    ReceiptSigner receipts,
    SigningMetrics metrics,
    ILogger<ApplicationServiceImpl> logger) : ApplicationService.ApplicationServiceBase
{
    public override async Task<SubmitResponse> SubmitESigned(SubmitESignedRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.System);
        var check = new RequestCheck()
            .Require(!request.Cms.IsEmpty, "cms", "required: the CAdES signature (DER)", "zorunlu: CAdES imzası (DER)");
        Requests.CheckRequestId(check, request.ClientRequestId);
        check.ThrowIfInvalid();
        context.CancellationToken.ThrowIfCancellationRequested();

        var now = applications.Now;
        var detached = request.FormJson.IsEmpty ? null : request.FormJson.ToByteArray();
        var cms = request.Cms.ToByteArray();
        byte[]? signed = null;
        var verdict = await trust.VerifyAsync(() => trust.Cms.Verify(cms, detached, new VerificationOptions { At = now }, out signed), context.CancellationToken);
        metrics.Verdict(verdict, "e_signed");
        if (signed is null || verdict.SubIndication is Vf.SubIndication.FormatFailure or Vf.SubIndication.SignedDataNotFound)
            throw new ServiceError(StatusCode.InvalidArgument, ErrorCodes.CmsUnreadable,
                $"cms: not a CMS SignedData with the form inside or beside it ({Proto.SubIndication(verdict)}: {verdict.Reason})",
                "cms: okunabilir bir CMS imzası değil (form imzanın içinde ya da form_json alanında olmalı)",
                [new FieldViolation("cms", verdict.Reason ?? "unreadable", "okunamıyor")],
                metadata: new Dictionary<string, string> { ["sub_indication"] = Proto.SubIndication(verdict) });
        RevocationGate.ThrowIfUnavailable(verdict);
        var form = Requests.ParseForm(signed, out var problem) ?? throw ServiceError.InvalidArgument("cms",
            "the signed content is not an ApplicationForm in protobuf JSON: " + problem, "imzalanan içerik bir başvuru formu (JSON) değil");
        if (request.Form is not null && !request.Form.Equals(form))
            throw ServiceError.InvalidArgument("form", "differs from the signed form JSON; send the form that was signed, or none",
                "imzalanan formdan farklı; imzalanan formu gönderin ya da hiç göndermeyin");
        var facts = Requests.CheckForm(form, applications.Tenants, new RequestCheck());
        RequireOwnForm(caller, facts);

        var signature = VerdictFacts.Signature(verdict) with { SignedAttributesSha256 = verdict.SignedAttributesSha256 };
        var (evidence, blobs) = EvidenceRecord.ESigned(cms, signed, verdict);
        var command = Requests.Submit(facts, form, request.ClientRequestId, VerdictFacts.Certificate(verdict), new Confirmation.ESigned(signature), now)
            with { Evidence = evidence, EvidenceBlobs = blobs };
        return await SubmitAsync(caller, facts, command, SHA256.HashData(signed), Proto.Verdict(verdict), context.CancellationToken);
    }

    public override async Task<SubmitResponse> SubmitWithEOnay(SubmitWithEOnayRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.System);
        var check = new RequestCheck()
            .Require(!request.FormJson.IsEmpty, "form_json", "required: the form JSON the confirmation refers to", "zorunlu: onaylanan formun JSON'u")
            .Require(!request.EOnayConfirmation.IsEmpty, "e_onay_confirmation", "required: the signed e-Onay confirmation", "zorunlu: imzalı e-Onay belgesi");
        Requests.CheckRequestId(check, request.ClientRequestId);
        check.ThrowIfInvalid();
        var formJson = request.FormJson.ToByteArray();
        var form = Requests.ParseForm(formJson, out var problem) ?? throw ServiceError.InvalidArgument("form_json",
            "not an ApplicationForm in protobuf JSON: " + problem, "başvuru formu (JSON) okunamadı");
        var facts = Requests.CheckForm(form, applications.Tenants, new RequestCheck());
        RequireOwnForm(caller, facts);
        var now = applications.Now;
        var current = CurrentCertificate(request.CurrentCertificate, facts, now);

        var formSha = SHA256.HashData(formJson);
        var confirmationBytes = request.EOnayConfirmation.ToByteArray();
        var result = await trust.VerifyAsync(() => trust.EOnay.Verify(confirmationBytes, facts.Tckn.Value, Convert.ToHexStringLower(formSha), now),
            r => r.Verdict, context.CancellationToken);
        metrics.Verdict(result.Verdict, "e_onay");
        if (result.Verdict.SubIndication is Vf.SubIndication.FormatFailure or Vf.SubIndication.SignedDataNotFound)
            throw ServiceError.InvalidArgument("e_onay_confirmation", "not a readable e-Onay confirmation: " + result.Verdict.Reason,
                "okunabilir bir e-Onay belgesi değil");
        RevocationGate.ThrowIfUnavailable(result.Verdict);
        var confirmation = result.Confirmation;
        var eonay = new EOnayFacts(Proto.Indication(result.Verdict.Indication), confirmation?.Tckn, confirmation?.Nonce ?? "",
            confirmation?.ConfirmedAt ?? now);
        var (evidence, blobs) = EvidenceRecord.EOnay(formJson, request.EOnayConfirmation.ToByteArray(), result.Verdict);
        var command = Requests.Submit(facts, form, request.ClientRequestId, current, new Confirmation.EOnay(eonay), now)
            with { Evidence = evidence, EvidenceBlobs = blobs };
        return await SubmitAsync(caller, facts, command, formSha, Proto.Verdict(result.Verdict), context.CancellationToken);
    }

    public override async Task<SubmitWetSignedResponse> SubmitWetSigned(SubmitWetSignedRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.System);
        var check = new RequestCheck().Require(request.Form is not null, "form", "required", "zorunlu");
        Requests.CheckRequestId(check, request.ClientRequestId);
        check.ThrowIfInvalid();
        var facts = Requests.CheckForm(request.Form!, applications.Tenants, new RequestCheck());
        RequireOwnForm(caller, facts);
        var now = applications.Now;
        var current = CurrentCertificate(request.CurrentCertificate, facts, now);
        var formJson = Requests.FormJson(request.Form!);
        var (evidence, blobs) = EvidenceRecord.Wet(formJson);
        var command = Requests.Submit(facts, request.Form!, request.ClientRequestId, current, new Confirmation.Wet(), now)
            with { Evidence = evidence, EvidenceBlobs = blobs };
        var submitted = await SubmitAsync(caller, facts, command, SHA256.HashData(formJson), null, context.CancellationToken);
        var form = request.Form!;
        var pdf = PrintableFormRenderer.Render(WetSubmissionForm.For(Guid.Parse(submitted.Application.Id), submitted.Application.Code,
            submitted.Application.SubmittedAt.ToDateTimeOffset(), facts.Tenant, new Applicant(facts.Tckn, facts.Name, facts.Category),
            new Contact(form.Email, form.Phone), form.DeliveryAddress, form.Institution));
        return new SubmitWetSignedResponse
        {
            Application = submitted.Application,
            Receipt = submitted.Receipt,
            Replayed = submitted.Replayed,
            PrintableFormPdf = ByteString.CopyFrom(pdf),
        };
    }

    public override async Task<GetPrintableFormResponse> GetPrintableForm(GetPrintableFormRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        var (tenant, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        if (view.Method != Domain.ConfirmationMethod.WetSignature)
            throw ServiceError.FailedPrecondition(ErrorCodes.NotWetSigned, "application/" + id,
                $"application {id} was confirmed by {view.Method}: only a wet-signed application has a printable form",
                "bu başvuru ıslak imzalı değil; yazdırılacak formu yok");
        var submitted = await applications.Store.GetSubmissionAsync(tenant.ProvinceCode, id, context.CancellationToken)
            ?? throw new InvalidOperationException($"application {id} has a view but no RenewalSubmitted event");
        var printable = WetSubmissionForm.For(id, submitted.ApplicationCode, submitted.At, tenant,
            new Applicant(Tckn.Parse(submitted.ApplicantTckn), new PersonName(submitted.GivenName, submitted.Surname), submitted.Category),
            new Contact(submitted.Email, submitted.Phone), submitted.DeliveryAddress, submitted.Institution ?? "");
        byte[] pdf;
        try
        {
            pdf = PrintableFormRenderer.Render(printable);
        }
        catch (ArgumentException e)
        {
            // Stored before the form's rules were checked at submission: the way out is a new form, not a retry.
            throw ServiceError.FailedPrecondition(ErrorCodes.FormNotPrintable, "application/" + id,
                $"the stored form cannot be printed ({e.ParamName}: {e.Message}); withdraw the application and submit the form again",
                "kayıtlı form yazdırılamıyor; başvuruyu geri çekip formu yeniden gönderin");
        }
        return new GetPrintableFormResponse { Pdf = ByteString.CopyFrom(pdf), ApplicationCode = submitted.ApplicationCode };
    }

    public override async Task<Contracts.V1.Application> AttachPaymentReceipt(AttachPaymentReceiptRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        var check = new RequestCheck();
        Money amount = default;
        check.Require(request.Amount is not null && (request.Amount.Currency is "" or Money.Try) && Money.TryParse(request.Amount.Amount, out amount),
            "amount", "required: an amount in TRY such as \"780.00\"", "zorunlu: TL cinsinden tutar, örneğin \"780.00\"");
        check.Require(Iban.TryParse(request.Iban, out var iban), "iban", "not a valid IBAN (TR + 24 digits, mod-97 check)", "geçerli bir IBAN değil");
        check.Require(DateOnly.TryParseExact(request.PaidOn, "yyyy-MM-dd", out var paidOn), "paid_on", "required: the payment date as YYYY-MM-DD", "zorunlu: ödeme tarihi (YYYY-AA-GG)");
        check.Text("description", request.Description, 500, required: true);
        check.Require(!request.ScannedFile.IsEmpty, "scanned_file", "required: the scanned receipt (PDF or image)", "zorunlu: dekontun taranmış hâli (PDF ya da resim)");
        check.Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz");
        check.ThrowIfInvalid();
        var (tenant, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        var receipt = new Receipt(amount, iban, paidOn, request.Description, Convert.ToHexStringLower(SHA256.HashData(request.ScannedFile.Span)));
        return await applications.HandleAsync(tenant, view, request.ExpectedVersion, new AttachReceipt(receipt, applications.Now), context.CancellationToken);
    }

    public override async Task<Contracts.V1.Application> Withdraw(WithdrawRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        new RequestCheck()
            .Text("reason", request.Reason, 500, multiline: true)
            .Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz")
            .ThrowIfInvalid();
        var (tenant, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        if (!caller.Is(Roles.System) && view.ApplicantTckn != caller.Tckn)
            throw StoreErrors.FromDomain(new DomainError(ErrorCodes.NotTheApplicant, "Only the applicant can withdraw an application."), "application/" + id);
        var by = caller.Is(Roles.System) ? Tckn.Parse(view.ApplicantTckn) : Tckn.Parse(caller.Tckn);
        return await applications.HandleAsync(tenant, view, request.ExpectedVersion,
            new Domain.Withdraw(by, request.Reason.Trim(), applications.Now), context.CancellationToken);
    }

    public override async Task<Contracts.V1.Application> Get(GetApplicationRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        var (_, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        return Proto.Application(view);
    }

    public override async Task<ListApplicationsResponse> ListMine(ListMineRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant);
        var (size, offset) = Paging.Offset(request.Page);
        var page = await applications.ListMineAsync(caller, offset, size + 1, context.CancellationToken);
        var response = new ListApplicationsResponse();
        response.Applications.AddRange(page.Take(size).Select(Proto.Application));
        if (page.Count > size)
            response.NextCursor = Paging.OffsetCursor(offset + size);
        return response;
    }

    /// <param name="formSha256">SHA-256 of the signed bytes: with the caller it tells a retry from a request id reused for other content.</param>
    private async Task<SubmitResponse> SubmitAsync(Caller caller, Requests.FormFacts facts, SubmitRenewal command, byte[] formSha256,
        Contracts.V1.Verdict? verdict, CancellationToken ct)
    {
        command = command with
        {
            Submitter = caller.Is(Roles.System) ? SubmitRenewal.SystemSubmitter(caller.Name) : SubmitRenewal.ApplicantSubmitter(caller.Tckn),
            ContentSha256 = Convert.ToHexStringLower(formSha256),
        };
        // The rules first, without I/O: a refused submission never reaches the database.
        var tenant = facts.Tenant.ProvinceCode;
        var method = command.Confirmation.Method;
        var precheck = ApplicationDecider.Decide(command, ApplicationState.Initial);
        if (!precheck.IsAccepted)
        {
            metrics.Submission(method, SubmissionOutcome.Refused, tenant);
            throw StoreErrors.FromDomain(precheck.Error!, "submission/" + command.ClientRequestId);
        }
        ct.ThrowIfCancellationRequested();

        var result = await submitter.SubmitAsync(tenant, command, ct);
        if (!result.Ok)
        {
            metrics.Submission(method, SubmissionOutcome.Refused, tenant);
            throw StoreErrors.ToServiceError(result.Failure!, "submission/" + command.ClientRequestId);
        }
        // Committed (or found committed): from here on nothing may turn the answer into an error. A retry with the same
        // request id is the way to whatever is missing (the replay path reads the application and signs a receipt).
        var written = result.Value!;
        metrics.Submission(method, written.WasRetry ? SubmissionOutcome.Replayed : SubmissionOutcome.Accepted, tenant);
        Contracts.V1.Application application;
        if (written.WasRetry)
        {
            // A replay reads what an earlier attempt stored; when that read fails nothing is known yet, so the retry
            // rule still applies (the failure is UNAVAILABLE or DEADLINE_EXCEEDED, never a refusal).
            var view = await applications.Store.GetAsync(tenant, written.ApplicationId, ct)
                ?? throw new InvalidOperationException("a committed application has no view");
            application = Proto.Application(view);
        }
        else
        {
            application = Proto.Application(ApplicationState.Initial, written.Events, written.Version, []);
            logger.LogDebug("application {ApplicationId} submitted in {Tenant} by {Tckn} ({Method})", written.ApplicationId, tenant,
                facts.Tckn.Mask(), command.Confirmation.Method);
        }
        var receipt = new ReceiptDocument(application.Id, application.Code, tenant, facts.Tenant.Name, Convert.ToHexStringLower(formSha256),
            application.Method.ToString(), application.SubmittedAt.ToDateTimeOffset(), applications.Now, written.WasRetry, verdict);
        return new SubmitResponse { Application = application, Receipt = await TrySignAsync(receipt, written.ApplicationId, ct), Replayed = written.WasRetry };
    }

    /// <summary>
    /// The receipt of a committed submission, or null when it cannot be signed now (token gone, receipt queue full): the
    /// caller is still told the submission is stored, and gets the receipt by retrying with the same request id.
    /// </summary>
    private async Task<SignedReceipt?> TrySignAsync(ReceiptDocument receipt, Guid applicationId, CancellationToken ct)
    {
        try
        {
            return await receipt.SignAsync(receipts, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning("application {ApplicationId} is stored but its receipt could not be signed now ({Problem}); answered without one",
                applicationId, e.Message);
            return null;
        }
    }

    /// <summary>
    /// An applicant submits only their own form; a system client (the portal) for anyone in the tenants it acts for, the
    /// signature or e-Onay proving who.
    /// </summary>
    private static void RequireOwnForm(Caller caller, Requests.FormFacts facts)
    {
        var formTckn = facts.Tckn;
        if (caller.Is(Roles.System))
            Authenticator.RequireTenant(caller, facts.Tenant.ProvinceCode);
        if (caller.Is(Roles.System) || caller.Tckn == formTckn.Value)
            return;
        throw ServiceError.PermissionDenied(ErrorCodes.FormNotYours, $"the form is for {formTckn.Mask()}, but you signed in as {Tckn.Mask(caller.Tckn)}",
            $"form {formTckn.Mask()} adına, ancak siz {Tckn.Mask(caller.Tckn)} olarak giriş yaptınız");
    }

    /// <summary>
    /// The applicant's current NES, when they still have the token: it tells whether it is still valid (a family physician
    /// with a valid NES must e-sign). Expired is fine here; a certificate of someone else, untrusted or revoked is refused.
    /// </summary>
    private CertificateFacts CurrentCertificate(ByteString der, Requests.FormFacts facts, DateTimeOffset now)
    {
        if (der.IsEmpty)
        {
            if (facts.Category == Domain.ApplicantCategory.FamilyPhysician)
                throw ServiceError.InvalidArgument("current_certificate",
                    "required for a family physician: it shows whether the NES is still valid (then the form must be e-signed)",
                    "aile hekimi için zorunlu: NES'in geçerli olup olmadığını gösterir (geçerliyse form e-imzalanmalıdır)");
            return VerdictFacts.NoCertificate;
        }
        var verdict = trust.Certificates.Validate(der.ToByteArray(), new VerificationOptions { At = now, ExpectedTckn = facts.Tckn.Value });
        var status = verdict.Holder?.Status;
        if (verdict.Signer is null || status is not (Vf.HolderStatus.Valid or Vf.HolderStatus.Expiring or Vf.HolderStatus.Expired))
            throw new ServiceError(StatusCode.InvalidArgument, ErrorCodes.CurrentCertificateRefused,
                $"current_certificate: {status?.ToString() ?? "unreadable"} ({verdict.Reason})",
                "current_certificate: sertifika kabul edilmedi (başkasına ait, güvenilmeyen ya da iptal edilmiş)",
                [new FieldViolation("current_certificate", $"{status?.ToString() ?? "unreadable"}: {verdict.Reason}", "kabul edilmedi")],
                metadata: new Dictionary<string, string> { ["holder_status"] = status?.ToString() ?? "" });
        return VerdictFacts.Certificate(verdict);
    }
}
