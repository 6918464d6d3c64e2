using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Signing.Verification;

/// <summary>
/// What the engine trusts: anchors, known intermediates, CRLs, qualified-policy OIDs, e-Onay issuers and the
/// tolerances. Loaded from a JSON file so production trusts the real Kamu SM roots and tests the hsm-sim ones.
/// Immutable; <see cref="Fingerprint"/> identifies its content (policy hash of verdicts, cache scope).
/// </summary>
public sealed class TrustConfiguration
{
    /// <summary>Kamu SM's NES certificate-policy arc; a certificate policy equal to or under an arc qualifies.</summary>
    public const string KamuSmNesPolicyArc = "2.16.792.1.2.1.1.5.7.1.1";

    public string Name { get; init; } = "custom";
    public IReadOnlyList<ParsedCertificate> TrustAnchors { get; init; } = [];
    public IReadOnlyList<ParsedCertificate> Intermediates { get; init; } = [];
    public IReadOnlyList<ParsedCrl> Crls { get; init; } = [];
    /// <summary>Certificate-policy OIDs (or arcs) of qualified NES certificates.</summary>
    public IReadOnlyList<string> QualifiedPolicyOids { get; init; } = [KamuSmNesPolicyArc];
    /// <summary>Certificates whose holders may sign e-Onay confirmations (pinned by SHA-256, and chain-validated).</summary>
    public IReadOnlyList<ParsedCertificate> EOnayIssuers { get; init; } = [];
    /// <summary>
    /// SHA-256 (hex; colons and case as `openssl x509 -fingerprint -sha256` prints them are fine) of the directorate's
    /// receipt certificates. A receipt batch signed by any other certificate is not a receipt, however it chains.
    /// </summary>
    public IReadOnlyList<string> ReceiptSigners { get; init; } = [];
    /// <summary>A certificate with this many days left or fewer is EXPIRING (Kamu SM warns 3 months ahead).</summary>
    public int ExpiringWithinDays { get; init; } = 90;
    public TimeSpan CrlGrace { get; init; } = TimeSpan.Zero;
    public bool RequireRevocation { get; init; } = true;
    /// <summary>How far a claimed signing time may lie in the future (clock skew).</summary>
    public TimeSpan SigningTimeSkew { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How old an e-Onay confirmation may be.</summary>
    public TimeSpan EOnayMaxAge { get; init; } = TimeSpan.FromDays(3);
    /// <summary>The revocation part of the validation policy (sources and order, CA level, OCSP skew).</summary>
    public RevocationPolicy Revocation { get; init; } = RevocationPolicy.Default;
    /// <summary>Timestamp authorities whose tokens are accepted; empty accepts any TSA that chains to an anchor.</summary>
    public IReadOnlyList<ParsedCertificate> TimestampAuthorities { get; init; } = [];
    /// <summary>
    /// How long before the time a signature timestamp proves the claimed signingTime may lie (the signer's card signs,
    /// then the timestamp is fetched); an earlier claim is refused.
    /// </summary>
    public TimeSpan SignatureTimestampDelay { get; init; } = TimeSpan.FromMinutes(5);

    private string? fingerprint;

    /// <summary>SHA-256 over every input (certificates, CRLs, OIDs, tolerances), hex.</summary>
    public string Fingerprint => fingerprint ??= ComputeFingerprint();

    private string ComputeFingerprint()
    {
        var sb = new StringBuilder();
        sb.Append("anchors:").AppendJoin(',', TrustAnchors.Select(c => c.Sha256)).Append(';');
        sb.Append("intermediates:").AppendJoin(',', Intermediates.Select(c => c.Sha256)).Append(';');
        sb.Append("crls:").AppendJoin(',', Crls.Select(c => c.Sha256)).Append(';');
        sb.Append("policies:").AppendJoin(',', QualifiedPolicyOids).Append(';');
        sb.Append("eonay:").AppendJoin(',', EOnayIssuers.Select(c => c.Sha256)).Append(';');
        sb.Append("receipts:").AppendJoin(',', ReceiptSigners.Select(NormalizeSha256)).Append(';');
        sb.Append($"expiring:{ExpiringWithinDays};grace:{CrlGrace.Ticks};revocation:{RequireRevocation};skew:{SigningTimeSkew.Ticks};eonayAge:{EOnayMaxAge.Ticks};");
        sb.Append("revocationPolicy:").Append(Revocation.Describe()).Append(';');
        sb.Append("tsa:").AppendJoin(',', TimestampAuthorities.Select(c => c.Sha256)).Append(';');
        sb.Append($"tsDelay:{SignatureTimestampDelay.Ticks}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>The same configuration with other CRLs (e.g. freshly downloaded ones).</summary>
    public TrustConfiguration WithCrls(IEnumerable<ParsedCrl> crls) => With(crls.ToList(), ReceiptSigners);

    /// <summary>The same configuration under another revocation policy.</summary>
    public TrustConfiguration WithRevocationPolicy(RevocationPolicy policy) => With(Crls, ReceiptSigners, policy, TimestampAuthorities);

    /// <summary>The same configuration accepting only these timestamp authorities (empty: any that chains to an anchor).</summary>
    public TrustConfiguration WithTimestampAuthorities(IEnumerable<ParsedCertificate> authorities) =>
        With(Crls, ReceiptSigners, Revocation, authorities.ToList());

    /// <summary>The same configuration pinning other receipt certificates (SHA-256 of each).</summary>
    public TrustConfiguration WithReceiptSigners(IEnumerable<string> sha256) => With(Crls, sha256.ToList());

    private TrustConfiguration With(IReadOnlyList<ParsedCrl> crls, IReadOnlyList<string> receiptSigners) =>
        With(crls, receiptSigners, Revocation, TimestampAuthorities);

    private TrustConfiguration With(IReadOnlyList<ParsedCrl> crls, IReadOnlyList<string> receiptSigners, RevocationPolicy revocation,
        IReadOnlyList<ParsedCertificate> timestampAuthorities) => new()
    {
        Name = Name, TrustAnchors = TrustAnchors, Intermediates = Intermediates, Crls = crls,
        QualifiedPolicyOids = QualifiedPolicyOids, EOnayIssuers = EOnayIssuers, ReceiptSigners = receiptSigners,
        ExpiringWithinDays = ExpiringWithinDays, CrlGrace = CrlGrace, RequireRevocation = RequireRevocation,
        SigningTimeSkew = SigningTimeSkew, EOnayMaxAge = EOnayMaxAge, Revocation = revocation,
        TimestampAuthorities = timestampAuthorities, SignatureTimestampDelay = SignatureTimestampDelay,
    };

    /// <summary>Whether <paramref name="fingerprint"/> is a SHA-256 in a form <see cref="NormalizeSha256"/> accepts.</summary>
    public static bool IsSha256(string fingerprint) => NormalizeSha256(fingerprint) is { Length: 64 } hex && hex.All(Uri.IsHexDigit);

    /// <summary>A SHA-256 fingerprint as compared: lower-case hex without colons or spaces.</summary>
    public static string NormalizeSha256(string fingerprint) =>
        string.Concat(fingerprint.Where(c => c is not (':' or ' '))).Trim().ToLowerInvariant();

    /// <summary>The JSON shape of a trust configuration file. Paths are relative to the file.</summary>
    public sealed record FileModel
    {
        public string? Name { get; init; }
        public List<string> TrustAnchors { get; init; } = [];
        public List<string> Intermediates { get; init; } = [];
        public List<string> Crls { get; init; } = [];
        public List<string>? QualifiedPolicyOids { get; init; }
        public List<string> EOnayIssuers { get; init; } = [];
        /// <summary>SHA-256 of each receipt certificate of the directorate (see <see cref="TrustConfiguration.ReceiptSigners"/>).</summary>
        public List<string> ReceiptSigners { get; init; } = [];
        public int? ExpiringWithinDays { get; init; }
        public int? CrlGraceMinutes { get; init; }
        public bool? RequireRevocation { get; init; }
        public int? SigningTimeSkewMinutes { get; init; }
        public int? EOnayMaxAgeHours { get; init; }
        /// <summary>The revocation part of the validation policy; null = OCSP first, CRL fallback, CA certificates FAIL.</summary>
        public RevocationPolicyModel? Revocation { get; init; }
        /// <summary>Certificates of timestamp authorities whose tokens are accepted (files; each must also chain to an anchor).</summary>
        public List<string> TimestampAuthorities { get; init; } = [];
        /// <summary>Minutes the claimed signingTime may lie before a signature timestamp's time (default 5).</summary>
        public int? SignatureTimestampDelayMinutes { get; init; }
    }

    /// <summary>The JSON shape of the revocation policy (see <see cref="FileModel.Revocation"/>).</summary>
    public sealed record RevocationPolicyModel
    {
        /// <summary>Sources in the order asked: "ocsp", "crl" (default both, OCSP first).</summary>
        public List<string>? Order { get; init; }
        /// <summary>What missing revocation data for a CA certificate means: "fail", "warn", "inform" or "ignore" (default "fail").</summary>
        public string? CaCertificates { get; init; }
        /// <summary>Whether OCSP requests carry a nonce and a response must echo it (default true).</summary>
        public bool? OcspNonce { get; init; }
        /// <summary>Clock skew tolerated on OCSP thisUpdate/nextUpdate, in seconds (default 300).</summary>
        public int? OcspSkewSeconds { get; init; }
        /// <summary>Whether a signer revoked after the time a signature timestamp proves passes (default true).</summary>
        public bool? AcceptRevokedAfterTimestamp { get; init; }
    }

    private static readonly JsonSerializerOptions FileJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    /// <summary>Loads a trust configuration file (JSON, see <see cref="FileModel"/>). Throws on a bad file: configuration errors are fatal.</summary>
    public static TrustConfiguration Load(string path)
    {
        var model = JsonSerializer.Deserialize<FileModel>(File.ReadAllText(path), FileJson)
                    ?? throw new InvalidDataException($"{path} is empty");
        return FromModel(model, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static TrustConfiguration FromModel(FileModel model, string baseDirectory)
    {
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(baseDirectory, p);
        IReadOnlyList<ParsedCertificate> Certs(IEnumerable<string> paths) =>
            paths.SelectMany(p => ParsedCertificate.FromFile(Resolve(p))).ToList();
        return new TrustConfiguration
        {
            Name = model.Name ?? "custom",
            TrustAnchors = Certs(model.TrustAnchors),
            Intermediates = Certs(model.Intermediates),
            Crls = model.Crls.Select(p => ParsedCrl.FromFile(Resolve(p))).ToList(),
            QualifiedPolicyOids = model.QualifiedPolicyOids ?? [KamuSmNesPolicyArc],
            EOnayIssuers = Certs(model.EOnayIssuers),
            ReceiptSigners = model.ReceiptSigners.Select(p => IsSha256(p) ? p
                : throw new InvalidDataException($"receiptSigners: '{p}' is not a SHA-256 fingerprint (64 hex digits)")).ToList(),
            ExpiringWithinDays = model.ExpiringWithinDays ?? 90,
            CrlGrace = TimeSpan.FromMinutes(model.CrlGraceMinutes ?? 0),
            RequireRevocation = model.RequireRevocation ?? true,
            SigningTimeSkew = TimeSpan.FromMinutes(model.SigningTimeSkewMinutes ?? 5),
            EOnayMaxAge = TimeSpan.FromHours(model.EOnayMaxAgeHours ?? 72),
            Revocation = RevocationPolicy.FromModel(model.Revocation),
            TimestampAuthorities = Certs(model.TimestampAuthorities),
            SignatureTimestampDelay = model.SignatureTimestampDelayMinutes is { } delay
                ? delay >= 0 ? TimeSpan.FromMinutes(delay) : throw new InvalidDataException($"signatureTimestampDelayMinutes: {delay} is negative")
                : TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>Writes a configuration file model (the file <see cref="Load"/> reads).</summary>
    public static string Serialize(FileModel model) => JsonSerializer.Serialize(model, FileJson);
}
