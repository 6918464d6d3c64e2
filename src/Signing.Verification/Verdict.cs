using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Verification;

/// <summary>ETSI EN 319 102-1 main indication.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Indication>))]
public enum Indication
{
    [JsonStringEnumMemberName("TOTAL_PASSED")] TotalPassed,
    [JsonStringEnumMemberName("TOTAL_FAILED")] TotalFailed,
    [JsonStringEnumMemberName("INDETERMINATE")] Indeterminate,
}

/// <summary>ETSI EN 319 102-1 sub-indication (the subset this engine can produce).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubIndication>))]
public enum SubIndication
{
    [JsonStringEnumMemberName("NONE")] None,
    [JsonStringEnumMemberName("FORMAT_FAILURE")] FormatFailure,
    [JsonStringEnumMemberName("HASH_FAILURE")] HashFailure,
    [JsonStringEnumMemberName("SIG_CRYPTO_FAILURE")] SigCryptoFailure,
    [JsonStringEnumMemberName("REVOKED")] Revoked,
    [JsonStringEnumMemberName("EXPIRED")] Expired,
    [JsonStringEnumMemberName("NOT_YET_VALID")] NotYetValid,
    [JsonStringEnumMemberName("NO_SIGNING_CERTIFICATE_FOUND")] NoSigningCertificateFound,
    [JsonStringEnumMemberName("NO_CERTIFICATE_CHAIN_FOUND")] NoCertificateChainFound,
    [JsonStringEnumMemberName("CHAIN_CONSTRAINTS_FAILURE")] ChainConstraintsFailure,
    [JsonStringEnumMemberName("CERTIFICATE_CHAIN_GENERAL_FAILURE")] CertificateChainGeneralFailure,
    [JsonStringEnumMemberName("SIG_CONSTRAINTS_FAILURE")] SigConstraintsFailure,
    [JsonStringEnumMemberName("CRYPTO_CONSTRAINTS_FAILURE")] CryptoConstraintsFailure,
    [JsonStringEnumMemberName("SIGNED_DATA_NOT_FOUND")] SignedDataNotFound,
    [JsonStringEnumMemberName("TRY_LATER")] TryLater,
}

/// <summary>The holder-facing status of a certificate (what a clinician is told about their NES).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HolderStatus>))]
public enum HolderStatus
{
    [JsonStringEnumMemberName("VALID")] Valid,
    [JsonStringEnumMemberName("EXPIRING")] Expiring,
    [JsonStringEnumMemberName("EXPIRED")] Expired,
    [JsonStringEnumMemberName("NOT_YET_VALID")] NotYetValid,
    [JsonStringEnumMemberName("REVOKED")] Revoked,
    [JsonStringEnumMemberName("UNTRUSTED")] Untrusted,
    [JsonStringEnumMemberName("NOT_QUALIFIED")] NotQualified,
    [JsonStringEnumMemberName("WRONG_HOLDER")] WrongHolder,
}

[JsonConverter(typeof(JsonStringEnumConverter<CheckResult>))]
public enum CheckResult
{
    [JsonStringEnumMemberName("PASSED")] Passed,
    [JsonStringEnumMemberName("FAILED")] Failed,
    [JsonStringEnumMemberName("WARNING")] Warning,
    [JsonStringEnumMemberName("SKIPPED")] Skipped,
    /// <summary>Passed, with something the policy asks to be told (an INFORM-level constraint not met).</summary>
    [JsonStringEnumMemberName("INFORMATION")] Information,
}

/// <summary>One check the engine performed, e.g. ("cms.message-digest", PASSED).</summary>
public sealed record Check(string Name, CheckResult Result, string? Detail = null);

/// <summary>Who signed (or whose certificate was checked).</summary>
public sealed record SignerIdentity(
    string Subject,
    string? CommonName,
    string? Tckn,
    string Issuer,
    string SerialNumberHex,
    string CertificateSha256,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter);

/// <summary>The holder status with the facts a person needs: when it ends and how many days are left.</summary>
public sealed record HolderStatusReport(HolderStatus Status, DateTimeOffset NotAfter, int DaysLeft, string? Reason = null);

/// <summary>The validation policy that produced a verdict: its id (profile name) and the SHA-256 of its inputs.</summary>
public sealed record PolicyReference(string Id, string Sha256);

/// <summary>
/// The engine's answer. Never thrown: every bad input becomes a verdict. Passed is true only for TOTAL_PASSED.
/// </summary>
public sealed record Verdict
{
    public required Indication Indication { get; init; }
    public required SubIndication SubIndication { get; init; }
    /// <summary>One human sentence on why (the first failing check), or null when passed.</summary>
    public string? Reason { get; init; }
    public required IReadOnlyList<Check> Checks { get; init; }
    public SignerIdentity? Signer { get; init; }
    public HolderStatusReport? Holder { get; init; }
    public required PolicyReference Policy { get; init; }
    public required DateTimeOffset ValidationTime { get; init; }
    /// <summary>The claimed signing time (CMS signingTime attribute), when there is one.</summary>
    public DateTimeOffset? SigningTime { get; init; }
    /// <summary>
    /// CAdES-T: the time a verified signature timestamp proves the signature existed at; the signer certificate was judged
    /// at it (with revocation data current at the validation time).
    /// </summary>
    public DateTimeOffset? SignatureTimestampTime { get; init; }
    /// <summary>The signature policy the CMS names (id-aa-ets-sigPolicyId) and its BTK profile, when it names one.</summary>
    public SignaturePolicyReport? SignaturePolicy { get; init; }
    /// <summary>SHA-256 of each certificate of the validated path, target first, trust anchor last.</summary>
    public IReadOnlyList<string> Chain { get; init; } = [];
    /// <summary>The certificates of <see cref="Chain"/> themselves, for a caller that fetches their revocation data.</summary>
    [JsonIgnore]
    public IReadOnlyList<ParsedCertificate> PathCertificates { get; init; } = [];
    /// <summary>The revocation data (CRLs, OCSP responses) the judgement of the path rested on; empty when none was used.</summary>
    public IReadOnlyList<RevocationReference> Revocation { get; init; } = [];
    /// <summary>The data of <see cref="Revocation"/> itself (CRLs and OCSP responses, their exact DER), in the same order, for a caller that keeps the record.</summary>
    [JsonIgnore]
    public IReadOnlyList<IRevocationEvidence> RevocationData { get; init; } = [];
    /// <summary>
    /// CMS only: hex SHA-256 of the DER signed attributes (the bytes the signature covers), once the signature verified.
    /// Identifies one act of signing whatever the CMS's outer encoding or a re-randomised ECDSA value.
    /// </summary>
    [JsonIgnore]
    public string? SignedAttributesSha256 { get; init; }

    [JsonIgnore]
    public bool Passed => Indication == Indication.TotalPassed;

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static readonly JsonSerializerOptions ReportOptions = new(JsonOptions) { WriteIndented = false };

    /// <summary>The validation report to keep: the same JSON as <see cref="ToJson"/>, compact, UTF-8.</summary>
    public byte[] ToReport() => JsonSerializer.SerializeToUtf8Bytes(this, ReportOptions);
}
