using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Signing.Verification;

/// <summary>The status an OCSP responder gives one certificate (RFC 6960 §2.2).</summary>
public enum OcspCertStatus
{
    Good,
    Revoked,
    Unknown,
}

/// <summary>
/// One SingleResponse of an OCSP response: the certificate it names (CertID: hash algorithm, issuer name and key hashes,
/// serial), its status, and the window it is valid for.
/// </summary>
public sealed record OcspSingleResponse(
    string HashAlgorithmOid,
    byte[] IssuerNameHash,
    byte[] IssuerKeyHash,
    BcBigInteger Serial,
    OcspCertStatus Status,
    DateTime? RevocationTime,
    int? RevocationReason,
    DateTime ThisUpdate,
    DateTime? NextUpdate);

/// <summary>
/// An OCSP response (RFC 6960 §4.2.1) parsed once: the exact DER a record keeps, the responder's status, and for a
/// successful basic response its signed data, signature, certificates, nonce and single responses. Parsing judges
/// nothing: whether the response may be relied on (signer, certID, freshness, nonce) is the validator's business.
/// Immutable and shared; cached by SHA-256 of the DER.
/// </summary>
public sealed class ParsedOcspResponse : IRevocationEvidence
{
    private static readonly DerCache<ParsedOcspResponse> Cache = new(10_000, "OCSP RESPONSE", "OCSP response", (der, hash) => new ParsedOcspResponse(der, hash));

    /// <summary>id-pkix-ocsp-basic.</summary>
    public const string BasicResponseOid = "1.3.6.1.5.5.7.48.1.1";
    /// <summary>id-pkix-ocsp-nonce.</summary>
    public const string NonceOid = "1.3.6.1.5.5.7.48.1.2";

    /// <summary>The response exactly as received (DER).</summary>
    public byte[] Der { get; }
    /// <summary>Hex SHA-256 of <see cref="Der"/>.</summary>
    public string Sha256 { get; }
    /// <summary>OCSPResponseStatus: 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized.</summary>
    public int ResponseStatus { get; }
    public bool IsSuccessful => ResponseStatus == 0 && Basic is not null;
    /// <summary>The BasicOCSPResponse of a successful response; null otherwise.</summary>
    public BasicOcspResponse? Basic { get; }
    /// <summary>The DER of tbsResponseData: what the responder signed.</summary>
    public byte[]? TbsDer { get; }
    public byte[]? SignatureValue { get; }
    public AlgorithmIdentifier? SignatureAlgorithm { get; }
    public DateTime? ProducedAt { get; }
    /// <summary>The responder id as a name (byName) or null.</summary>
    public X509Name? ResponderName { get; }
    /// <summary>The responder id as SHA-1 of its public key (byKey) or null.</summary>
    public byte[]? ResponderKeyHash { get; }
    /// <summary>Certificates the responder included (a delegated responder's own certificate, usually).</summary>
    public IReadOnlyList<byte[]> Certificates { get; } = [];
    /// <summary>The nonce extension's octets as sent (the inner OCTET STRING's content), or null.</summary>
    public byte[]? Nonce { get; }
    public IReadOnlyList<OcspSingleResponse> Responses { get; } = [];
    /// <summary>How a verdict names this response.</summary>
    public RevocationReference Reference { get; }

    private ParsedOcspResponse(byte[] der, string sha256)
    {
        Der = der;
        Sha256 = sha256;
        var response = OcspResponse.GetInstance(Asn1Object.FromByteArray(der));
        ResponseStatus = response.ResponseStatus.IntValueExact;
        var bytes = response.ResponseBytes;
        if (ResponseStatus == 0 && bytes is not null && bytes.ResponseType.Id == BasicResponseOid)
        {
            Basic = BasicOcspResponse.GetInstance(Asn1Object.FromByteArray(bytes.Response.GetOctets()));
            var tbs = Basic.TbsResponseData;
            TbsDer = tbs.GetDerEncoded();
            SignatureValue = Basic.Signature.GetBytes();
            SignatureAlgorithm = Basic.SignatureAlgorithm;
            ProducedAt = tbs.ProducedAt.ToDateTime().ToUniversalTime();
            var rid = tbs.ResponderID.ToAsn1Object();
            if (rid is Asn1TaggedObject tagged)
            {
                if (tagged.TagNo == 1)
                    ResponderName = X509Name.GetInstance(tagged, true);
                else if (tagged.TagNo == 2)
                    ResponderKeyHash = Asn1OctetString.GetInstance(tagged, true).GetOctets();
            }
            Certificates = Basic.Certs?.Cast<Asn1Encodable>().Select(c => c.GetDerEncoded()).ToList() ?? [];
            var nonce = tbs.ResponseExtensions?.GetExtension(new DerObjectIdentifier(NonceOid));
            if (nonce is not null)
            {
                // The extension value is an OCTET STRING holding the nonce; some responders put the bare value.
                var octets = nonce.Value.GetOctets();
                try
                {
                    Nonce = Asn1OctetString.GetInstance(Asn1Object.FromByteArray(octets)).GetOctets();
                }
                catch (Exception e) when (e is ArgumentException or IOException or InvalidCastException)
                {
                    Nonce = octets;
                }
            }
            var list = new List<OcspSingleResponse>();
            foreach (var item in tbs.Responses)
            {
                var single = SingleResponse.GetInstance(item);
                var id = single.CertId;
                var status = single.CertStatus;
                DateTime? revokedAt = null;
                int? reason = null;
                var kind = status.TagNo switch { 0 => OcspCertStatus.Good, 1 => OcspCertStatus.Revoked, _ => OcspCertStatus.Unknown };
                if (kind == OcspCertStatus.Revoked)
                {
                    var info = RevokedInfo.GetInstance(status.Status);
                    revokedAt = info.RevocationTime.ToDateTime().ToUniversalTime();
                    reason = info.RevocationReason?.IntValueExact;
                }
                list.Add(new OcspSingleResponse(id.HashAlgorithm.Algorithm.Id, id.IssuerNameHash.GetOctets(), id.IssuerKeyHash.GetOctets(),
                    id.SerialNumber.Value, kind, revokedAt, reason, single.ThisUpdate.ToDateTime().ToUniversalTime(),
                    single.NextUpdate?.ToDateTime().ToUniversalTime()));
            }
            Responses = list;
        }
        Reference = new RevocationReference(RevocationReference.OcspKind, Sha256,
            ResponderName?.ToString() ?? (ResponderKeyHash is null ? "" : "key:" + Convert.ToHexStringLower(ResponderKeyHash)),
            null, ProducedAt is { } p ? new DateTimeOffset(p, TimeSpan.Zero) : null);
    }

    /// <summary>The cached parse of a DER (or PEM) OCSP response. Throws FormatException on garbage.</summary>
    public static ParsedOcspResponse From(byte[] derOrPem) => Cache.Get(derOrPem);
}
