using System.Collections.Concurrent;
using System.Security.Cryptography;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>
/// The key an OCSP answer is kept under: SHA-1 of the issuer's public key (CertID's issuerKeyHash) and the serial, both
/// hex. Computed from the certificates on our side, never from the response, so a lookup cannot be steered by a responder.
/// </summary>
public static class OcspKeys
{
    private static readonly ConcurrentDictionary<string, string> IssuerKeyHashes = new();

    public static string For(ParsedCertificate certificate, ParsedCertificate issuer) =>
        IssuerKeyHash(issuer) + ":" + certificate.Serial.ToString(16);

    /// <summary>Hex SHA-1 of the issuer's subjectPublicKey bits, remembered per issuer certificate (verified on every request).</summary>
    public static string IssuerKeyHash(ParsedCertificate issuer)
    {
        if (IssuerKeyHashes.TryGetValue(issuer.Sha256, out var hash))
            return hash;
        // Issuers are few; the bound only guards against a flood of unrelated certificates.
        if (IssuerKeyHashes.Count > 10_000)
            IssuerKeyHashes.Clear();
        hash = Convert.ToHexStringLower(SHA1.HashData(issuer.PublicKeyInfo.PublicKey.GetBytes()));
        IssuerKeyHashes[issuer.Sha256] = hash;
        return hash;
    }
}
