using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Signing.Verification;

internal enum SignatureCheck { Valid, Invalid, Unsupported, Weak }

/// <summary>
/// Verifies a signature given an AlgorithmIdentifier. RSA and ECDSA go to .NET (OpenSSL, much faster than the
/// managed BouncyCastle code); DSA and unusual RSASSA-PSS parameters go to BouncyCastle. Anything not
/// recognised is Unsupported: callers fail closed.
/// </summary>
internal static class SignatureVerifier
{
    private static readonly Dictionary<string, (string Key, string Hash)> Algorithms = new()
    {
        ["1.2.840.113549.1.1.4"] = ("rsa", "MD5"),
        ["1.2.840.113549.1.1.2"] = ("rsa", "MD2"),
        ["1.2.840.113549.1.1.5"] = ("rsa", "SHA1"),
        ["1.2.840.113549.1.1.14"] = ("rsa", "SHA224"),
        ["1.2.840.113549.1.1.11"] = ("rsa", "SHA256"),
        ["1.2.840.113549.1.1.12"] = ("rsa", "SHA384"),
        ["1.2.840.113549.1.1.13"] = ("rsa", "SHA512"),
        ["1.2.840.10045.4.1"] = ("ec", "SHA1"),
        ["1.2.840.10045.4.3.1"] = ("ec", "SHA224"),
        ["1.2.840.10045.4.3.2"] = ("ec", "SHA256"),
        ["1.2.840.10045.4.3.3"] = ("ec", "SHA384"),
        ["1.2.840.10045.4.3.4"] = ("ec", "SHA512"),
        ["1.2.840.10040.4.3"] = ("dsa", "SHA1"),
        ["2.16.840.1.101.3.4.3.1"] = ("dsa", "SHA224"),
        ["2.16.840.1.101.3.4.3.2"] = ("dsa", "SHA256"),
    };

    internal static readonly Dictionary<string, string> DigestNames = new()
    {
        ["1.2.840.113549.2.5"] = "MD5",
        ["1.3.14.3.2.26"] = "SHA1",
        ["2.16.840.1.101.3.4.2.4"] = "SHA224",
        ["2.16.840.1.101.3.4.2.1"] = "SHA256",
        ["2.16.840.1.101.3.4.2.2"] = "SHA384",
        ["2.16.840.1.101.3.4.2.3"] = "SHA512",
    };

    /// <summary>
    /// Verifies <paramref name="signature"/> over <paramref name="data"/>. <paramref name="cmsDigest"/> is the
    /// CMS digestAlgorithm name, needed when the signature algorithm is a bare key OID (rsaEncryption, ecPublicKey).
    /// </summary>
    public static SignatureCheck Verify(AlgorithmIdentifier algorithm, ReadOnlySpan<byte> data, byte[] signature,
        PublicKeyHandle key, AlgorithmPolicy policy, out string detail, string? cmsDigest = null)
    {
        detail = "";
        if (key.Error is not null)
        {
            detail = key.Error;
            return SignatureCheck.Unsupported;
        }
        var oid = algorithm.Algorithm.Id;
        string keyType, hash;
        bool pss = false;
        int saltLength = 0;
        string? mgfHash = null;
        if (oid == "1.2.840.10045.4.1" && cmsDigest is not null && cmsDigest != "SHA1")
        {
            // BouncyCastle's CMS generator (EncryptionECDsa) writes ecdsa-with-SHA1 as a generic "ECDSA" and hashes
            // with the digestAlgorithm, as its own verifier assumes: the hash really used is the declared digest.
            (keyType, hash) = ("ec", cmsDigest);
        }
        else if (Algorithms.TryGetValue(oid, out var known))
        {
            (keyType, hash) = known;
        }
        else if (oid == "1.2.840.113549.1.1.10")
        {
            keyType = "rsa";
            pss = true;
            var p = RsassaPssParameters.GetInstance(algorithm.Parameters ?? DerSequence.Empty);
            if (!DigestNames.TryGetValue(p.HashAlgorithm.Algorithm.Id, out var h))
            {
                detail = "RSASSA-PSS with an unknown hash";
                return SignatureCheck.Unsupported;
            }
            hash = h;
            if (p.MaskGenAlgorithm.Algorithm.Id != "1.2.840.113549.1.1.8")
            {
                detail = "RSASSA-PSS with a mask generation function other than MGF1";
                return SignatureCheck.Unsupported;
            }
            var mgfAlg = AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters);
            mgfHash = DigestNames.GetValueOrDefault(mgfAlg.Algorithm.Id);
            saltLength = p.SaltLength.IntValueExact;
            if (p.TrailerField.IntValueExact != 1 || mgfHash is null)
            {
                detail = "RSASSA-PSS with unsupported parameters";
                return SignatureCheck.Unsupported;
            }
        }
        else if (oid is "1.2.840.113549.1.1.1" && cmsDigest is not null)
        {
            (keyType, hash) = ("rsa", cmsDigest);
        }
        else if (oid is "1.2.840.10045.2.1" && cmsDigest is not null)
        {
            (keyType, hash) = ("ec", cmsDigest);
        }
        else
        {
            detail = $"unsupported signature algorithm {oid}";
            return SignatureCheck.Unsupported;
        }

        if (hash is "MD5" or "MD2")
        {
            detail = $"{hash} is broken and never accepted";
            return SignatureCheck.Weak;
        }
        if (hash == "SHA1" && !policy.AllowSha1)
        {
            detail = "SHA-1 signatures are not accepted by this policy";
            return SignatureCheck.Weak;
        }
        if (keyType != key.Algorithm)
        {
            detail = $"signature algorithm {oid} does not fit a {key.Algorithm} key";
            return SignatureCheck.Invalid;
        }
        switch (keyType)
        {
            case "rsa" when key.KeyBits < policy.MinRsaBits:
                detail = $"RSA key of {key.KeyBits} bits is below the policy minimum of {policy.MinRsaBits}";
                return SignatureCheck.Weak;
            case "ec" when !policy.AllowedCurves.Contains(key.CurveOid!):
                detail = $"curve {key.CurveOid} is not accepted";
                return SignatureCheck.Weak;
            case "dsa" when !policy.AllowDsa:
                detail = "DSA is not accepted by this policy";
                return SignatureCheck.Weak;
        }

        try
        {
            var name = new HashAlgorithmName(hash);
            bool ok;
            if (keyType == "rsa" && (!pss || (mgfHash == hash && saltLength == HashLength(hash))))
            {
                // A valid PKCS#1 signature is confirmed through the key's reused OpenSSL context; anything else is .NET's answer.
                ok = (!pss && key.NativeRsa is { } native && native.IsValid(hash, data, signature))
                     || key.Rsa!.VerifyData(data, signature, name, pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            }
            else if (keyType == "rsa")
            {
                // PSS with a salt length or MGF hash .NET does not expose: BouncyCastle's PssSigner.
                var p = key.Rsa!.ExportParameters(false);
                var bcKey = new RsaKeyParameters(false, new Org.BouncyCastle.Math.BigInteger(1, p.Modulus), new Org.BouncyCastle.Math.BigInteger(1, p.Exponent));
                var signer = new Org.BouncyCastle.Crypto.Signers.PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(),
                    DigestUtilities.GetDigest(hash), DigestUtilities.GetDigest(mgfHash!), saltLength);
                signer.Init(false, bcKey);
                signer.BlockUpdate(data);
                ok = signer.VerifySignature(signature);
            }
            else if (keyType == "ec")
            {
                ok = key.Ecdsa!.VerifyData(data, signature, name, DSASignatureFormat.Rfc3279DerSequence);
            }
            else
            {
                if (key.DsaParametersMissing)
                {
                    detail = "DSA key without parameters and no issuer to inherit them from";
                    return SignatureCheck.Invalid;
                }
                var signer = SignerUtilities.GetSigner(hash + "withDSA");
                signer.Init(false, key.BcKey);
                signer.BlockUpdate(data);
                ok = signer.VerifySignature(signature);
            }
            if (!ok)
                detail = "signature value does not verify";
            return ok ? SignatureCheck.Valid : SignatureCheck.Invalid;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException or CryptoException or SecurityUtilityException)
        {
            detail = "signature value is malformed: " + e.Message;
            return SignatureCheck.Invalid;
        }
    }

    private static int HashLength(string hash) => hash switch
    {
        "SHA1" => 20, "SHA224" => 28, "SHA256" => 32, "SHA384" => 48, "SHA512" => 64, _ => -1,
    };
}
