using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X509.Qualified;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;

using Signing.Bench;

namespace Signing.Benchmarks;

/// <summary>
/// The server's SubmitESigned shape: every call verifies a CAdES-BES (attached, ~1 KB) whose signer certificate the
/// process has never seen, issued by the same NES sub-CA under the same root, with warm CRLs, the kamusm-nes profile
/// and required revocation. A pool of distinct leaves (shared key pair, distinct serials and TCKNs) is made in
/// GlobalSetup; each call takes the next one. The invocation count is fixed so that one run (warm-up + measured
/// iterations) never wraps around the pool: a wrap would hit the engine's caches and measure the warm path instead.
/// A separate class (not in <see cref="VerificationBenchmarks"/>) because that fixed count is a class-level setting.
/// <see cref="DistinctKeys"/> = true gives the leaves <see cref="KeyCount"/> different key pairs in turn, as real applicants
/// have (each verify then also imports a never-seen public key); false shares one key pair, which measures the rest alone.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(2000, 1)]
[WarmupCount(2)]
[IterationCount(6)]
public class NewLeafVerificationBenchmarks
{
    private const int PoolSize = 20_000;
    /// <summary>More keys than the engine's key memo holds (CacheBounds.SignerWorkingSet = 64), so taken in turn they always miss.</summary>
    private const int KeyCount = 160;
    private const string NesPolicy = "2.16.792.1.2.1.1.5.7.1.1.99";
    private byte[][] pool = null!;
    private int next;
    private CmsVerifier verifier = null!;
    private VerificationOptions options = null!;

    [Params(false, true)]
    public bool DistinctKeys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTime.UtcNow;
        using var rootRsa = RSA.Create(2048);
        using var subRsa = RSA.Create(2048);
        var leafKeys = new RSA[DistinctKeys ? KeyCount : 1];
        Parallel.For(0, leafKeys.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => leafKeys[i] = RSA.Create(2048));
        var leafPubs = leafKeys.Select(k => PublicKeyFactory.CreateKey(k.ExportSubjectPublicKeyInfo())).ToArray();
        var rootPub = PublicKeyFactory.CreateKey(rootRsa.ExportSubjectPublicKeyInfo());
        var subPub = PublicKeyFactory.CreateKey(subRsa.ExportSubjectPublicKeyInfo());
        var rootName = new X509Name("C=TR,O=Bench,CN=Bench Kok");
        var subName = new X509Name("C=TR,O=Bench,CN=Bench NES Alt Kok");

        var root = Ca(rootName, rootName, rootPub, rootPub, rootRsa, 1, now, pathLen: null);
        var sub = Ca(subName, rootName, subPub, rootPub, rootRsa, 2, now, pathLen: 0);
        var rootCrl = Crl(rootName, rootPub, rootRsa, now, 5);
        var subCrl = Crl(subName, subPub, subRsa, now, 1000);

        var trust = new TrustConfiguration
        {
            Name = "bench",
            TrustAnchors = [ParsedCertificate.From(root.GetEncoded())],
            Intermediates = [ParsedCertificate.From(sub.GetEncoded())],
            Crls = [ParsedCrl.From(rootCrl.GetEncoded()), ParsedCrl.From(subCrl.GetEncoded())],
            QualifiedPolicyOids = [NesPolicy],
        };
        verifier = new CmsVerifier(trust);
        options = new VerificationOptions { At = new DateTimeOffset(now, TimeSpan.Zero) };

        var content = new byte[1024];
        System.Text.Encoding.UTF8.GetBytes("{\"form\":\"NES 3 YILLIK BAŞVURUSU\"}").CopyTo(content, 0);
        pool = new byte[PoolSize][];
        Parallel.For(0, PoolSize, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var k = i % leafKeys.Length;
            var leaf = Leaf(subName, subPub, subRsa, leafPubs[k], 10_000_000 + i, Signing.Domain.Tckn.WithCheckDigits((100_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).Value, now);
            pool[i] = Cades(leaf, leafKeys[k], content, now);
        });
        foreach (var key in leafKeys)
            key.Dispose();

        // Every pool entry must be a successful verification (sampled: a full pass would warm the caches).
        foreach (var i in new[] { 0, 1 })
        {
            var v = verifier.Verify(pool[i], null, options);
            if (!v.Passed)
                throw new InvalidOperationException("benchmark CMS does not verify: " + v.Reason);
        }
        next = 2;
    }

    [Benchmark(Description = "CMS verify RSA-2048, 1 KB, new leaf each call (kamusm-nes, CRL required)")]
    public bool CmsVerifyNewLeaf()
    {
        var i = next;
        next = i + 1 == PoolSize ? 0 : i + 1;
        return verifier.Verify(pool[i], null, options).Passed;
    }

    private static X509Certificate Ca(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey,
        AsymmetricKeyParameter issuerPublic, RSA signer, long serial, DateTime now, int? pathLen)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(serial));
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(now.AddYears(-1));
        gen.SetNotAfter(now.AddYears(10));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        if (!ReferenceEquals(publicKey, issuerPublic))
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerPublic));
        gen.AddExtension(X509Extensions.BasicConstraints, true, pathLen is { } p ? new BasicConstraints(p) : new BasicConstraints(true));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        if (pathLen is not null)
            gen.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(new PolicyInformation(new DerObjectIdentifier("2.5.29.32.0"))));
        return gen.Generate(new Signing.HsmSim.PlatformRsaSigner(signer));
    }

    private static X509Certificate Leaf(X509Name issuer, AsymmetricKeyParameter issuerPublic, RSA signer,
        AsymmetricKeyParameter publicKey, long serial, string tckn, DateTime now)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(serial));
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(new X509Name(
            new List<DerObjectIdentifier> { X509Name.C, X509Name.CN, X509Name.SerialNumber },
            new List<string> { "TR", "Bench Hekim " + serial, tckn }));
        gen.SetNotBefore(now.AddDays(-30));
        gen.SetNotAfter(now.AddDays(700));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerPublic));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        var notice = new UserNotice(null, new DisplayText(DisplayText.ContentTypeUtf8String, "Bu sertifika nitelikli elektronik sertifikadır. (BENCH)"));
        gen.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(
            new PolicyInformation(new DerObjectIdentifier(NesPolicy), new DerSequence(new PolicyQualifierInfo(PolicyQualifierID.IdQtUnotice, notice)))));
        gen.AddExtension(X509Extensions.QCStatements, false, new DerSequence(
            new QCStatement(new DerObjectIdentifier(QualifiedProfile.QcComplianceOid)),
            new QCStatement(new DerObjectIdentifier(QualifiedProfile.BtkStatementOids[0]))));
        return gen.Generate(new Signing.HsmSim.PlatformRsaSigner(signer));
    }

    private static X509Crl Crl(X509Name issuer, AsymmetricKeyParameter issuerPublic, RSA signer, DateTime now, int entries)
    {
        var gen = new X509V2CrlGenerator();
        gen.SetIssuerDN(issuer);
        gen.SetThisUpdate(now.AddHours(-1));
        gen.SetNextUpdate(now.AddDays(7));
        for (var i = 0; i < entries; i++)
            gen.AddCrlEntry(BigInteger.ValueOf(5_000_000 + i), now.AddDays(-2), CrlReason.KeyCompromise);
        gen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerPublic));
        return gen.Generate(new Signing.HsmSim.PlatformRsaSigner(signer));
    }

    /// <summary>CAdES-BES at the ASN.1 level, signed by .NET (BouncyCastle's managed RSA would make the setup minutes long).</summary>
    private static byte[] Cades(X509Certificate cert, RSA key, byte[] content, DateTime now)
    {
        var der = cert.GetEncoded();
        var sha256 = new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance);
        var signedAttrs = new DerSet(new Asn1EncodableVector(
            new Attribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(now.AddMinutes(-1)))),
            new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(SHA256.HashData(content)))),
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(new EssCertIDv2(SHA256.HashData(der)))))));
        var signature = key.SignData(signedAttrs.GetEncoded(Asn1Encodable.Der), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var signerInfo = new SignerInfo(
            new SignerIdentifier(new Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber(cert.IssuerDN, cert.SerialNumber)),
            sha256, signedAttrs, new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance),
            new DerOctetString(signature), null);
        var sd = new SignedData(new DerSet(sha256), new ContentInfo(CmsObjectIdentifiers.Data, new DerOctetString(content)),
            new DerSet(cert.CertificateStructure), null, new DerSet(signerInfo));
        return new ContentInfo(CmsObjectIdentifiers.SignedData, sd).GetEncoded(Asn1Encodable.Der);
    }
}
