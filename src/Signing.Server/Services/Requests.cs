using System.Globalization;
using Google.Protobuf;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Forms;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using ApplicantCategory = Signing.Domain.ApplicantCategory;

namespace Signing.Server.Services;

/// <summary>Request checks shared by the services: every bad field is named, in English and Turkish, all at once.</summary>
public static class Requests
{
    public const int MaxRequestIdLength = 64;
    private static readonly CultureInfo Tr = CultureInfo.GetCultureInfo("tr-TR");
    private static readonly JsonParser StrictJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static Guid ApplicationId(string text, string field = "application_id")
    {
        if (Guid.TryParse(text, out var id))
            return id;
        throw ServiceError.InvalidArgument(field, string.IsNullOrEmpty(text) ? "required" : "not an application id (a UUID)",
            string.IsNullOrEmpty(text) ? "zorunlu" : "geçerli bir başvuru kimliği (UUID) değil");
    }

    public static void CheckRequestId(RequestCheck check, string id) => check.Require(
        id.Length is > 0 and <= MaxRequestIdLength && id.All(c => c > ' ' && c < 0x7f), "client_request_id",
        $"required: 1..{MaxRequestIdLength} printable ASCII characters, the same on every retry of this submission",
        $"zorunlu: 1..{MaxRequestIdLength} yazdırılabilir ASCII karakter; aynı başvurunun her denemesinde aynı olmalı");

    /// <summary>The form's JSON bytes as an ApplicationForm; unknown fields are refused (what was signed must be what is read).</summary>
    public static ApplicationForm? ParseForm(ReadOnlySpan<byte> json, out string? problem)
    {
        try
        {
            problem = null;
            return StrictJson.Parse<ApplicationForm>(System.Text.Encoding.UTF8.GetString(json));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or ArgumentException)
        {
            problem = e.Message;
            return null;
        }
    }

    public static byte[] FormJson(ApplicationForm form) => System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(form));

    /// <summary>The parts of a submission that come from the form; field violations for every bad one.</summary>
    public sealed record FormFacts(TenantSettings Tenant, Tckn Tckn, PersonName Name, ApplicantCategory Category,
        ApplicationReason Reason, CertificateKind Kind);

    /// <summary>The one check of a form, for every way of submitting it, before anything is stored.</summary>
    public static FormFacts CheckForm(ApplicationForm form, TenantCatalog tenants, RequestCheck check, string prefix = "form.")
    {
        var tenant = tenants.Find(form.Tenant);
        check.Require(tenant is not null, prefix + "tenant",
            $"unknown directorate '{form.Tenant}'; this server serves {string.Join(", ", tenants.All.Select(t => t.ProvinceCode))}",
            $"bilinmeyen il müdürlüğü '{form.Tenant}'; bu sunucu şunlara hizmet verir: {string.Join(", ", tenants.All.Select(t => t.ProvinceCode))}");
        check.Require(Tckn.TryParse(form.Tckn, out var tckn), prefix + "tckn", "not a valid TCKN (11 digits with a valid checksum)",
            "geçerli bir T.C. kimlik numarası değil (11 hane, geçerli kontrol haneleri)");
        Printable(check, prefix, FormFields.GivenNames, form.GivenNames);
        Printable(check, prefix, FormFields.Surname, form.Surname);
        var category = Proto.Category(form.Category);
        check.Require(category is not null, prefix + "category", "required: MANAGER, DOCTOR, FAMILY_PHYSICIAN or INDIVIDUAL",
            "zorunlu: yönetici, doktor, aile hekimi ya da bireysel");
        var reason = Reason(form.Reason);
        check.Require(reason is not null, prefix + "reason", "must be \"YENİLEME\" (renewal)", "\"YENİLEME\" olmalı");
        var kind = Kind(form.CertificateKind);
        check.Require(kind is not null, prefix + "certificate_kind", "must be \"NES\"", "\"NES\" olmalı");
        if (Printable(check, prefix, FormFields.Email, form.Email))
            check.Require(form.Email.Length == 0 || form.Email.Contains('@'), prefix + "email", "not an e-mail address", "geçerli bir e-posta adresi değil");
        Printable(check, prefix, FormFields.Phone, form.Phone);
        Printable(check, prefix, FormFields.DeliveryAddress, form.DeliveryAddress);
        Printable(check, prefix, FormFields.Institution, form.Institution);
        check.ThrowIfInvalid();
        return new FormFacts(tenant!, tckn, new PersonName(form.GivenNames, form.Surname), category!.Value, reason!.Value, kind!.Value);
    }

    /// <summary>
    /// A field as the printed form needs it (Signing.Forms' rules, which the renderer applies too): whatever is accepted
    /// here can be printed, so a wet submission never fails after it is stored.
    /// </summary>
    private static bool Printable(RequestCheck check, string prefix, FormField field, string value)
    {
        var problem = field.Check(value);
        check.Require(problem is null, prefix + field.Name, problem?.Description ?? "", problem?.DescriptionTr ?? "");
        return problem is null;
    }

    public static Domain.SubmitRenewal Submit(FormFacts facts, ApplicationForm form, string requestId, CertificateFacts current,
        Confirmation confirmation, DateTimeOffset now) => new(
        Guid.Empty, requestId, facts.Tenant, new Applicant(facts.Tckn, facts.Name, facts.Category),
        new Contact(form.Email, form.Phone), form.DeliveryAddress, current, confirmation, now,
        facts.Reason, facts.Kind, form.TermYears, Institution: form.Institution);

    private static ApplicationReason? Reason(string text) => Normal(text) switch
    {
        "YENİLEME" or "YENILEME" => ApplicationReason.Yenileme,
        "İLK BAŞVURU" or "ILK BASVURU" => ApplicationReason.IlkBasvuru,
        "KAYIP/ÇALINTI" or "KAYIP" or "ÇALINTI" => ApplicationReason.KayipCalinti,
        _ => null,
    };

    private static CertificateKind? Kind(string text) => Normal(text) switch
    {
        "NES" => CertificateKind.Nes,
        "MALİ MÜHÜR" or "MALI MUHUR" => CertificateKind.MaliMuhur,
        _ => null,
    };

    private static string Normal(string text) => text.Trim().ToUpper(Tr);
}
