using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Signing.Verification;

/// <summary>The kind of public key, with a .NET (OpenSSL-backed) key object where .NET can do the math.</summary>
internal sealed class PublicKeyHandle
{
    public string Algorithm { get; private init; } = "unknown"; // rsa | ec | dsa | unknown
    public int KeyBits { get; private init; }
    public string? CurveOid { get; private init; }
    public RSA? Rsa { get; private init; }
    /// <summary>Reused OpenSSL verify contexts for <see cref="Rsa"/> (PKCS#1 v1.5, SHA-2); null where not available.</summary>
    internal OpenSslRsaVerifier? NativeRsa { get; private init; }
    public ECDsa? Ecdsa { get; private init; }
    /// <summary>BouncyCastle key, for DSA (and DSA keys whose parameters are inherited: null parameters).</summary>
    public AsymmetricKeyParameter? BcKey { get; private init; }
    public bool DsaParametersMissing { get; private init; }
    public string? Error { get; private init; }

    private static readonly BoundedCache<string, PublicKeyHandle> Keys = new(CacheBounds.SignerWorkingSet);

    /// <summary>
    /// One imported key per distinct public key (SHA-256 of the SubjectPublicKeyInfo DER): a renewed certificate, or
    /// the same key under several certificates, does not pay for the import again. Handles are immutable once made.
    /// </summary>
    public static PublicKeyHandle Shared(SubjectPublicKeyInfo spki) => Shared(spki.GetDerEncoded(), () => Create(spki));

    /// <summary>
    /// Like <see cref="Shared(SubjectPublicKeyInfo)"/> for a caller that has only the DER: an RSA key is read from it with
    /// AsnReader (<see cref="TryCreateRsa"/>), anything else from BouncyCastle's SubjectPublicKeyInfo, made on demand.
    /// </summary>
    public static PublicKeyHandle Shared(byte[] spkiDer, Func<SubjectPublicKeyInfo> spki) =>
        Shared(spkiDer, () => TryCreateRsa(spkiDer) ?? Create(spki()));

    private static PublicKeyHandle Shared(byte[] spkiDer, Func<PublicKeyHandle> make)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spkiDer));
        if (Keys.TryGetValue(id, out var handle))
            return handle;
        return Keys.Add(id, make());
    }

    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string RsassaPss = "1.2.840.113549.1.1.10";

    /// <summary>
    /// An RSA key's handle from the SubjectPublicKeyInfo DER, read with AsnReader: SEQUENCE { AlgorithmIdentifier
    /// (rsaEncryption or id-RSASSA-PSS; parameters not read, as in <see cref="Create"/>), BIT STRING (no pad bits) holding
    /// the DER RSAPublicKey SEQUENCE { n INTEGER, e INTEGER } }. n and e are taken as BouncyCastle's PositiveValue does:
    /// the content octets as an unsigned magnitude. Null for any other key or shape (<see cref="Create"/> then decides,
    /// with its own answer and messages).
    /// </summary>
    internal static PublicKeyHandle? TryCreateRsa(byte[] spkiDer)
    {
        string oid;
        byte[] modulus, exponent;
        try
        {
            var outer = new AsnReader(spkiDer, AsnEncodingRules.DER);
            var spki = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var algorithm = spki.ReadSequence();
            oid = algorithm.ReadObjectIdentifier();
            if (oid is not (RsaEncryption or RsassaPss))
                return null;
            var bits = spki.ReadBitString(out var unused);
            spki.ThrowIfNotEmpty();
            if (unused != 0)
                return null;
            var keyReader = new AsnReader(bits, AsnEncodingRules.DER);
            var key = keyReader.ReadSequence();
            keyReader.ThrowIfNotEmpty();
            modulus = Magnitude(key.ReadIntegerBytes().Span);
            exponent = Magnitude(key.ReadIntegerBytes().Span);
            key.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            return null;
        }
        if (modulus.Length == 0 || exponent.Length == 0)
            return null; // a zero n or e: .NET's import fails oddly; left to Create for its old answer

        try
        {
            return RsaHandle(modulus, exponent, BitLength(modulus));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException)
        {
            return new PublicKeyHandle { Error = $"unusable {oid} public key: {e.Message}" };
        }
    }

    /// <summary>Unsigned big-endian magnitude without leading zero octets (BouncyCastle's PositiveValue.ToByteArrayUnsigned()).</summary>
    private static byte[] Magnitude(ReadOnlySpan<byte> content)
    {
        var start = 0;
        while (start < content.Length && content[start] == 0)
            start++;
        return content[start..].ToArray();
    }

    /// <summary>Bit length of an unsigned magnitude without leading zero octets (BouncyCastle's BitLength of a positive value).</summary>
    internal static int BitLength(byte[] magnitude) =>
        magnitude.Length == 0 ? 0 : (magnitude.Length - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude[0]));

    /// <summary>
    /// An OpenSSL key for .NET's verify, without BouncyCastle's primality test; built directly where that is safe
    /// (OpenSSL 3's import costs ~120 µs per key, see OpenSslRsaKeys), else imported through .NET.
    /// </summary>
    private static PublicKeyHandle RsaHandle(byte[] modulus, byte[] exponent, int keyBits)
    {
        var rsa = OpenSslRsaKeys.TryCreate(modulus, exponent);
        if (rsa is null)
        {
            rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
        }
        return new PublicKeyHandle { Algorithm = "rsa", KeyBits = keyBits, Rsa = rsa, NativeRsa = OpenSslRsaVerifier.For(rsa) };
    }

    public static PublicKeyHandle Create(SubjectPublicKeyInfo spki)
    {
        var oid = spki.Algorithm.Algorithm.Id;
        try
        {
            switch (oid)
            {
                case RsaEncryption:
                case RsassaPss:
                {
                    var rsaKey = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
                    return RsaHandle(rsaKey.Modulus.ToByteArrayUnsigned(), rsaKey.PublicExponent.ToByteArrayUnsigned(), rsaKey.Modulus.BitLength);
                }
                case "1.2.840.10045.2.1":
                {
                    var curve = spki.Algorithm.Parameters is DerObjectIdentifier named ? named.Id : null;
                    if (curve is null)
                        return new PublicKeyHandle { Algorithm = "ec", Error = "EC key without a named curve" };
                    var ec = ECDsa.Create();
                    ec.ImportSubjectPublicKeyInfo(spki.GetDerEncoded(), out _);
                    return new PublicKeyHandle { Algorithm = "ec", KeyBits = ec.KeySize, CurveOid = curve, Ecdsa = ec };
                }
                case "1.2.840.10040.4.1":
                {
                    var y = DerInteger.GetInstance(spki.ParsePublicKey()).Value;
                    var p = spki.Algorithm.Parameters;
                    if (p is null || p is Asn1Null)
                        return new PublicKeyHandle { Algorithm = "dsa", DsaParametersMissing = true, BcKey = new DsaPublicKeyParameters(y, null) };
                    var dp = DsaParameter.GetInstance(p);
                    return new PublicKeyHandle
                    {
                        Algorithm = "dsa", KeyBits = dp.P.BitLength,
                        BcKey = new DsaPublicKeyParameters(y, new DsaParameters(dp.P, dp.Q, dp.G)),
                    };
                }
                default:
                    return new PublicKeyHandle { Error = $"unsupported public key algorithm {oid}" };
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException or IOException or FormatException)
        {
            return new PublicKeyHandle { Error = $"unusable {oid} public key: {e.Message}" };
        }
    }

    /// <summary>A DSA key whose parameters come from its issuer (RFC 5280 §6.1.4 (f)).</summary>
    public PublicKeyHandle WithInheritedDsaParameters(PublicKeyHandle issuer)
    {
        if (!DsaParametersMissing || issuer.BcKey is not DsaPublicKeyParameters ip || ip.Parameters is null)
            return this;
        var y = ((DsaPublicKeyParameters)BcKey!).Y;
        return new PublicKeyHandle { Algorithm = "dsa", KeyBits = ip.Parameters.P.BitLength, BcKey = new DsaPublicKeyParameters(y, ip.Parameters) };
    }
}

internal enum SignatureCheck { Valid, Invalid, Unsupported, Weak }

/// <summary>
/// Verifies a signature given an AlgorithmIdentifier. RSA and ECDSA go to .NET (OpenSSL, ~12× faster than the
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
