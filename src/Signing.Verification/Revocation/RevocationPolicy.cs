namespace Signing.Verification;

/// <summary>A revocation source the policy can ask.</summary>
public enum RevocationSourceKind
{
    Ocsp,
    Crl,
}

/// <summary>What missing revocation data for a certificate means (the levels of a DSS validation policy constraint).</summary>
public enum ConstraintLevel
{
    /// <summary>The check fails the path.</summary>
    Fail,
    /// <summary>The path passes; the verdict carries a WARNING check.</summary>
    Warn,
    /// <summary>The path passes; the verdict carries an INFORMATION check.</summary>
    Inform,
    /// <summary>The path passes silently.</summary>
    Ignore,
}

/// <summary>
/// The revocation part of the validation policy: the sources asked and their order, what missing data for a CA
/// certificate means, whether OCSP requests carry a nonce (the network client's business), the clock skew tolerated on
/// OCSP times, and whether a signer revoked after the time a signature timestamp proves still passes.
/// </summary>
public sealed record RevocationPolicy
{
    /// <summary>Sources in the order asked; a source not listed is never asked.</summary>
    public IReadOnlyList<RevocationSourceKind> Order { get; init; } = [RevocationSourceKind.Ocsp, RevocationSourceKind.Crl];
    /// <summary>No usable revocation data for a CA certificate of the path (the end-entity certificate always needs it).</summary>
    public ConstraintLevel CaCertificates { get; init; } = ConstraintLevel.Fail;
    /// <summary>Whether OCSP requests carry a nonce that the response must echo (checked by the client that sent it).</summary>
    public bool OcspNonce { get; init; } = true;
    /// <summary>Clock skew tolerated on an OCSP response's thisUpdate and nextUpdate.</summary>
    public TimeSpan OcspSkew { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>
    /// Whether a signer revoked after the time a signature timestamp proves passes (the signature existed before the
    /// revocation: BTK P4's conformance cases say it does). False judges revocation at the validation time.
    /// </summary>
    public bool AcceptRevokedAfterTimestamp { get; init; } = true;

    public static RevocationPolicy Default { get; } = new();

    private string? description;

    public RevocationPolicy()
    {
    }

    private RevocationPolicy(RevocationPolicy o)
    {
        Order = o.Order; CaCertificates = o.CaCertificates; OcspNonce = o.OcspNonce; OcspSkew = o.OcspSkew;
        AcceptRevokedAfterTimestamp = o.AcceptRevokedAfterTimestamp;
    }

    /// <summary>Canonical text (fingerprint, cache keys).</summary>
    internal string Describe() => description ??=
        $"order={string.Join(',', Order)};ca={CaCertificates};nonce={OcspNonce};skew={OcspSkew.Ticks};afterTs={AcceptRevokedAfterTimestamp}";

    /// <summary>The policy a file's <c>revocation</c> section describes; null is the default. Throws InvalidDataException on bad values.</summary>
    public static RevocationPolicy FromModel(TrustConfiguration.RevocationPolicyModel? model)
    {
        if (model is null)
            return Default;
        var order = Default.Order;
        if (model.Order is { } names)
        {
            if (names.Count == 0)
                throw new InvalidDataException("revocation.order: empty (list \"ocsp\" and/or \"crl\")");
            var list = new List<RevocationSourceKind>();
            foreach (var name in names)
            {
                var kind = (name ?? "").Trim().ToLowerInvariant() switch
                {
                    "ocsp" => RevocationSourceKind.Ocsp,
                    "crl" => RevocationSourceKind.Crl,
                    _ => throw new InvalidDataException($"revocation.order: '{name}' is not a revocation source (\"ocsp\" or \"crl\")"),
                };
                if (list.Contains(kind))
                    throw new InvalidDataException($"revocation.order: '{name}' is listed twice");
                list.Add(kind);
            }
            order = list;
        }
        var ca = model.CaCertificates is null ? ConstraintLevel.Fail : model.CaCertificates.Trim().ToLowerInvariant() switch
        {
            "fail" => ConstraintLevel.Fail,
            "warn" => ConstraintLevel.Warn,
            "inform" => ConstraintLevel.Inform,
            "ignore" => ConstraintLevel.Ignore,
            _ => throw new InvalidDataException($"revocation.caCertificates: '{model.CaCertificates}' is not one of fail, warn, inform, ignore"),
        };
        var skew = model.OcspSkewSeconds ?? 300;
        if (skew is < 0 or > 86_400)
            throw new InvalidDataException($"revocation.ocspSkewSeconds: {skew} is outside 0…86400");
        return new RevocationPolicy
        {
            Order = order,
            CaCertificates = ca,
            OcspNonce = model.OcspNonce ?? true,
            OcspSkew = TimeSpan.FromSeconds(skew),
            AcceptRevokedAfterTimestamp = model.AcceptRevokedAfterTimestamp ?? true,
        };
    }
}
