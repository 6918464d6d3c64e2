using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.Benchmarks;

/// <summary>
/// The same CAdES-BES (RSA-2048, 16 KB, kamusm-free RFC 5280 profile) verified with the signer's revocation answered by a
/// held OCSP response or by a held CRL, both through an <see cref="IRevocationSource"/>, warm caches; and the OCSP
/// judgement on its own (what a cached path result saves) against a CRL serial lookup.
/// </summary>
[MemoryDiagnoser]
public class RevocationBenchmarks
{
    private CmsVerifier withOcsp = null!, withCrl = null!;
    private byte[] cms = null!;
    private VerificationOptions options = null!;
    private ParsedOcspResponse response = null!;
    private ParsedCertificate leaf = null!, root = null!;
    private ParsedCrl crl = null!;
    private DateTimeOffset now;

    private sealed class Source(IReadOnlyList<ParsedCrl> crls, ParsedOcspResponse? ocsp) : IRevocationSource
    {
        public IReadOnlyList<ParsedCrl> Crls => crls;
        public long Generation => 1;
        public ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer) => ocsp;
    }

    [GlobalSetup]
    public void Setup()
    {
        var t = DateTime.UtcNow;
        now = new DateTimeOffset(t, TimeSpan.Zero);
        var rootKey = Pair(RSA.Create(2048));
        var rootName = new X509Name("C=TR,O=Bench,CN=Bench Root");
        var rootCert = Certificate(rootName, rootName, rootKey.Public, rootKey.Private, true, 1, t, null);
        var signerKey = Pair(RSA.Create(2048));
        var leafCert = Certificate(new X509Name("C=TR,CN=Bench RSA"), rootName, signerKey.Public, rootKey.Private, false, 2, t, rootCert);
        var content = RandomNumberGenerator.GetBytes(16 * 1024);
        cms = Cades(leafCert, signerKey.Private, content, t);

        var crlGen = new X509V2CrlGenerator();
        crlGen.SetIssuerDN(rootName);
        crlGen.SetThisUpdate(t.AddHours(-1));
        crlGen.SetNextUpdate(t.AddDays(30));
        for (var i = 0; i < 10; i++)
            crlGen.AddCrlEntry(BigInteger.ValueOf(1_000_000 + i), t.AddDays(-2), CrlReason.KeyCompromise);
        crlGen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
        crl = ParsedCrl.From(crlGen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", rootKey.Private)).GetEncoded());

        var ocspGen = new BasicOcspRespGenerator(new RespID(rootName));
        ocspGen.AddResponse(new CertificateID(new AlgorithmIdentifier(OiwObjectIdentifiers.IdSha1, DerNull.Instance), rootCert, leafCert.SerialNumber),
            CertificateStatus.Good, t.AddHours(-1), t.AddHours(4), null);
        var basic = ocspGen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", rootKey.Private), null, t.AddHours(-1));
        response = ParsedOcspResponse.From(new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded());

        root = ParsedCertificate.From(rootCert);
        leaf = ParsedCertificate.From(leafCert);
        var trust = new TrustConfiguration { TrustAnchors = [root] };
        withOcsp = new CmsVerifier(trust, new Source([], response));
        withCrl = new CmsVerifier(trust, new Source([crl], null));
        options = new VerificationOptions { Profile = ValidationProfile.None };

        var a = withOcsp.Verify(cms, null, options);
        var b = withCrl.Verify(cms, null, options);
        if (!a.Passed || !b.Passed || a.Revocation.Single().Kind != "ocsp" || b.Revocation.Single().Kind != "crl")
            throw new InvalidOperationException($"benchmark CMS does not verify as intended: {a.Reason} / {b.Reason}");
    }

    [Benchmark(Baseline = true, Description = "CMS verify, signer answered by a held CRL")]
    public bool CmsVerifyCrl() => withCrl.Verify(cms, null, options).Passed;

    [Benchmark(Description = "CMS verify, signer answered by a held OCSP response")]
    public bool CmsVerifyOcsp() => withOcsp.Verify(cms, null, options).Passed;

    [Benchmark(Description = "OCSP judgement alone (cached signature)")]
    public bool OcspJudge() => OcspValidation.Judge(response, leaf, root, now, TimeSpan.FromMinutes(5), AlgorithmPolicy.Strict).Status == OcspStatus.Good;

    [Benchmark(Description = "CRL serial lookup alone")]
    public bool CrlLookup() => crl.Find(leaf.Serial, leaf.Issuer) is null;

    private static AsymmetricCipherKeyPair Pair(AsymmetricAlgorithm key) => new(
        PublicKeyFactory.CreateKey(key.ExportSubjectPublicKeyInfo()), PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey()));

    private static X509Certificate Certificate(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey,
        AsymmetricKeyParameter signingKey, bool ca, long serial, DateTime now, X509Certificate? issuerCert)
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
        if (issuerCert is not null)
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerCert));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey));
    }

    private static byte[] Cades(X509Certificate cert, AsymmetricKeyParameter key, byte[] content, DateTime now)
    {
        var ess = new EssCertIDv2(SHA256.HashData(cert.GetEncoded()));
        var attrs = new AttributeTable(new Asn1EncodableVector(
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(ess))),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(now.AddMinutes(-1))))));
        var gen = new CmsSignedDataGenerator();
        gen.AddSigner(key, cert, CmsSignedGenerator.EncryptionRsa, CmsSignedGenerator.DigestSha256, attrs, null);
        gen.AddCertificate(cert);
        return gen.Generate(new CmsProcessableByteArray(content), true).GetEncoded();
    }
}
