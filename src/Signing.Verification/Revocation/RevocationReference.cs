namespace Signing.Verification;

/// <summary>
/// Revocation data a verdict rested on, as a report names it: kind ("crl" or "ocsp"), SHA-256 of the exact DER, issuer
/// (the responder for OCSP), CRL number (decimal; none for OCSP) and thisUpdate (producedAt for OCSP).
/// </summary>
public sealed record RevocationReference(string Kind, string Sha256, string Issuer, string? Number, DateTimeOffset? ThisUpdate)
{
    public const string CrlKind = "crl";
    public const string OcspKind = "ocsp";
}
