using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Signing.Verification;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Verification.Tests;

/// <summary>
/// Every submission brings an applicant key the process has never seen. The engine builds such RSA keys straight into
/// OpenSSL (OpenSslRsaKeys) instead of importing them through .NET, so each case here uses a brand-new key pair: the
/// swapped-in key construction must accept exactly what .NET's import accepts and reject every tampering.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class FreshKeyTests(VerificationWorld world)
{
    private readonly CmsVerifier verifier = new(world.Trust);

    private Verdict Verify(byte[] cms) => verifier.Verify(cms, null, new VerificationOptions { At = world.Now });

    private static AsymmetricCipherKeyPair FreshRsa(int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        return new AsymmetricCipherKeyPair(PublicKeyFactory.CreateKey(rsa.ExportSubjectPublicKeyInfo()),
            PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey()));
    }

    /// <summary>BouncyCastle's generator, for public exponents .NET cannot make.</summary>
    private static AsymmetricCipherKeyPair RsaWithExponent(BigInteger exponent)
    {
        var gen = new RsaKeyPairGenerator();
        gen.Init(new RsaKeyGenerationParameters(exponent, new SecureRandom(), 2048, 100));
        return gen.GenerateKeyPair();
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(3072)]
    [InlineData(4096)]
    public void AFreshKeyVerifies(int bits)
    {
        var verdict = Verify(world.Signer(FreshRsa(bits)).Build());
        Assert.True(verdict.Passed, verdict.Reason);
    }

    [Theory]
    [InlineData("3")]                     // built directly in OpenSSL
    [InlineData("18446744073709551617")]  // 2^64 + 1: nine bytes, imported through .NET
    public void UnusualPublicExponentsVerifyAndStillRejectAFlippedSignature(string exponent)
    {
        var key = RsaWithExponent(new BigInteger(exponent));
        var cert = world.IssueLeaf(key.Public);
        var good = Verify(world.Signer(key, cert: cert).Build());
        Assert.True(good.Passed, good.Reason);
        var flipped = Verify((world.Signer(key, cert: cert) with { MutateSignature = s => { s[7] ^= 0x10; return s; } }).Build());
        Assert.False(flipped.Passed);
        Assert.Equal(SubIndication.SigCryptoFailure, flipped.SubIndication);
    }

    [Fact]
    public void SignedAttributeChangedAfterSigningIsRejected()
    {
        var builder = world.Signer(FreshRsa());
        var cms = builder.Build();
        // The signing time is covered by the signature but not by the message digest: change its seconds digit.
        var utcTime = Encoding.ASCII.GetBytes(builder.SigningTime!.Value.UtcDateTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z");
        var at = cms.AsSpan().IndexOf(utcTime);
        Assert.True(at > 0, "signing time not found in the CMS");
        cms[at + 11] = (byte)(cms[at + 11] == '0' ? '1' : '0');

        var verdict = Verify(cms);
        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.SigCryptoFailure, verdict.SubIndication);
        Assert.Contains(verdict.Checks, c => c.Name == "cms.signature" && c.Result == CheckResult.Failed);
    }

    [Fact]
    public void ContentChangedIsRejected()
    {
        var cms = world.Signer(FreshRsa()).Build();
        cms[cms.AsSpan().IndexOf("NES 3"u8)] ^= 0x20;

        var verdict = Verify(cms);
        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
    }

    [Fact]
    public void SignatureByAnotherKeyThanTheCertificatesIsRejected()
    {
        var signer = FreshRsa();
        var cert = world.IssueLeaf(FreshRsa().Public);
        var cms = new CadesBuilder(signer.Private, cert, "SHA256WITHRSA") { SigningTime = world.Now.AddMinutes(-1) }.Build();

        var verdict = Verify(cms);
        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.SigCryptoFailure, verdict.SubIndication);
    }

    [Fact]
    public void LeafSignedByAnotherKeyThanTheSubCasIsRejected()
    {
        var key = FreshRsa();
        var genuine = world.IssueLeaf(key.Public);
        // Same TBS (issuer name, AKI of the real sub-CA), signed by a stranger's key.
        var tbs = genuine.CertificateStructure.TbsCertificate;
        var forger = SignerUtilities.GetSigner("SHA256WITHRSA");
        forger.Init(true, FreshRsa().Private);
        var tbsDer = tbs.GetEncoded(Asn1Encodable.Der);
        forger.BlockUpdate(tbsDer, 0, tbsDer.Length);
        var forged = new X509Certificate(new X509CertificateStructure(tbs, genuine.CertificateStructure.SignatureAlgorithm,
            new DerBitString(forger.GenerateSignature())));

        var verdict = Verify(world.Signer(key, cert: forged).Build());
        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.CertificateChainGeneralFailure, verdict.SubIndication);
        Assert.Contains(verdict.Checks, c => c.Name == "x509.path" && c.Result == CheckResult.Failed);
    }
}

/// <summary>The RSA key construction itself, against .NET's own import of the same key.</summary>
public class OpenSslRsaKeysTests
{
    private static readonly byte[] Data = "{\"form\":\"NES 3 YILLIK BAŞVURUSU\"}"u8.ToArray();

    private static bool FastPathExpected =>
        OperatingSystem.IsLinux() && (SafeEvpPKeyHandle.OpenSslVersion >> 28) == 3;

    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(4096)]
    public void BuildsTheSameKeyAsDotNetsImport(int bits)
    {
        using var signer = RSA.Create(bits);
        var p = signer.ExportParameters(false);
        var signature = signer.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var pss = signer.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

        using var built = OpenSslRsaKeys.TryCreate(p.Modulus!, p.Exponent!);
        // On this machine (Linux, OpenSSL 3) the fast path must be live, or the speed-up silently disappears.
        Assert.Equal(FastPathExpected, built is not null);
        if (built is null)
            return;
        Assert.Equal(bits, built.KeySize);
        Assert.Equal(p.Modulus, built.ExportParameters(false).Modulus);
        Assert.Equal(p.Exponent, built.ExportParameters(false).Exponent);
        Assert.True(built.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(built.VerifyData(Data, pss, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        var tampered = (byte[])signature.Clone();
        tampered[^1] ^= 1;
        Assert.False(built.VerifyData(Data, tampered, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(built.VerifyData("{}"u8.ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var other = RSA.Create(bits);
        using var otherBuilt = OpenSslRsaKeys.TryCreate(other.ExportParameters(false).Modulus!, other.ExportParameters(false).Exponent!);
        Assert.False(otherBuilt!.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x01 }, true)]           // 65537
    [InlineData(new byte[] { 0x03 }, true)]
    [InlineData(new byte[] { 0x01 }, false)]                       // e = 1: left to .NET's import
    [InlineData(new byte[] { 0x01, 0x00, 0x00 }, false)]           // even exponent
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1 }, false)]  // longer than 64 bits
    public void OnlyPlainKeysTakeTheFastPath(byte[] exponent, bool suitable)
    {
        using var rsa = RSA.Create(2048);
        var modulus = rsa.ExportParameters(false).Modulus!;
        Assert.Equal(suitable, OpenSslRsaKeys.Suitable(modulus, exponent));
        var even = (byte[])modulus.Clone();
        even[^1] &= 0xFE;
        Assert.False(OpenSslRsaKeys.Suitable(even, [0x01, 0x00, 0x01]));
        Assert.False(OpenSslRsaKeys.Suitable(modulus[..64], [0x01, 0x00, 0x01])); // 512 bits
        if (!suitable)
            Assert.Null(OpenSslRsaKeys.TryCreate(modulus, exponent));
    }
}
