namespace Signing.Verification;

/// <summary>
/// Which signature algorithms and key sizes are acceptable. Separate presets for new signatures (strict)
/// and for legacy certificate chains (conformance suites signed with SHA-1 and RSA-1024 in 2011).
/// </summary>
public sealed record AlgorithmPolicy
{
    public int MinRsaBits { get; init; } = 2048;
    public bool AllowSha1 { get; init; }
    public bool AllowDsa { get; init; }
    /// <summary>Named curves accepted for ECDSA (OIDs).</summary>
    public IReadOnlySet<string> AllowedCurves { get; init; } = new HashSet<string>
    {
        "1.2.840.10045.3.1.7", // P-256
        "1.3.132.0.34",        // P-384
        "1.3.132.0.35",        // P-521
    };

    /// <summary>For new signatures and qualified certificates: RSA ≥ 2048, no SHA-1, no MD5, no DSA.</summary>
    public static AlgorithmPolicy Strict { get; } = new();

    /// <summary>For RFC 5280 conformance data: RSA ≥ 1024, SHA-1 and DSA accepted; MD2/MD5 still refused.</summary>
    public static AlgorithmPolicy Legacy { get; } = new() { MinRsaBits = 1024, AllowSha1 = true, AllowDsa = true };

    private string? description;

    public AlgorithmPolicy()
    {
    }

    /// <summary>Copy constructor of `with`: the cached description must not survive a change.</summary>
    private AlgorithmPolicy(AlgorithmPolicy original)
    {
        MinRsaBits = original.MinRsaBits;
        AllowSha1 = original.AllowSha1;
        AllowDsa = original.AllowDsa;
        AllowedCurves = original.AllowedCurves;
    }

    /// <summary>A canonical text of the policy (cache keys, policy hash); computed once per instance.</summary>
    internal string Describe() =>
        description ??= $"rsa>={MinRsaBits};sha1={AllowSha1};dsa={AllowDsa};curves={string.Join(',', AllowedCurves.Order())}";
}
