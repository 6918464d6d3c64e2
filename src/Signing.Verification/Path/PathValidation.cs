using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>How revocation is treated (RFC 5280 §6.3).</summary>
public enum RevocationMode
{
    /// <summary>Every certificate of the path needs usable, fresh revocation data; without it the path fails.</summary>
    Required,
    /// <summary>Available CRLs are checked and a "revoked" fails the path, but missing data does not.</summary>
    BestEffort,
    /// <summary>No revocation checking at all.</summary>
    Off,
}

/// <summary>Why a path failed. PKITS/limbo error classes map onto these.</summary>
public enum PathFailure
{
    None,
    /// <summary>A certificate breaks the RFC 5280 profile (see <see cref="ParsedCertificate.ProfileViolation"/>).</summary>
    Malformed,
    NoChain,
    Signature,
    Expired,
    NotYetValid,
    /// <summary>basicConstraints, path length, keyUsage, unknown critical extension, trust-anchor shape.</summary>
    Constraints,
    NameConstraints,
    Policy,
    Revoked,
    /// <summary>No usable revocation data (RFC 5280 status UNDETERMINED).</summary>
    NoRevocationInfo,
    /// <summary>The only revocation data is past its nextUpdate (plus grace).</summary>
    StaleRevocationInfo,
    WeakAlgorithm,
    UnsupportedAlgorithm,
    /// <summary>The issuer's OCSP responder does not know the certificate (status unknown): a definite refusal.</summary>
    UnknownToIssuer,
}

/// <summary>The inputs of RFC 5280 path validation, as `openssl verify` takes them.</summary>
public sealed record PathValidationRequest
{
    public required ParsedCertificate Target { get; init; }
    public IReadOnlyList<ParsedCertificate> TrustAnchors { get; init; } = [];
    public IReadOnlyList<ParsedCertificate> Intermediates { get; init; } = [];
    public IReadOnlyList<ParsedCrl> Crls { get; init; } = [];
    public required DateTimeOffset Time { get; init; }
    /// <summary>user-initial-policy-set; null means {anyPolicy}.</summary>
    public IReadOnlySet<string>? InitialPolicySet { get; init; }
    public bool InitialExplicitPolicy { get; init; }
    public bool InitialPolicyMappingInhibit { get; init; }
    public bool InitialAnyPolicyInhibit { get; init; }
    public RevocationMode Revocation { get; init; } = RevocationMode.Required;
    /// <summary>How long after nextUpdate a CRL is still accepted.</summary>
    public TimeSpan CrlGrace { get; init; } = TimeSpan.Zero;
    /// <summary>Algorithms accepted for the signatures on certificates and CRLs.</summary>
    public AlgorithmPolicy Algorithms { get; init; } = AlgorithmPolicy.Strict;
    /// <summary>False to judge the target's own validity period separately (holder status: expired but genuine).</summary>
    public bool CheckTargetValidity { get; init; } = true;
    /// <summary>
    /// Identifies the contents of anchors, intermediates and CRLs for the result cache (e.g. the trust
    /// configuration's hash plus the CMS's certificates). Null: no caching.
    /// </summary>
    public string? CacheScope { get; init; }
    /// <summary>Revocation data held in memory (OCSP responses, fetched CRLs); its CRLs replace <see cref="Crls"/>.</summary>
    public IRevocationSource? RevocationSource { get; init; }
    /// <summary>Sources and their order, CA-certificate level, OCSP skew.</summary>
    public RevocationPolicy RevocationPolicy { get; init; } = RevocationPolicy.Default;
    /// <summary>
    /// When set, the instant revocation data must be current at, while <see cref="Time"/> is the instant the path is
    /// judged at (a signature timestamp's time, judged with today's data). Cached only when both lie in the same minute.
    /// </summary>
    public DateTimeOffset? RevocationDataTime { get; init; }
}

/// <summary>The outcome of path validation: valid, or the first failure with its reason.</summary>
public sealed record PathValidationResult
{
    public required PathFailure Failure { get; init; }
    public string? Message { get; init; }
    /// <summary>The certificate the failure is about (null for "no chain").</summary>
    public ParsedCertificate? FailingCertificate { get; init; }
    /// <summary>Target first, trust anchor last (the path that validated, or the best failed attempt).</summary>
    public IReadOnlyList<ParsedCertificate> Path { get; init; } = [];
    /// <summary>The policies the path is valid for (leaves of the valid_policy_tree), empty when the tree is NULL.</summary>
    public IReadOnlyList<string> ValidPolicies { get; init; } = [];
    /// <summary>The CRLs (and delta CRLs) and OCSP responses whose answers the result rests on, for every certificate of <see cref="Path"/>.</summary>
    public IReadOnlyList<IRevocationEvidence> Revocation { get; init; } = [];
    /// <summary>CA certificates passed without usable revocation data, as the policy's WARN or INFORM level allows.</summary>
    public IReadOnlyList<string> RevocationNotes { get; init; } = [];
    /// <summary>The CRL entry when <see cref="Failure"/> is Revoked.</summary>
    public CrlEntry? RevocationEntry { get; init; }
    public bool IsValid => Failure == PathFailure.None;

    /// <summary>The PKITS manifest's error class for this outcome (null when valid).</summary>
    public string? ErrorClass => Failure switch
    {
        PathFailure.None => null,
        PathFailure.Revoked => "RevokedError",
        PathFailure.NoRevocationInfo => "InsufficientRevinfoError",
        PathFailure.StaleRevocationInfo => "StaleRevinfoError",
        _ => "PathValidationError",
    };

    internal static PathValidationResult Fail(PathFailure failure, string message, ParsedCertificate? cert = null,
        IReadOnlyList<ParsedCertificate>? path = null, CrlEntry? entry = null) =>
        new() { Failure = failure, Message = message, FailingCertificate = cert, Path = path ?? [], RevocationEntry = entry };
}
