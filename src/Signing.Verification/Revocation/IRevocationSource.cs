namespace Signing.Verification;

/// <summary>
/// Revocation data held in memory by whoever fetches it (the server's background refresher, a test, an audit reading
/// stored data). The engine only reads it, synchronously, and never waits on the network: a missing answer is missing.
/// </summary>
public interface IRevocationSource
{
    /// <summary>The CRLs (complete and delta) known now; they stand in for the trust configuration's CRL files.</summary>
    IReadOnlyList<ParsedCrl> Crls { get; }

    /// <summary>The freshest OCSP response held for <paramref name="certificate"/> issued by <paramref name="issuer"/>, or null.</summary>
    ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer);

    /// <summary>Changes whenever any data above changes, so results cached on older data are not reused.</summary>
    long Generation { get; }
}
