using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Signing.Verification;

namespace Signing.Audit;

/// <summary>
/// The revocation data stored with one event, as the engine reads revocation data: the stored CRLs, and for a certificate
/// the stored OCSP response whose CertID names it (serial, issuer name hash, issuer key hash). Nothing is fetched and
/// nothing changes, so the generation is constant. Whether a response may be relied on (signer, signature, freshness at
/// the event's time) is still the engine's judgement; this only picks which stored response is put before it.
/// </summary>
internal sealed class StoredRevocation(IReadOnlyList<ParsedCrl> crls, IReadOnlyList<ParsedOcspResponse> responses) : IRevocationSource
{
    private static readonly Dictionary<string, HashAlgorithmName> CertIdHashes = new()
    {
        ["1.3.14.3.2.26"] = HashAlgorithmName.SHA1,
        ["2.16.840.1.101.3.4.2.1"] = HashAlgorithmName.SHA256,
        ["2.16.840.1.101.3.4.2.2"] = HashAlgorithmName.SHA384,
        ["2.16.840.1.101.3.4.2.3"] = HashAlgorithmName.SHA512,
    };

    public IReadOnlyList<ParsedCrl> Crls { get; } = crls;

    public IReadOnlyList<ParsedOcspResponse> Responses { get; } = responses;

    public long Generation => 1;

    public ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer)
    {
        ParsedOcspResponse? found = null;
        foreach (var response in Responses)
        {
            if (!response.IsSuccessful || !Names(response, certificate, issuer))
                continue;
            // Two stored answers for one certificate (a CAdES-T's signer judged now and at its timestamp's time, say):
            // the latest produced is the one a live source would have held last.
            if (found is null || response.ProducedAt > found.ProducedAt)
                found = response;
        }
        return found;
    }

    private static bool Names(ParsedOcspResponse response, ParsedCertificate certificate, ParsedCertificate issuer)
    {
        foreach (var single in response.Responses)
        {
            if (!single.Serial.Equals(certificate.Serial) || !CertIdHashes.TryGetValue(single.HashAlgorithmOid, out var hash))
                continue;
            var name = CryptographicOperations.HashData(hash, issuer.Subject.GetEncoded(Asn1Encodable.Der));
            var key = CryptographicOperations.HashData(hash, issuer.PublicKeyInfo.PublicKey.GetOctets());
            if (single.IssuerNameHash.AsSpan().SequenceEqual(name) && single.IssuerKeyHash.AsSpan().SequenceEqual(key))
                return true;
        }
        return false;
    }
}
