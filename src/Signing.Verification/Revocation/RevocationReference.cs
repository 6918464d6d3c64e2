namespace Signing.Verification;

/// <summary>
/// Revocation data a verdict rested on, as a report names it: kind ("crl"), SHA-256 of the exact DER, issuer, CRL number
/// (decimal) and thisUpdate.
/// </summary>
public sealed record RevocationReference(string Kind, string Sha256, string Issuer, string? Number, DateTimeOffset? ThisUpdate)
{
    public const string CrlKind = "crl";
}
