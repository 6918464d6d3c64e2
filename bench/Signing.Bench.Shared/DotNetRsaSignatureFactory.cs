using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;

namespace Signing.Bench;

/// <summary>
/// sha256WithRSAEncryption through .NET (OpenSSL) for BouncyCastle's certificate, CRL and CMS builders: the bench tools
/// sign tens of thousands of synthetic certificates and forms before the clock starts, and BouncyCastle's own RSA is
/// several times slower.
/// </summary>
public sealed class DotNetRsaSignatureFactory(RSA key) : ISignatureFactory
{
    public object AlgorithmDetails { get; } = new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(key);

    private sealed class Calculator(RSA key) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _buffer = new();
        public Stream Stream => _buffer;
        public IBlockResult GetResult() => new SimpleBlockResult(key.SignData(_buffer.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
