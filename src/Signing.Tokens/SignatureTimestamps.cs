using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.Tokens;

/// <summary>
/// CAdES-T (ETSI EN 319 122-1 baseline T): a signature-timestamp unsigned attribute (id-aa-signatureTimeStampToken) on
/// every signer of a CMS, each an RFC 3161 token over that signer's signature value. The signed bytes and the signature
/// values are untouched; only the unsigned attributes change, so an existing signature gains its timestamp after the fact.
/// </summary>
public static class SignatureTimestamps
{
    /// <summary>
    /// Adds a signature timestamp to each signer of <paramref name="cms"/> (DER SignedData). <paramref name="timestamp"/>
    /// gets the signature value to be timestamped and returns the RFC 3161 TimeStampToken (DER ContentInfo) over it.
    /// </summary>
    public static async Task<byte[]> AddAsync(byte[] cms, Func<byte[], CancellationToken, Task<byte[]>> timestamp, CancellationToken ct = default)
    {
        var signed = new CmsSignedData(cms);
        var signers = new List<SignerInformation>();
        foreach (var signer in signed.GetSignerInfos().GetSigners())
        {
            var token = await timestamp(signer.GetSignature(), ct);
            var unsigned = signer.UnsignedAttributes ?? new AttributeTable(new Asn1EncodableVector());
            signers.Add(SignerInformation.ReplaceUnsignedAttributes(signer,
                unsigned.Add(PkcsObjectIdentifiers.IdAASignatureTimeStampToken, Asn1Object.FromByteArray(token))));
        }
        return CmsSignedData.ReplaceSigners(signed, new SignerInformationStore(signers)).GetEncoded(Asn1Encodable.Der);
    }
}
