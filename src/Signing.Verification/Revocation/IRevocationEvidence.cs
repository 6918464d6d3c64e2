namespace Signing.Verification;

/// <summary>
/// A piece of revocation data a verdict rested on, as kept byte for byte: a CRL (<see cref="ParsedCrl"/>) or an OCSP
/// response (<see cref="ParsedOcspResponse"/>). <see cref="Reference"/>'s Kind tells which.
/// </summary>
public interface IRevocationEvidence
{
    /// <summary>The data exactly as received (DER).</summary>
    byte[] Der { get; }

    /// <summary>Hex SHA-256 of <see cref="Der"/>, computed once when parsed.</summary>
    string Sha256 { get; }

    /// <summary>How a verdict names it.</summary>
    RevocationReference Reference { get; }
}
