using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X509.Qualified;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

[CollectionDefinition(Name)]
public sealed class VerificationWorldCollection : ICollectionFixture<VerificationWorld>
{
    public const string Name = "verification world";
}

/// <summary>
/// The hsm-sim PKI (manifest, CA keys) plus software keys and persona-like certificates the tests issue from the
/// world's NES sub-CA, so CMS can be made without tokens. Validation happens at the world's clock + 1 minute,
/// inside the CRLs' validity window, whatever day the tests run.
/// </summary>
public sealed class VerificationWorld
{
    public Signing.HsmSim.WorldManifest Manifest { get; }
    public TrustConfiguration Trust { get; }
    public DateTimeOffset Now { get; }
    public AsymmetricKeyParameter SubCaKey { get; }
    public X509Certificate SubCa { get; }
    public AsymmetricCipherKeyPair Rsa { get; } = FromDotNet(RSA.Create(2048));
    public AsymmetricCipherKeyPair Rsa1024 { get; } = FromDotNet(RSA.Create(1024));
    public AsymmetricCipherKeyPair P256 { get; } = FromDotNet(ECDsa.Create(ECCurve.NamedCurves.nistP256));
    public AsymmetricCipherKeyPair P384 { get; } = FromDotNet(ECDsa.Create(ECCurve.NamedCurves.nistP384));
    private long serial = 0x7E5700;

    public VerificationWorld()
    {
        Manifest = LocalWorld.LoadManifest();
        Trust = Signing.HsmSim.WorldTrust.Load(LocalWorld.ManifestPath);
        Now = Manifest.Clock.AddMinutes(1);
        SubCaKey = ReadKey(Manifest.Pki.NesSubCaKey);
        SubCa = HsmWorldFixture.ReadCertificate(Manifest.Pki.NesSubCaCertificate);
    }

    public static AsymmetricKeyParameter ReadKey(string pemPath)
    {
        using var reader = new StringReader(File.ReadAllText(pemPath));
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricKeyParameter k => k,
            AsymmetricCipherKeyPair pair => pair.Private,
            var other => throw new InvalidDataException($"{pemPath}: unexpected {other?.GetType().Name}"),
        };
    }

    private static AsymmetricCipherKeyPair FromDotNet(AsymmetricAlgorithm key)
    {
        // .NET generates keys in milliseconds (BouncyCastle's RSA-2048 generation takes seconds); import via PKCS#8.
        var priv = PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey());
        var pub = PublicKeyFactory.CreateKey(key.ExportSubjectPublicKeyInfo());
        return new AsymmetricCipherKeyPair(pub, priv);
    }

    public const string DoctorTckn = "12345678950";

    /// <summary>A persona-like NES leaf from the world's sub-CA; the flags make the broken variants.</summary>
    public X509Certificate IssueLeaf(AsymmetricKeyParameter publicKey, string tckn = DoctorTckn,
        int notBeforeDays = -30, int notAfterDays = 700, bool nonRepudiation = true, bool qc = true,
        BigInteger? serialNumber = null, string name = "Test Hekim")
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(serialNumber ?? BigInteger.ValueOf(Interlocked.Increment(ref serial)));
        gen.SetIssuerDN(SubCa.SubjectDN);
        gen.SetSubjectDN(new X509Name(
            new List<DerObjectIdentifier> { X509Name.C, X509Name.CN, X509Name.SerialNumber },
            new List<string> { "TR", name, tckn }));
        gen.SetNotBefore(Now.UtcDateTime.AddDays(notBeforeDays));
        gen.SetNotAfter(Now.UtcDateTime.AddDays(notAfterDays));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(SubCa));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | (nonRepudiation ? KeyUsage.NonRepudiation : 0)));
        var notice = new UserNotice(null, new DisplayText(DisplayText.ContentTypeUtf8String, "Bu sertifika nitelikli elektronik sertifikadır. (TEST)"));
        gen.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(
            new PolicyInformation(new DerObjectIdentifier(TrustConfiguration.KamuSmNesPolicyArc),
                new DerSequence(new PolicyQualifierInfo(PolicyQualifierID.IdQtUnotice, notice)))));
        if (qc)
        {
            gen.AddExtension(X509Extensions.QCStatements, false, new DerSequence(
                new QCStatement(new DerObjectIdentifier(QualifiedProfile.QcComplianceOid)),
                new QCStatement(new DerObjectIdentifier(QualifiedProfile.BtkStatementOids[0]))));
        }
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", SubCaKey));
    }

    /// <summary>Issues a leaf for the key pair and pairs them up in a builder.</summary>
    public CadesBuilder Signer(AsymmetricCipherKeyPair key, string algorithm = "SHA256WITHRSA", X509Certificate? cert = null) =>
        new(key.Private, cert ?? IssueLeaf(key.Public), algorithm) { SigningTime = Now.AddMinutes(-1) };
}
