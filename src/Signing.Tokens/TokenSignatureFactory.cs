using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;

namespace Signing.Tokens;

/// <summary>
/// BouncyCastle <see cref="ISignatureFactory"/> whose signatures come from the token, so CmsSignedDataGenerator
/// (and any other BC builder) can sign with a key that never leaves the card.
/// </summary>
public sealed class TokenSignatureFactory : ISignatureFactory
{
    private readonly SigningKey _key;

    public SignatureScheme Scheme { get; }

    public TokenSignatureFactory(SigningKey key, SignatureScheme scheme)
    {
        _key = key;
        Scheme = scheme;
        AlgorithmDetails = AlgorithmIdentifierFor(scheme);
    }

    /// <summary>The signature AlgorithmIdentifier (sha256WithRSAEncryption, RSASSA-PSS with parameters, ecdsa-with-SHA256…).</summary>
    public object AlgorithmDetails { get; }

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(_key, Scheme);

    internal static AlgorithmIdentifier AlgorithmIdentifierFor(SignatureScheme scheme)
    {
        var (hashOid, rsaOid, ecOid) = scheme.Hash.Name switch
        {
            "SHA256" => (NistObjectIdentifiers.IdSha256, PkcsObjectIdentifiers.Sha256WithRsaEncryption, X9ObjectIdentifiers.ECDsaWithSha256),
            "SHA384" => (NistObjectIdentifiers.IdSha384, PkcsObjectIdentifiers.Sha384WithRsaEncryption, X9ObjectIdentifiers.ECDsaWithSha384),
            "SHA512" => (NistObjectIdentifiers.IdSha512, PkcsObjectIdentifiers.Sha512WithRsaEncryption, X9ObjectIdentifiers.ECDsaWithSha512),
            _ => throw new NotSupportedException($"hash {scheme.Hash.Name} is not supported"),
        };
        switch (scheme.Kind)
        {
            case SignatureKind.RsaPkcs1:
                return new AlgorithmIdentifier(rsaOid, DerNull.Instance);
            case SignatureKind.RsaPss:
                var hashAlgorithm = new AlgorithmIdentifier(hashOid, DerNull.Instance);
                return new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsassaPss, new RsassaPssParameters(
                    hashAlgorithm,
                    new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, hashAlgorithm),
                    DerInteger.ValueOf(scheme.HashLength),
                    DerInteger.One));
            default:
                return new AlgorithmIdentifier(ecOid);
        }
    }

    private sealed class Calculator(SigningKey key, SignatureScheme scheme) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _buffer = new();

        public Stream Stream => _buffer;

        public IBlockResult GetResult() => new SimpleBlockResult(key.Sign(_buffer.ToArray(), scheme));
    }
}
