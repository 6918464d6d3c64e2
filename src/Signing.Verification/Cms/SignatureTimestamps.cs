using Org.BouncyCastle.Asn1;

namespace Signing.Verification;

/// <summary>
/// CAdES-T: the id-aa-signatureTimeStampToken unsigned attributes, each an RFC 3161 token over the SignerInfo's signature
/// value, verified by <see cref="TimestampVerifier"/>. Every token must verify; the earliest genTime is the time the
/// signature is proven to have existed, which the signer certificate is then judged at.
/// </summary>
internal static class SignatureTimestamps
{
    public const string SignatureTimeStampTokenOid = "1.2.840.113549.1.9.16.2.14";

    /// <summary>The encoded tokens of the signature-timestamp attributes (empty: none). Throws on malformed attributes.</summary>
    public static List<byte[]> Tokens(byte[]? unsignedAttrs)
    {
        var tokens = new List<byte[]>();
        if (unsignedAttrs is null)
            return tokens;
        foreach (var item in Asn1Set.GetInstance(Asn1Object.FromByteArray(unsignedAttrs)))
        {
            var attribute = Org.BouncyCastle.Asn1.Cms.Attribute.GetInstance(item);
            if (attribute.AttrType.Id != SignatureTimeStampTokenOid)
                continue;
            foreach (var value in attribute.AttrValues)
                tokens.Add(value.GetEncoded(Asn1Encodable.Der));
        }
        return tokens;
    }

    /// <summary>The proven time, or the failure; the tokens' checks are added to the report, their TSAs' revocation data to <paramref name="revocation"/>.</summary>
    public static (DateTimeOffset? Time, CmsFailure? Failure) Verify(CertificateValidator certificates, List<byte[]> tokens,
        byte[] signatureValue, DateTimeOffset at, CmsReport report, List<IRevocationEvidence> revocation)
    {
        var verifier = new TimestampVerifier(certificates);
        DateTimeOffset? earliest = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var prefix = tokens.Count == 1 ? "cades.signature-timestamp." : $"cades.signature-timestamp[{i}].";
            var result = verifier.Verify(tokens[i], signatureValue, at, prefix, report.Checks);
            if (!result.Valid)
            {
                // The verifier recorded the failed check; the verdict names the attribute.
                return (null, new CmsFailure(result.SubIndication, "cades.signature-timestamp", "signature timestamp: " + result.Reason, result.Indication));
            }
            revocation.AddRange(result.RevocationData);
            if (earliest is null || result.GenTime < earliest)
                earliest = result.GenTime;
        }
        return (earliest, null);
    }

    /// <summary>
    /// The claimed signingTime against the proven time: at most <paramref name="delay"/> before it (the card signed, then
    /// the timestamp was fetched) and not after it beyond the clock skew.
    /// </summary>
    public static CmsFailure? CheckClaimedTime(DateTimeOffset? claimed, DateTimeOffset proven, TimeSpan delay, TimeSpan skew)
    {
        if (claimed is not { } c)
            return null;
        if (c < proven - delay)
            return new CmsFailure(SubIndication.SigConstraintsFailure, "cades.signing-time",
                $"the claimed signing time {c:u} lies more than {delay.TotalMinutes:0} minutes before the signature timestamp's time {proven:u}");
        if (c > proven + skew)
            return new CmsFailure(SubIndication.SigConstraintsFailure, "cades.signing-time",
                $"the claimed signing time {c:u} lies after the signature timestamp's time {proven:u}");
        return null;
    }
}
