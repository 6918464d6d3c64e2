using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Verification;

/// <summary>
/// An e-Onay confirmation: the state's e-government identity service (here: the configured e-Onay issuer)
/// states that the person with this TCKN confirmed this application (id and/or form hash) at this time.
/// Carried as UTF-8 JSON inside a CAdES-BES SignedData signed by the e-Onay issuer key.
/// </summary>
public sealed record EOnayConfirmation
{
    public const string DocumentType = "e-onay-confirmation";

    public string Type { get; init; } = DocumentType;
    public int Version { get; init; } = 1;
    public required string Tckn { get; init; }
    public string? ApplicationId { get; init; }
    /// <summary>SHA-256 of the application form, lower-case hex.</summary>
    public string? FormSha256 { get; init; }
    public required DateTimeOffset ConfirmedAt { get; init; }
    /// <summary>A unique value; callers store it to refuse a replayed confirmation.</summary>
    public required string Nonce { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static EOnayConfirmation? TryParse(byte[] utf8Json)
    {
        try
        {
            return JsonSerializer.Deserialize<EOnayConfirmation>(utf8Json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The verdict on an e-Onay confirmation, with the confirmation when it could be read.</summary>
public sealed record EOnayResult(Verdict Verdict, EOnayConfirmation? Confirmation)
{
    public bool Passed => Verdict.Passed;
}

/// <summary>
/// Verifies e-Onay confirmations: CAdES signature and chain (RFC 5280 profile, not NES), signer pinned to a
/// configured e-Onay issuer, binding to the expected TCKN and form hash / application id, and freshness.
/// Thread-safe; never throws for bad input.
/// </summary>
public sealed class EOnayVerifier(TrustConfiguration trust, IRevocationSource? revocationSource = null)
{
    private readonly CmsVerifier cms = new(trust, revocationSource);

    public EOnayResult Verify(byte[] confirmation, string expectedTckn, string? expectedFormSha256, DateTimeOffset now,
        string? expectedApplicationId = null)
    {
        var verdict = cms.Verify(confirmation, null, new VerificationOptions { Profile = ValidationProfile.None, At = now }, out var content);
        if (!verdict.Passed)
            return new EOnayResult(verdict, null);
        var checks = verdict.Checks.ToList();
        EOnayResult Fail(SubIndication sub, string check, string reason, EOnayConfirmation? doc = null)
        {
            checks.Add(new Check(check, CheckResult.Failed, reason));
            return new EOnayResult(verdict with { Indication = Indication.TotalFailed, SubIndication = sub, Reason = reason, Checks = checks }, doc);
        }

        if (trust.EOnayIssuers.All(c => c.Sha256 != verdict.Signer!.CertificateSha256))
            return Fail(SubIndication.SigConstraintsFailure, "eonay.issuer", "signed by a certificate that is not a configured e-Onay issuer");
        checks.Add(new Check("eonay.issuer", CheckResult.Passed));

        var doc = EOnayConfirmation.TryParse(content!);
        if (doc is null || doc.Type != EOnayConfirmation.DocumentType || doc.Version != 1 || string.IsNullOrEmpty(doc.Nonce))
            return Fail(SubIndication.FormatFailure, "eonay.document", "the signed content is not an e-Onay confirmation (v1)");
        checks.Add(new Check("eonay.document", CheckResult.Passed));

        if (doc.Tckn != expectedTckn)
            return Fail(SubIndication.SigConstraintsFailure, "eonay.tckn", $"the confirmation is for another person (TCKN {doc.Tckn})", doc);
        checks.Add(new Check("eonay.tckn", CheckResult.Passed));

        if (expectedFormSha256 is null && expectedApplicationId is null)
            return Fail(SubIndication.SigConstraintsFailure, "eonay.binding", "no form hash or application id to bind the confirmation to", doc);
        if (expectedFormSha256 is not null && !string.Equals(doc.FormSha256, expectedFormSha256, StringComparison.OrdinalIgnoreCase))
            return Fail(SubIndication.SigConstraintsFailure, "eonay.binding", "the confirmation is for a different form (SHA-256 differs)", doc);
        if (expectedApplicationId is not null && doc.ApplicationId != expectedApplicationId)
            return Fail(SubIndication.SigConstraintsFailure, "eonay.binding", "the confirmation is for a different application", doc);
        checks.Add(new Check("eonay.binding", CheckResult.Passed));

        if (doc.ConfirmedAt > now + trust.SigningTimeSkew)
            return Fail(SubIndication.SigConstraintsFailure, "eonay.freshness", $"confirmation time {doc.ConfirmedAt:u} is in the future", doc);
        if (now - doc.ConfirmedAt > trust.EOnayMaxAge)
            return Fail(SubIndication.SigConstraintsFailure, "eonay.freshness", $"the confirmation of {doc.ConfirmedAt:u} is older than {trust.EOnayMaxAge.TotalHours:0} hours", doc);
        checks.Add(new Check("eonay.freshness", CheckResult.Passed));

        return new EOnayResult(verdict with { Checks = checks, Holder = null }, doc);
    }
}
