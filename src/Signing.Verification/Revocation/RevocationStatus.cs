namespace Signing.Verification;

/// <summary>
/// The revocation answer for one certificate of a path: good (every reason covered), revoked (<see cref="Entry"/>),
/// or neither, with whether the only data was stale and why nothing usable was found.
/// </summary>
internal sealed record RevocationOutcome(bool Good, bool Stale, CrlEntry? Entry, string? Detail);

/// <summary>
/// Revocation checking of one certificate of a path (RFC 5280 §6.1.3 (a)(3)): the place where the revocation sources
/// are asked in order. CRLs (<see cref="CrlRevocation"/>) are the one source; another (OCSP) is a sibling class asked here.
/// </summary>
internal static class RevocationStatus
{
    /// <param name="issuer">The certificate's issuer on the path, with <paramref name="issuerKey"/> (its key, DSA parameters inherited).</param>
    public static RevocationOutcome Check(PathValidationContext ctx, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, ParsedCertificate anchor, List<ParsedCertificate> chain) =>
        CrlRevocation.Check(ctx, cert, issuer, issuerKey, anchor, chain);
}
