using System.Security.Cryptography;

namespace Signing.Verification;

/// <summary>
/// Cryptographic verification of a CMS signer: the content against the message-digest attribute (hashed once, from
/// the caller's bytes, never copied), and the signature over the DER signed attributes with the signer certificate's
/// public key. The certificate's validity is not part of it (judged by <see cref="SignerCertificateValidation"/>), so
/// an expired signer is never reported as a broken signature.
/// </summary>
internal static class CryptographicVerification
{
    /// <summary>Null when the content's digest equals the message-digest attribute's value.</summary>
    public static CmsFailure? CheckMessageDigest(ReadOnlyMemory<byte> messageDigest, string digestName, ReadOnlySpan<byte> content)
    {
        var expected = DerCheck.Reader(messageDigest).ReadOctetString();
        return CryptographicOperations.FixedTimeEquals(expected, Digests.Hash(digestName, content))
            ? null
            : new CmsFailure(SubIndication.HashFailure, "cades.message-digest", "the content does not match the signed message digest");
    }

    /// <summary>Null when the signature value verifies with the signer's key under the accepted algorithms.</summary>
    public static CmsFailure? CheckSignatureValue(SignedDataEnvelope env, ParsedCertificate signer, VerificationOptions options, string digestName) =>
        SignatureVerifier.Verify(env.SignatureAlgorithm, env.SignedAttrs!, env.Signature, signer.Key, options.SignatureAlgorithms,
                out var detail, digestName) switch
        {
            SignatureCheck.Weak or SignatureCheck.Unsupported => SignatureAcceptance.Constraints(detail),
            SignatureCheck.Invalid => new CmsFailure(SubIndication.SigCryptoFailure, "cms.signature", detail),
            _ => null,
        };
}

/// <summary>Digests by .NET name: .NET's one-shot hashes, BouncyCastle for the rest; never a copy of the data.</summary>
internal static class Digests
{
    public static byte[] Hash(string name, ReadOnlySpan<byte> data)
    {
        switch (name)
        {
            case "SHA256": return SHA256.HashData(data);
            case "SHA384": return SHA384.HashData(data);
            case "SHA512": return SHA512.HashData(data);
            case "SHA1": return SHA1.HashData(data);
            case "MD5": return MD5.HashData(data);
            default:
                var digest = Org.BouncyCastle.Security.DigestUtilities.GetDigest(name);
                digest.BlockUpdate(data);
                var result = new byte[digest.GetDigestSize()];
                digest.DoFinal(result, 0);
                return result;
        }
    }
}
