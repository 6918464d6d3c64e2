using System.Text;
using MimeKit;
using Signing.Domain;
using Signing.Server.Mapping;
using Signing.Store;

namespace Signing.Server.Reminders;

/// <summary>
/// The reminder e-mail, in Turkish: days left, the certificate's end date and what to do for the person's category, in the
/// very words the API's guidance gives (<see cref="Guidance.For"/> with <see cref="Proto.GuidanceTr"/>), so the e-mail and
/// the desk never disagree.
/// </summary>
public static class ReminderMail
{

    public const string StageHeader = "X-Signing-Reminder-Stage";

    public static string Subject(int daysLeft) =>
        $"{TurkishText.Upper("e-imza yenileme hatırlatması")}: NES'inizin süresi {daysLeft} gün içinde doluyor";

    public static MimeMessage Compose(ClaimedReminder row, TenantSettings tenant, MailboxAddress from, DateTimeOffset now)
    {
        var daysLeft = Math.Max(0, RenewalWindow.DaysLeft(row.NotAfter, now));
        var message = new MimeMessage
        {
            Subject = Subject(daysLeft),
            MessageId = $"{row.MessageId:N}@{from.Domain}",
            Date = now.ToOffset(TurkeyTime.Offset),
        };
        message.From.Add(from);
        message.To.Add(new MailboxAddress(row.Name ?? "", row.Recipient ?? throw new ArgumentException("the reminder has no address (erased)", nameof(row))));
        // An automatic message: auto-responders must not answer it (RFC 3834).
        message.Headers.Add("Auto-Submitted", "auto-generated");
        // For the directorate's mail filters and for support: which stage this is, without opening the text.
        message.Headers.Add(StageHeader, row.StageDays.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var body = new TextPart("plain");
        body.SetText(Encoding.UTF8, Body(row, tenant, daysLeft, now));
        message.Body = body;
        return message;
    }

    public static string Body(ClaimedReminder row, TenantSettings tenant, int daysLeft, DateTimeOffset now)
    {
        var culture = TurkishText.Culture;
        var end = row.NotAfter.ToOffset(TurkeyTime.Offset);
        var text = new StringBuilder();
        text.AppendLine(string.IsNullOrWhiteSpace(row.Name) ? "Sayın ilgili," : $"Sayın {row.Name},");
        text.AppendLine();
        text.AppendLine($"Nitelikli elektronik sertifikanızın (NES) süresi {end.ToString("d MMMM yyyy", culture)} tarihinde doluyor: {daysLeft} gün kaldı.");
        text.AppendLine("Süresi dolan NES ile reçete, rapor ve resmi yazı imzalanamaz; yeni kart gelene kadar beklemek zorunda kalmamak için şimdi yenileyin.");
        text.AppendLine();
        text.AppendLine($"{tenant.Name} personel listesindeki kategoriniz: {row.Category.TurkishName()}. Sizin için yapılacaklar:");
        text.AppendLine();
        var steps = Guidance.For(row.Category.Applicant(), RenewalWindow.Classify(row.NotAfter, now), daysLeft, tenant);
        var number = 0;
        foreach (var step in steps)
            text.AppendLine($"{++number}. {Proto.GuidanceTr(step)}");
        text.AppendLine();
        text.AppendLine("Yenileme başvurunuzu açtığınızda bu hatırlatmalar kendiliğinden durur.");
        text.AppendLine($"Sorularınız için e-imza yetkilisi: {(string.IsNullOrWhiteSpace(tenant.OfficerEmail) ? tenant.DeskAddress : tenant.OfficerEmail)}");
        text.AppendLine();
        text.AppendLine($"Bu ileti {tenant.Name} tarafından otomatik olarak gönderilmiştir; lütfen yanıtlamayın.");
        return text.ToString();
    }
}
