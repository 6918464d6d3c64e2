using System.Text.Json;

namespace Signing.Audit;

/// <summary>A revocation item an event names (design §4: kind "crl", the SHA-256 of the stored DER).</summary>
internal sealed record RevocationRef(string Kind, string Sha256);

/// <summary>
/// What the audit reads from the JSON of an event that carries evidence (a submission or a decision): the stored names
/// follow Marten's System.Text.Json settings, so properties are matched without regard to case.
/// </summary>
internal sealed record EventFacts
{
    public const string Submitted = "renewal_submitted", Approved = "approval_given", Rejected = "application_rejected";

    public required string Type { get; init; }
    public DateTimeOffset? At { get; init; }
    public bool HasEvidence { get; init; }
    public string? FormSha256 { get; init; }
    public string? CmsSha256 { get; init; }
    public string? EOnaySha256 { get; init; }
    public string? ReportSha256 { get; init; }
    public string? DocumentSha256 { get; init; }
    public IReadOnlyList<RevocationRef> Revocation { get; init; } = [];
    /// <summary>renewal_submitted: ESignature, EOnay or WetSignature.</summary>
    public string? Method { get; init; }
    public string? ApplicantTckn { get; init; }
    public string? OfficerTckn { get; init; }
    /// <summary>A decision's CMS as the event itself holds it.</summary>
    public byte[]? Signature { get; init; }
    /// <summary>Why the JSON could not be read, when it could not.</summary>
    public string? Unreadable { get; init; }

    /// <summary>Whether events of this type carry evidence at all.</summary>
    public static bool Carries(string type) => type is Submitted or Approved or Rejected;

    /// <summary>Every blob hash the event names (distinct).</summary>
    public IEnumerable<string> Hashes() =>
        new[] { FormSha256, CmsSha256, EOnaySha256, ReportSha256, DocumentSha256 }.OfType<string>()
            .Concat(Revocation.Select(r => r.Sha256)).Distinct(StringComparer.Ordinal);

    public static EventFacts Read(string type, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var evidence = Prop(root, "Evidence") is { ValueKind: JsonValueKind.Object } e ? e : (JsonElement?)null;
            return new EventFacts
            {
                Type = type,
                At = Prop(root, "At") is { ValueKind: JsonValueKind.String } at && at.TryGetDateTimeOffset(out var t) ? t : null,
                HasEvidence = evidence is not null,
                FormSha256 = Text(evidence, "FormSha256"),
                CmsSha256 = Text(evidence, "CmsSha256"),
                EOnaySha256 = Text(evidence, "EOnaySha256"),
                ReportSha256 = Text(evidence, "ReportSha256"),
                DocumentSha256 = Text(evidence, "DocumentSha256"),
                Revocation = evidence is { } ev && Prop(ev, "Revocation") is { ValueKind: JsonValueKind.Array } list
                    ? list.EnumerateArray().Select(r => new RevocationRef(Text(r, "Kind") ?? "", Text(r, "Sha256") ?? "")).ToList()
                    : [],
                Method = Text(root, "Method"),
                ApplicantTckn = Text(root, "ApplicantTckn"),
                OfficerTckn = Text(root, "OfficerTckn"),
                Signature = Prop(root, "Signature") is { ValueKind: JsonValueKind.String } s && s.TryGetBytesFromBase64(out var b) ? b : null,
            };
        }
        catch (JsonException ex)
        {
            return new EventFacts { Type = type, Unreadable = ex.Message };
        }
    }

    private static string? Text(JsonElement? element, string name) =>
        element is { } e && Prop(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static JsonElement? Prop(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return null;
        if (element.TryGetProperty(name, out var exact))
            return exact;
        foreach (var p in element.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                return p.Value;
        return null;
    }
}
