namespace Signing.Verification;

/// <summary>Which certificate profile a verification applies on top of RFC 5280.</summary>
public enum ValidationProfile
{
    /// <summary>RFC 5280 only.</summary>
    None,
    /// <summary>Turkish qualified NES (Kamu SM and the other providers): see <see cref="QualifiedProfile"/>.</summary>
    KamuSmNes,
}

/// <summary>Per-call options of <see cref="CertificateValidator"/> and <see cref="CmsVerifier"/>.</summary>
public sealed record VerificationOptions
{
    public ValidationProfile Profile { get; init; } = ValidationProfile.KamuSmNes;
    /// <summary>Validation time; null = now.</summary>
    public DateTimeOffset? At { get; init; }
    /// <summary>When set, the certificate must belong to this TCKN (else WRONG_HOLDER).</summary>
    public string? ExpectedTckn { get; init; }
    /// <summary>Null: Required when the configuration requires revocation, else BestEffort.</summary>
    public RevocationMode? Revocation { get; init; }
    /// <summary>RFC 5280 user-initial-policy-set (null = anyPolicy).</summary>
    public IReadOnlySet<string>? InitialPolicySet { get; init; }
    public bool ExplicitPolicy { get; init; }
    public bool InhibitPolicyMapping { get; init; }
    public bool InhibitAnyPolicy { get; init; }
    /// <summary>Algorithms for certificate and CRL signatures.</summary>
    public AlgorithmPolicy CertificateAlgorithms { get; init; } = AlgorithmPolicy.Strict;
    /// <summary>Algorithms for the CMS signature itself (new signatures: no SHA-1, RSA ≥ 2048).</summary>
    public AlgorithmPolicy SignatureAlgorithms { get; init; } = AlgorithmPolicy.Strict;
    /// <summary>Extra certificates that may complete the path (e.g. from the CMS).</summary>
    public IReadOnlyList<ParsedCertificate> ExtraCertificates { get; init; } = [];

    public static VerificationOptions Default { get; } = new();

    private string? description;

    public VerificationOptions()
    {
    }

    /// <summary>Copy constructor of `with`: the cached description must not survive a change.</summary>
    private VerificationOptions(VerificationOptions o)
    {
        Profile = o.Profile; At = o.At; ExpectedTckn = o.ExpectedTckn; Revocation = o.Revocation;
        InitialPolicySet = o.InitialPolicySet; ExplicitPolicy = o.ExplicitPolicy; InhibitPolicyMapping = o.InhibitPolicyMapping;
        InhibitAnyPolicy = o.InhibitAnyPolicy; CertificateAlgorithms = o.CertificateAlgorithms;
        SignatureAlgorithms = o.SignatureAlgorithms; ExtraCertificates = o.ExtraCertificates;
    }

    /// <summary>The options that shape the validation policy, as canonical text (not the time, TCKN or extra certificates).</summary>
    internal string Describe() => description ??=
        $"{Profile};{Revocation};{(InitialPolicySet is null ? "any" : string.Join(',', InitialPolicySet.Order()))};" +
        $"{ExplicitPolicy};{InhibitPolicyMapping};{InhibitAnyPolicy};{CertificateAlgorithms.Describe()};{SignatureAlgorithms.Describe()}";
}
