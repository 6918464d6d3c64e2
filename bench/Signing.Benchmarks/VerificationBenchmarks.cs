using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.Benchmarks;

/// <summary>
/// The verification engine's hot paths, with warm caches (what the server sees after the first request):
/// CAdES-BES verify of 16 KB with RSA-2048 and P-256 (path + CRL check included, cached), the raw .NET
/// RSA-2048 verify of the same 16 KB as the baseline, and a serial lookup in a 10,000-entry CRL.
/// Self-contained: a root, a CRL and two leaves are made in memory.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private CmsVerifier verifier = null!;
    private byte[] content = null!, rsaCms = null!, ecCms = null!, rawSignature = null!;
    private RSA rawKey = null!;
    private ParsedCrl bigCrl = null!;
    private X509Name crlIssuer = null!;
    private BigInteger presentSerial = null!, absentSerial = null!;
    private VerificationOptions options = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTime.UtcNow;
        var rootKey = Pair(RSA.Create(2048));
        var rootName = new X509Name("C=TR,O=Bench,CN=Bench Root");
        var root = Certificate(rootName, rootName, rootKey.Public, rootKey.Private, ca: true, serial: 1, now);

        content = RandomNumberGenerator.GetBytes(16 * 1024);
        var rsaKey = RSA.Create(2048);
        var rsaPair = Pair(rsaKey);
        var rsaLeaf = Certificate(new X509Name("C=TR,CN=Bench RSA"), rootName, rsaPair.Public, rootKey.Private, false, 2, now);
        var ecPair = Pair(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var ecLeaf = Certificate(new X509Name("C=TR,CN=Bench EC"), rootName, ecPair.Public, rootKey.Private, false, 3, now);
        rsaCms = Cades(rsaLeaf, rsaPair.Private, CmsSignedGenerator.EncryptionRsa, now);
        ecCms = Cades(ecLeaf, ecPair.Private, CmsSignedGenerator.EncryptionECDsa, now);

        var crl = Crl(rootName, rootKey.Private, now, 10);
        var trust = new TrustConfiguration
        {
            TrustAnchors = [ParsedCertificate.From(root)],
            Crls = [ParsedCrl.From(crl.GetEncoded())],
        };
        verifier = new CmsVerifier(trust);
        options = new VerificationOptions { Profile = ValidationProfile.None };

        rawKey = rsaKey;
        rawSignature = rsaKey.SignData(content, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        bigCrl = ParsedCrl.From(Crl(rootName, rootKey.Private, now, 10_000).GetEncoded());
        crlIssuer = rootName;
        presentSerial = BigInteger.ValueOf(1_000_000 + 7_777);
        absentSerial = BigInteger.ValueOf(42);

        // Warm the caches and make sure the benchmark measures successful verifications.
        if (!verifier.Verify(rsaCms, null, options).Passed || !verifier.Verify(ecCms, null, options).Passed)
            throw new InvalidOperationException("benchmark CMS does not verify: " + verifier.Verify(rsaCms, null, options).Reason
                                                + " / " + verifier.Verify(ecCms, null, options).Reason);
    }

    [Benchmark(Baseline = true, Description = "Raw .NET RSA-2048 verify, 16 KB")]
    public bool RawRsaVerify() => rawKey.VerifyData(content, rawSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "CMS verify RSA-2048, 16 KB, warm caches")]
    public bool CmsVerifyRsa2048() => verifier.Verify(rsaCms, null, options).Passed;

    [Benchmark(Description = "CMS verify P-256, 16 KB, warm caches")]
    public bool CmsVerifyP256() => verifier.Verify(ecCms, null, options).Passed;

    [Benchmark(Description = "Lookup in a 10,000-entry CRL (hit + miss)")]
    public bool CrlLookup() => bigCrl.Find(presentSerial, crlIssuer) is not null && bigCrl.Find(absentSerial, crlIssuer) is null;

    private static AsymmetricCipherKeyPair Pair(AsymmetricAlgorithm key) => new(
        PublicKeyFactory.CreateKey(key.ExportSubjectPublicKeyInfo()), PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey()));

    private static X509Certificate Certificate(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey,
        AsymmetricKeyParameter signingKey, bool ca, long serial, DateTime now)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(serial));
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(now.AddDays(-1));
        gen.SetNotAfter(now.AddYears(3));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(ca));
        gen.AddExtension(X509Extensions.KeyUsage, true,
            new KeyUsage(ca ? KeyUsage.KeyCertSign | KeyUsage.CrlSign : KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        if (!ca)
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(
                X509ExtensionUtilities.CreateSubjectKeyIdentifier(signingKey is Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters k
                    ? new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, k.Modulus, k.PublicExponent) : publicKey).GetKeyIdentifier()));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey));
    }

    private byte[] Cades(X509Certificate cert, AsymmetricKeyParameter key, string encryption, DateTime now)
    {
        var ess = new EssCertIDv2(SHA256.HashData(cert.GetEncoded()));
        var attrs = new AttributeTable(new Asn1EncodableVector(
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(ess))),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(now.AddMinutes(-1))))));
        var gen = new CmsSignedDataGenerator();
        gen.AddSigner(key, cert, encryption, CmsSignedGenerator.DigestSha256, attrs, null);
        gen.AddCertificate(cert);
        return gen.Generate(new CmsProcessableByteArray(content), true).GetEncoded();
    }

    private static X509Crl Crl(X509Name issuer, AsymmetricKeyParameter key, DateTime now, int entries)
    {
        var gen = new X509V2CrlGenerator();
        gen.SetIssuerDN(issuer);
        gen.SetThisUpdate(now.AddHours(-1));
        gen.SetNextUpdate(now.AddDays(30));
        for (var i = 0; i < entries; i++)
            gen.AddCrlEntry(BigInteger.ValueOf(1_000_000 + i), now.AddDays(-2), CrlReason.KeyCompromise);
        gen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", key));
    }
}
