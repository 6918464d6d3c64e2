using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// Structural rules of the RFC 5280 certificate profile that a relying party can enforce without breaking
/// real PKIs. Each rule here is a MUST of RFC 5280 §4 that a conforming CA never violates, so rejecting a
/// violator costs nothing and closes doors (x509-limbo's "pedantic" cases). Two MUSTs are deliberately not
/// enforced because NIST PKITS expects the opposite: negative serial numbers (§4.1.2.2 asks users to handle
/// them gracefully; PKITS 4.4.14) and non-critical policyConstraints (PKITS 4.8/4.10 CAs).
/// </summary>
internal static class CertificateLint
{
    private const string Aki = "2.5.29.35", Ski = "2.5.29.14", Aia = "1.3.6.1.5.5.7.1.1", Nc = "2.5.29.30";

    public static string? Check(ParsedCertificate c)
    {
        if (!c.SignatureAlgorithmsMatch)
            return "signatureAlgorithm differs from the TBS signature field (RFC 5280 §4.1.1.2)";
        if (c.Serial.SignValue == 0)
            return "serial number is zero (RFC 5280 §4.1.2.2)";
        if (c.Serial.ToByteArray().Length > 20)
            return "serial number longer than 20 octets (RFC 5280 §4.1.2.2)";
        if (c.Issuer.GetOidList().Count == 0)
            return "empty issuer name (RFC 5280 §4.1.2.4)";
        foreach (var (oid, critical) in c.Extensions)
        {
            if (critical && oid is Aki or Ski or Aia)
                return $"extension {oid} must be non-critical (RFC 5280 §4.2)";
        }
        for (var i = 1; i < c.Extensions.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (c.Extensions[i].Oid == c.Extensions[j].Oid)
                    return "duplicate extension (RFC 5280 §4.2)";
            }
        }
        var keyCertSign = c.KeyUsageBits is { } ku && (ku & KeyUsage.KeyCertSign) != 0;
        if (keyCertSign && !c.IsCa)
            return "keyCertSign asserted without basicConstraints cA (RFC 5280 §4.2.1.3)";
        if (c.PathLenConstraint is not null && c.KeyUsageBits is not null && !keyCertSign)
            return "pathLenConstraint without keyCertSign (RFC 5280 §4.2.1.9)";
        if (c.IsCa && c.Subject.GetOidList().Count == 0)
            return "CA certificate with an empty subject (RFC 5280 §4.1.2.6)";
        if (c.IsCa && c.SubjectKeyId is null && c.Version >= 3)
            return "CA certificate without subjectKeyIdentifier (RFC 5280 §4.2.1.2)";
        if (c.NameConstraints is not null && !c.IsCa)
            return "nameConstraints in a non-CA certificate (RFC 5280 §4.2.1.10)";
        return null;
    }

    /// <summary>
    /// §4.2.1.1: AKI is mandatory except in self-signed certificates. Checked for path certificates only, not for
    /// configured trust anchors: an anchor is trusted by configuration, and AKI is merely a path-building aid.
    /// </summary>
    public static string? MissingAuthorityKeyId(ParsedCertificate c) =>
        !c.IsSelfIssued && !c.HasAuthorityKeyId && c.Version >= 3
            ? "authorityKeyIdentifier missing in a certificate that is not self-issued (RFC 5280 §4.2.1.1)"
            : null;
}
