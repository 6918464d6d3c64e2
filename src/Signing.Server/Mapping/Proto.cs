using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Signing.Domain;
using Signing.Store;
using V1 = Signing.Contracts.V1;
using Vf = Signing.Verification;

namespace Signing.Server.Mapping;

/// <summary>Between the wire (esign.v1) and the domain. No decisions here, only names and shapes.</summary>
public static partial class Proto
{
    public static ApplicantCategory? Category(V1.ApplicantCategory c) => c switch
    {
        V1.ApplicantCategory.Manager => ApplicantCategory.Manager,
        V1.ApplicantCategory.Doctor => ApplicantCategory.Doctor,
        V1.ApplicantCategory.FamilyPhysician => ApplicantCategory.FamilyPhysician,
        V1.ApplicantCategory.Individual => ApplicantCategory.Individual,
        _ => null,
    };

    public static V1.ApplicantCategory Category(ApplicantCategory c) => c switch
    {
        ApplicantCategory.Manager => V1.ApplicantCategory.Manager,
        ApplicantCategory.Doctor => V1.ApplicantCategory.Doctor,
        ApplicantCategory.FamilyPhysician => V1.ApplicantCategory.FamilyPhysician,
        ApplicantCategory.Individual => V1.ApplicantCategory.Individual,
        _ => V1.ApplicantCategory.Unspecified,
    };

    public static V1.ConfirmationMethod Method(ConfirmationMethod m) => m switch
    {
        ConfirmationMethod.ESignature => V1.ConfirmationMethod.ESignature,
        ConfirmationMethod.EOnay => V1.ConfirmationMethod.EOnay,
        ConfirmationMethod.WetSignature => V1.ConfirmationMethod.WetSignature,
        _ => V1.ConfirmationMethod.Unspecified,
    };

    /// <summary>Stable wire names: AwaitingApproval → AWAITING_APPROVAL, SecondApproval → SECOND_APPROVAL.</summary>
    public static string Upper(System.Enum value) =>
        // Every reply names a few statuses and lacks; enums have few values, so each name is worked out once.
        UpperNames.GetOrAdd(value, static v =>
            // Two passes: "ESignForm" → "E_SignForm" (a capital before a capitalised word) → "E_Sign_Form".
            UpperSnake().Replace(AcronymEnd().Replace(v.ToString(), "$1_$2"), "$1_$2").ToUpperInvariant());

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<System.Enum, string> UpperNames = new();

    /// <summary>The wire's decision; UNSPECIFIED is refused by the request check before this is asked.</summary>
    public static OfficerDecision Decision(V1.Decision d) => d switch
    {
        V1.Decision.Approve => OfficerDecision.Approve,
        V1.Decision.Reject => OfficerDecision.Reject,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "no decision"),
    };

    public static Lack? ParseLack(string text) => text.Trim().ToUpperInvariant() switch
    {
        "PAPER" => Lack.Paper,
        "RECEIPT" => Lack.Receipt,
        "SECOND_APPROVAL" => Lack.SecondApproval,
        "CATEGORY_CONFIRMED" => Lack.CategoryConfirmed,
        _ => null,
    };

    public static V1.HolderStatus Holder(Vf.HolderStatus s) => s switch
    {
        Vf.HolderStatus.Valid => V1.HolderStatus.Valid,
        Vf.HolderStatus.Expiring => V1.HolderStatus.Expiring,
        Vf.HolderStatus.Expired => V1.HolderStatus.Expired,
        Vf.HolderStatus.NotYetValid => V1.HolderStatus.NotYetValid,
        Vf.HolderStatus.Revoked => V1.HolderStatus.Revoked,
        Vf.HolderStatus.Untrusted => V1.HolderStatus.Untrusted,
        Vf.HolderStatus.NotQualified => V1.HolderStatus.NotQualified,
        Vf.HolderStatus.WrongHolder => V1.HolderStatus.WrongHolder,
        _ => V1.HolderStatus.Unspecified,
    };

    public static V1.HolderStatus Holder(CertificateState s) => s switch
    {
        CertificateState.Valid => V1.HolderStatus.Valid,
        CertificateState.Expiring => V1.HolderStatus.Expiring,
        _ => V1.HolderStatus.Expired,
    };

    public static Indication Indication(Vf.Indication i) => i switch
    {
        Vf.Indication.TotalPassed => Domain.Indication.Passed,
        Vf.Indication.TotalFailed => Domain.Indication.Failed,
        _ => Domain.Indication.Indeterminate,
    };

    public static string SubIndication(Vf.Verdict v) =>
        v.SubIndication == Vf.SubIndication.None ? "" : Upper(v.SubIndication);

    public static V1.Verdict Verdict(Vf.Verdict v)
    {
        var verdict = new V1.Verdict
        {
            Indication = v.Indication switch
            {
                Vf.Indication.TotalPassed => V1.Indication.TotalPassed,
                Vf.Indication.TotalFailed => V1.Indication.TotalFailed,
                _ => V1.Indication.Indeterminate,
            },
            SubIndication = SubIndication(v),
            PolicyId = v.Policy.Id,
        };
        if (!string.IsNullOrEmpty(v.Reason))
            verdict.Reasons.Add(v.Reason);
        verdict.Reasons.AddRange(v.Checks.Where(c => c.Result == Vf.CheckResult.Failed && c.Detail != v.Reason)
            .Select(c => c.Detail is null ? c.Name : $"{c.Name}: {c.Detail}"));
        if (v.Signer is { } s)
        {
            verdict.SignerName = s.CommonName ?? s.Subject;
            verdict.SignerTcknMasked = s.Tckn is null ? "" : Tckn.Mask(s.Tckn);
            verdict.SignerCertificateSha256 = s.CertificateSha256;
            verdict.SignerNotAfter = Timestamp.FromDateTimeOffset(s.NotAfter);
        }
        return verdict;
    }

    public static V1.GuidanceStep Step(GuidanceStep step) => new()
    {
        Code = Upper(step.Action),
        Text = step.Text,
        TextTr = GuidanceTr(step),
    };

    public static V1.GuidanceStep Step(NextStep next, ApplicationStatus status) => new()
    {
        Code = Upper(next.Who) + ":" + Upper(status),
        Text = next.What,
        TextTr = NextStepTr(next, status),
    };

    public static V1.Application Application(ApplicationState s, long version, IEnumerable<(DateTimeOffset At, string Event, string Text, string Actor)> history)
    {
        var app = new V1.Application
        {
            Id = s.Id.ToString(),
            Code = s.ApplicationCode,
            Tenant = s.Tenant,
            TcknMasked = Tckn.Mask(s.ApplicantTckn),
            ApplicantName = $"{s.GivenName} {s.Surname}",
            Category = Category(s.Category),
            Method = Method(s.Method),
            Status = Upper(s.Status),
            NextStep = Step(ApplicationProgress.Next(s), s.Status),
            Version = version,
            SubmittedAt = Timestamp.FromDateTimeOffset(s.SubmittedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(s.UpdatedAt),
        };
        app.Lacks.AddRange(s.Lacks().Select(l => Upper(l)));
        if (s.ClaimedCategory is { } claimed)
            app.ClaimedCategory = Category(claimed);
        if (s.CurrentCertificateNotAfter > DateTimeOffset.UnixEpoch)
            app.CertificateNotAfter = Timestamp.FromDateTimeOffset(s.CurrentCertificateNotAfter);
        app.History.AddRange(history.Select(h => new V1.HistoryEntry { At = Timestamp.FromDateTimeOffset(h.At), Event = h.Event, Text = h.Text, Actor = h.Actor }));
        return app;
    }

    public static V1.Application Application(ApplicationView view) =>
        Application(view.State, view.Version, History(view));

    /// <summary>The view's history as the wire tuples (an entry folded before actors were kept has an empty actor).</summary>
    public static IEnumerable<(DateTimeOffset At, string Event, string Text, string Actor)> History(ApplicationView view) =>
        view.History.Select(h => (h.At, h.Event, h.Description, h.Actor ?? ""));

    /// <summary>After a write, from the events just appended on top of the state before it (no read-back needed).</summary>
    public static V1.Application Application(ApplicationState before, IReadOnlyList<IApplicationEvent> events, long version,
        IEnumerable<(DateTimeOffset, string, string, string)> earlierHistory)
    {
        var after = events.Aggregate(before, ApplicationDecider.Evolve);
        return Application(after, version, earlierHistory.Concat(events.Select(e => (e.At, EventName(e), ApplicationProgress.Describe(e), ApplicationProgress.ActorOf(e)))));
    }

    /// <summary>The event's stored name (renewal_submitted), so a fresh reply and a later Get agree.</summary>
    public static string EventName(IApplicationEvent e) => SigningStore.EventName(e.GetType());

    public static V1.QueueItem QueueItem(ApprovalQueueItem item)
    {
        var q = new V1.QueueItem
        {
            ApplicationId = item.Id.ToString(),
            Code = item.ApplicationCode,
            ApplicantName = item.ApplicantName,
            TcknMasked = Tckn.Mask(item.ApplicantTckn),
            Category = Category(item.Category),
            Method = Method(item.Method),
            QueuedAt = Timestamp.FromDateTimeOffset(item.QueuedAt),
            Approvals = item.ApprovedBy.Count,
            ApprovalsRequired = item.ApprovalsRequired,
            Version = item.Version,
            Status = Upper(item.Status),
        };
        q.Lacks.AddRange(item.Lacks.Select(l => Upper(l)));
        return q;
    }

    /// <summary>A guidance step in Turkish, as the API gives it (TextTr) and the renewal reminders write it.</summary>
    internal static string GuidanceTr(GuidanceStep step) => step.Action switch
    {
        GuidanceAction.WaitForWarning => $"NES'iniz henüz geçerli. Son {RenewalWindow.WindowMonths} ayda, Kamu SM \"E-imza süreniz doluyor\" e-postasını gönderdiğinde yenileyin; adımlar şunlar olacak:",
        GuidanceAction.ApplyAtDirectoratePortal => "Kamu SM portalında başvuru nedeni olarak \"YENİLEME\" seçerek başvurun (NES, 3 yıl).",
        GuidanceAction.ApplyAtIndividualPortal => $"Kamu SM çevrim içi işlemler portalından ({KamuSm.IndividualMenu}) \"YENİLEME\" nedeniyle başvurun.",
        GuidanceAction.ESignForm => "Formu geçerli NES'inizle e-imzalayın: doğrudan yetkilinin onay kuyruğuna düşer, çıktı gerekmez.",
        GuidanceAction.UseEOnay => (step.Alternative ? "Ya da " : "") + "e-Onay'ı kabul ettiyseniz formu e-Onay ile onaylayın: sisteme hemen yansır.",
        GuidanceAction.PrintAndDeliverTwoCopies => (step.Alternative ? "Ya da formun " : "Formun ") + $"{KamuSm.PaperCopies} nüshasını yazdırıp ıslak imzalayın ve e-imza yetkilisine teslim edin: {step.Address}.",
        GuidanceAction.PayFee => $"{step.Amount} ücreti {step.Iban} ({step.Bank}, {step.Recipient}) hesabına havale edin; açıklama: \"{step.ReceiptDescription}\".",
        GuidanceAction.SendReceiptByEmail => $"Dekontu e-imza yetkilisine e-postayla gönderin ({step.Address}); dekont gelmeden başvuru onaylanmaz.",
        GuidanceAction.NoFee => "Ödeme yok: sertifika ücretini kurumunuz öder.",
        GuidanceAction.PrintAndPostToKamuSm => $"Formu yazdırıp ıslak imzalayın; bir nüshasını saklayın, diğerini postayla gönderin: {KamuSm.PostalAddress}.",
        GuidanceAction.PayKamuSmWhenPriceShown => "Kamu SM'ye ödemeyi yalnızca ücret ekranda göründükten sonra yapın; ödeme yaklaşık 5 dakika sonra yansır.",
        GuidanceAction.AwaitCourier => "Yeni e-imza kartınız kargo ile yalnızca size, elden teslim edilir: teslimat adresinde bulunun.",
        GuidanceAction.CallKamuSmIfNotDelivered => $"Zarf gelmediyse TÜBİTAK'a geri dönmüştür: adresinizi teyit etmek için Kamu SM'yi {KamuSm.CallCentre} numarasından arayın.",
        _ => step.Text,
    };

    private static string NextStepTr(NextStep next, ApplicationStatus status) => status switch
    {
        ApplicationStatus.AwaitingPaper => $"Formun ıslak imzalı {KamuSm.PaperCopies} nüshasını e-imza yetkilisine teslim edin.",
        ApplicationStatus.AwaitingApproval when next.Who == Actor.Applicant => "Ücret dekontunu e-imza yetkilisine gönderin.",
        ApplicationStatus.AwaitingApproval => "E-imza yetkilisinin onayı bekleniyor.",
        ApplicationStatus.Approved => "Onaylanan başvuru üretim için Kamu SM'ye gönderilecek.",
        ApplicationStatus.AwaitingPostalForm => $"Islak imzalı formu postayla Kamu SM'ye gönderin: {KamuSm.PostalAddress}.",
        ApplicationStatus.AwaitingPrice => "Form Kamu SM'ye ulaşınca ücret gösterilecek; önceden ödeme yapmayın.",
        ApplicationStatus.AwaitingPayment => "Gösterilen ücreti Kamu SM'ye ödeyin.",
        ApplicationStatus.PaymentPending => "Ödemenin Kamu SM'ye yansıması bekleniyor (yaklaşık 5 dakika).",
        ApplicationStatus.InProduction => "Kamu SM yeni e-imza kartını üretiyor.",
        ApplicationStatus.Produced => "Kamu SM kartı kargoya veriyor.",
        ApplicationStatus.Dispatched => "Kargo kartı yalnızca size, elden teslim edecek.",
        ApplicationStatus.ReturnedToSender => $"Zarf TÜBİTAK'a geri döndü: adresinizi teyit etmek için {KamuSm.CallCentre} numarasını arayın.",
        ApplicationStatus.AddressConfirmed => "Kamu SM kartı yeniden kargoya verecek.",
        ApplicationStatus.Delivered => "Teslim edildi. Yapılacak bir şey kalmadı.",
        ApplicationStatus.Rejected => "Reddedildi. Yeni bir başvuru yapılabilir.",
        ApplicationStatus.Withdrawn => "Geri çekildi. Yeni bir başvuru yapılabilir.",
        _ => next.What,
    };

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex UpperSnake();

    [GeneratedRegex("([A-Z])([A-Z][a-z])")]
    private static partial Regex AcronymEnd();
}
