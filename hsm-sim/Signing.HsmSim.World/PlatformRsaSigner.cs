using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Signing.HsmSim;

/// <summary>
/// SHA-256 with RSA (PKCS#1 v1.5) by the platform's RSA, which is OpenSSL's on Linux, for BouncyCastle's certificate, CRL,
/// OCSP and CMS generators. BouncyCastle's managed RSA costs about twenty times as much CPU per signature: the world's
/// OCSP responder signs an answer for every new certificate on the same cores as the server a load run measures, and the
/// bench tools sign tens of thousands of synthetic certificates and forms. The signature is the same bytes either way
/// (PKCS#1 v1.5 is deterministic).
/// </summary>
public sealed class PlatformRsaSigner : ISignatureFactory
{
    private static readonly ConditionalWeakTable<RsaPrivateCrtKeyParameters, PlatformRsaSigner> ByKey = new();
    private static readonly AlgorithmIdentifier Sha256WithRsa = new(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);

    private readonly RSA _rsa;

    public PlatformRsaSigner(RSA key) => _rsa = key;

    /// <summary>One platform key per BouncyCastle key: importing it costs more than a signature.</summary>
    public static PlatformRsaSigner For(RsaPrivateCrtKeyParameters key) => ByKey.GetValue(key, k =>
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(DotNetUtilities.ToRSAParameters(k));
        return new PlatformRsaSigner(rsa);
    });

    public object AlgorithmDetails => Sha256WithRsa;

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(_rsa);

    private sealed class Calculator(RSA rsa) : IStreamCalculator<IBlockResult>
    {
        private readonly HashingStream _data = new();

        public Stream Stream => _data;

        public IBlockResult GetResult()
        {
            var hash = _data.Hash.GetHashAndReset();
            byte[] signature;
            // One RSA object signs for every caller of its key; its docs promise no thread safety.
            lock (rsa)
                signature = rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return new SimpleBlockResult(signature);
        }
    }

    /// <summary>SHA-256 of what is written. BouncyCastle disposes the stream before it asks for the result, so the hash outlives it.</summary>
    private sealed class HashingStream : Stream
    {
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => Hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => Hash.AppendData(buffer);
        public override void WriteByte(byte value) => Hash.AppendData([value]);
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
