using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Mapping;
using Signing.Store;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Services;

public sealed partial class ApprovalServiceImpl
{
    public override async Task<ApplicationDetail> GetApplicationDetail(GetApplicationDetailRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        var ct = context.CancellationToken;
        var (tenant, view) = await applications.LocateAsync(id, caller, ct);
        var detail = new ApplicationDetail { Application = Proto.Application(view) };

        var now = applications.Now;
        var notAfter = view.State.CurrentCertificateNotAfter;
        if (notAfter > DateTimeOffset.UnixEpoch)
        {
            detail.CertificateNotAfter = Timestamp.FromDateTimeOffset(notAfter);
            detail.HolderStatus = Proto.Holder(RenewalWindow.Classify(notAfter, now));
            detail.DaysLeft = RenewalWindow.DaysLeft(notAfter, now);
        }

        if (PaymentReceiptOf(view.State) is { } payment)
            detail.PaymentReceipt = payment;

        var submitted = await applications.Store.GetSubmissionAsync(tenant.ProvinceCode, id, ct);
        if (submitted?.Evidence is not { } kept)
            return detail; // submitted before evidence was kept: the application alone
        var blobs = await evidence.FindManyAsync(kept.ReportSha256 is { } report ? [kept.FormSha256, report] : [kept.FormSha256], ct);
        if (blobs.TryGetValue(kept.FormSha256, out var formBlob) && Requests.ParseForm(formBlob.Bytes, out _) is { } form)
        {
            form.Tckn = Tckn.Mask(form.Tckn);
            detail.Form = form;
        }
        if (kept.ReportSha256 is { } reportSha && blobs.TryGetValue(reportSha, out var reportBlob))
        {
            if (VerdictWords.Read(reportBlob.Bytes) is { } verdict)
                detail.Verdict = verdict;
            else
                logger.LogWarning("application {ApplicationId}: the stored validation report {Sha256} is not readable", id, reportSha);
        }
        return detail;
    }

    private static PaymentReceipt? PaymentReceiptOf(ApplicationState state)
    {
        if (state.FeeDue is not { } due)
            return null;
        var payment = new PaymentReceipt { FeeDue = Lira(due), FeeIban = state.FeeIban ?? "" };
        if (state.Receipt is { } r)
        {
            payment.Amount = Lira(r.Amount);
            payment.Iban = r.Iban;
            payment.PaidOn = r.PaidOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            payment.Description = Tckn.MaskAll(r.Description);
            payment.FileSha256 = r.FileSha256;
            payment.AttachedAt = Timestamp.FromDateTimeOffset(r.At);
        }
        return payment;
    }

    private static Contracts.V1.Money Lira(decimal amount) =>
        new() { Amount = amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Currency = Signing.Domain.Money.Try };
}
