using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

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
            return null; // a zero n or e: .NET's import fails oddly; left to Create for its answer

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
    /// (OpenSSL 3's import is slow, see OpenSslRsaKeys), else imported through .NET.
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
