using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Signing.Domain;
using V1 = Signing.Contracts.V1;

namespace Signing.Server.Mapping;

/// <summary>
/// A stored validation report (the verdict's compact JSON, see Signing.Verification.Verdict.ToReport) read back for a
/// person: the summary and every check the engine recorded, in English and Turkish. Read as JSON rather than into the
/// engine's types, so a report written by an older engine still reads.
/// </summary>
public static class VerdictWords
{
    private static readonly CultureInfo Tr = CultureInfo.GetCultureInfo("tr-TR");
    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-GB");

    // What each check of the engine establishes when it passes, and what it means when it does not.
    private static readonly (string Prefix, string En, string Tr, string FailEn, string FailTr)[] Words =
    [
        ("cms.structure", "The signature is a well-formed CMS SignedData", "İmza biçimi geçerli (CMS SignedData)", "The signature is not a well-formed CMS SignedData", "İmza biçimi geçersiz"),
        ("cms.single-signer", "The signature has exactly one signer", "İmzada tek bir imzacı var", "The signature does not have exactly one signer", "İmzada tek bir imzacı yok"),
        ("cms.content", "The signed content is present", "İmzalanan içerik mevcut", "The signed content is missing", "İmzalanan içerik bulunamadı"),
        ("cms.signer-certificate", "The signer's certificate is in the signature", "İmzacının sertifikası imzada bulundu", "The signer's certificate is not in the signature", "İmzacının sertifikası imzada bulunamadı"),
        ("cms.message-digest", "The signed content matches its digest", "İmzalanan içerik özetiyle uyuşuyor", "The signed content does not match its digest", "İmzalanan içerik özetiyle uyuşmuyor"),
        ("cades.message-digest", "The signed content matches its digest", "İmzalanan içerik özetiyle uyuşuyor", "The signed content does not match its digest", "İmzalanan içerik özetiyle uyuşmuyor"),
        ("cms.signature", "The signature is mathematically verified", "İmza matematiksel olarak doğrulandı", "The signature does not verify mathematically", "İmza matematiksel olarak doğrulanamadı"),
        ("crypto.algorithms", "The algorithms and key size are acceptable", "Algoritmalar ve anahtar uzunluğu kabul edilebilir", "The algorithms or key size are not acceptable", "Algoritmalar ya da anahtar uzunluğu kabul edilemez"),
        ("cades.signed-attributes", "The signed attributes are present and well-formed", "İmzalı öznitelikler mevcut ve geçerli", "The signed attributes are missing or malformed", "İmzalı öznitelikler eksik ya da hatalı"),
        ("cades.content-type", "The content type is bound by the signature", "İçerik türü imzaya bağlı", "The content type does not match the signed one", "İçerik türü imzalananla uyuşmuyor"),
        ("cades.signing-certificate", "The signing certificate is bound by the signature (signing-certificate-v2)", "İmzalayan sertifika imzaya bağlı (signing-certificate-v2)", "The signing certificate is not bound by the signature", "İmzalayan sertifika imzaya bağlı değil"),
        ("cades.signing-time", "The claimed signing time is plausible", "Beyan edilen imza zamanı makul", "The claimed signing time is not plausible", "Beyan edilen imza zamanı makul değil"),
        ("cades.signature-timestamp", "The signature timestamp is valid", "İmza zaman damgası geçerli", "The signature timestamp is not valid", "İmza zaman damgası geçersiz"),
        ("timestamp", "The timestamp is valid", "Zaman damgası geçerli", "The timestamp is not valid", "Zaman damgası geçersiz"),
        ("signing-time", "The certificate was valid at the signing time", "Sertifika imza zamanında geçerliydi", "The certificate was not valid at the signing time", "Sertifika imza zamanında geçerli değildi"),
        ("btk.signature-policy", "The signature policy meets the BTK profile", "İmza politikası BTK profiline uygun", "The signature policy does not meet the BTK profile", "İmza politikası BTK profiline uygun değil"),
        ("btk.revocation", "The revocation data meets the BTK profile", "İptal bilgisi BTK profiline uygun", "The revocation data does not meet the BTK profile", "İptal bilgisi BTK profiline uygun değil"),
        ("x509.path", "The certificate chain reaches a trusted root certificate", "Sertifika zinciri güvenilir kök sertifikaya ulaşıyor", "The certificate chain does not reach a trusted root certificate", "Sertifika zinciri güvenilir kök sertifikaya ulaşmıyor"),
        ("x509.validity", "The certificate is within its validity period", "Sertifika geçerlilik süresi içinde", "The certificate is outside its validity period", "Sertifika geçerlilik süresi dışında"),
        ("x509.revocation.ca-certificates", "The issuing CA certificates are not revoked", "Yayıncı kök ve ara sertifikalar iptal edilmemiş", "An issuing CA certificate is revoked or its status is unknown", "Yayıncı sertifikalardan biri iptal edilmiş ya da durumu bilinmiyor"),
        ("x509.revocation", "Revocation status: not revoked", "İptal durumu: iptal edilmemiş", "Revocation status: revoked or unknown", "İptal durumu: iptal edilmiş ya da bilinmiyor"),
        ("qualified.qc-compliance", "Qualified electronic certificate (QcCompliance)", "Nitelikli elektronik sertifika (QcCompliance)", "Not a qualified electronic certificate (QcCompliance missing)", "Nitelikli elektronik sertifika değil (QcCompliance yok)"),
        ("qualified.policy", "The certificate carries the qualified certificate policy", "Sertifika nitelikli sertifika politikasını taşıyor", "The certificate lacks the qualified certificate policy", "Sertifikada nitelikli sertifika politikası yok"),
        ("qualified.btk-statement", "The certificate carries BTK's qualified statement", "Sertifikada BTK nitelikli beyanı var", "The certificate lacks BTK's qualified statement", "Sertifikada BTK nitelikli beyanı yok"),
        ("qualified.user-notice", "The certificate carries the user notice", "Sertifikada kullanıcı bildirimi var", "The certificate lacks the user notice", "Sertifikada kullanıcı bildirimi yok"),
        ("qualified.non-repudiation", "The key is for non-repudiation (electronic signature)", "Anahtar inkâr edilemezlik (e-imza) için", "The key is not for non-repudiation", "Anahtar inkâr edilemezlik için değil"),
        ("qualified.tckn", "The certificate names a TCKN", "Sertifikada T.C. kimlik numarası var", "The certificate names no TCKN", "Sertifikada T.C. kimlik numarası yok"),
        ("holder.tckn", "The signer is the applicant (same TCKN)", "İmzacı başvuru sahibi (aynı T.C. kimlik no)", "The signer is not the applicant", "İmzacı başvuru sahibi değil"),
        ("certificate.parse", "The certificate is readable", "Sertifika okunabiliyor", "The certificate is not readable", "Sertifika okunamıyor"),
        ("eonay.document", "The e-Onay confirmation is readable", "e-Onay belgesi okunabiliyor", "The e-Onay confirmation is not readable", "e-Onay belgesi okunamıyor"),
        ("eonay.issuer", "The e-Onay confirmation is signed by the e-Onay issuer", "e-Onay belgesi e-Onay yayıncısınca imzalanmış", "The e-Onay confirmation is not signed by the e-Onay issuer", "e-Onay belgesi e-Onay yayıncısınca imzalanmamış"),
        ("eonay.tckn", "The e-Onay confirmation is for the applicant's TCKN", "e-Onay başvuru sahibinin T.C. kimlik numarası için", "The e-Onay confirmation is for another TCKN", "e-Onay başka bir T.C. kimlik numarası için"),
        ("eonay.binding", "The e-Onay confirmation refers to this form (SHA-256)", "e-Onay bu formu (SHA-256) onaylıyor", "The e-Onay confirmation refers to another form", "e-Onay başka bir formu onaylıyor"),
        ("eonay.freshness", "The e-Onay confirmation is recent", "e-Onay onayı güncel", "The e-Onay confirmation is too old or in the future", "e-Onay onayı güncel değil"),
    ];

    /// <summary>The report as the officer reads it, or null when the bytes are not a report.</summary>
    public static V1.StoredVerdict? Read(byte[] report)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(report);
        }
        catch (JsonException)
        {
            return null;
        }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            var summary = new V1.Verdict
            {
                Indication = Str(root, "indication") switch
                {
                    "TOTAL_PASSED" => V1.Indication.TotalPassed,
                    "TOTAL_FAILED" => V1.Indication.TotalFailed,
                    "INDETERMINATE" => V1.Indication.Indeterminate,
                    _ => V1.Indication.Unspecified,
                },
                SubIndication = Str(root, "subIndication") is { } sub && sub != "NONE" ? sub : "",
                PolicyId = root.TryGetProperty("policy", out var policy) ? Str(policy, "id") ?? "" : "",
            };
            if (Str(root, "reason") is { Length: > 0 } reason)
                summary.Reasons.Add(reason);
            if (root.TryGetProperty("signer", out var signer) && signer.ValueKind == JsonValueKind.Object)
            {
                summary.SignerName = Str(signer, "commonName") ?? Str(signer, "subject") ?? "";
                summary.SignerTcknMasked = Str(signer, "tckn") is { } tckn ? Tckn.Mask(tckn) : "";
                summary.SignerCertificateSha256 = Str(signer, "certificateSha256") ?? "";
                if (Time(signer, "notAfter") is { } notAfter)
                    summary.SignerNotAfter = Timestamp.FromDateTimeOffset(notAfter);
            }
            var stored = new V1.StoredVerdict { Summary = summary };
            if (Time(root, "validationTime") is { } at)
                stored.ValidatedAt = Timestamp.FromDateTimeOffset(at);
            var revocation = Revocation(root);
            var chainLength = root.TryGetProperty("chain", out var chain) && chain.ValueKind == JsonValueKind.Array ? chain.GetArrayLength() : 0;
            if (root.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Array)
                foreach (var check in checks.EnumerateArray())
                    stored.Checks.Add(Check(check, revocation, chainLength));
            return stored;
        }
    }

    private static V1.VerdictCheck Check(JsonElement check, (string Kind, DateTimeOffset? At)? revocation, int chainLength)
    {
        var name = Str(check, "name") ?? "";
        var result = Str(check, "result") switch
        {
            "PASSED" => V1.VerdictCheck.Types.Result.Passed,
            "FAILED" => V1.VerdictCheck.Types.Result.Failed,
            "WARNING" => V1.VerdictCheck.Types.Result.Warning,
            "SKIPPED" => V1.VerdictCheck.Types.Result.Skipped,
            "INFORMATION" => V1.VerdictCheck.Types.Result.Information,
            _ => V1.VerdictCheck.Types.Result.Unspecified,
        };
        var passed = result is V1.VerdictCheck.Types.Result.Passed or V1.VerdictCheck.Types.Result.Information;
        var detail = Str(check, "detail");
        var words = Words.FirstOrDefault(w => name == w.Prefix || name.StartsWith(w.Prefix + ".", StringComparison.Ordinal));
        string en, tr;
        if (words.Prefix is null)
            (en, tr) = (name, name);
        else if (result == V1.VerdictCheck.Types.Result.Skipped)
            (en, tr) = (words.En + ": not checked", words.Tr + ": denetlenmedi");
        else
            (en, tr) = passed ? (words.En, words.Tr) : (words.FailEn, words.FailTr);
        // The facts a person asks next: which revocation data, how long the chain.
        if (passed && words.Prefix == "x509.revocation" && revocation is { } r)
        {
            var kind = r.Kind.ToUpperInvariant();
            en += r.At is { } t ? $" ({kind}, {t.ToOffset(TurkeyTime.Offset).ToString("d MMMM yyyy HH:mm", En)})" : $" ({kind})";
            tr += r.At is { } u ? $" ({kind}, {u.ToOffset(TurkeyTime.Offset).ToString("d MMMM yyyy HH:mm", Tr)})" : $" ({kind})";
        }
        if (passed && words.Prefix == "x509.path" && chainLength > 0)
        {
            en += $" ({chainLength} certificates)";
            tr += $" ({chainLength} sertifika)";
        }
        if (!string.IsNullOrWhiteSpace(detail) && !passed)
            en += ": " + Tckn.MaskAll(detail);
        return new V1.VerdictCheck { Name = name, Result = result, Passed = passed, Text = en, TextTr = tr };
    }

    /// <summary>The revocation data the signer's certificate was judged on: the first item (the target's; the path's CAs follow).</summary>
    private static (string Kind, DateTimeOffset? At)? Revocation(JsonElement root)
    {
        if (!root.TryGetProperty("revocation", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            return null;
        var first = items[0];
        return (Str(first, "kind") ?? "", Time(first, "thisUpdate"));
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        Str(e, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;
}
