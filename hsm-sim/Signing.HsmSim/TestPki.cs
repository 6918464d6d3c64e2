using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X509.Qualified;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace Signing.HsmSim;

/// <summary>A CA of the test PKI: its certificate and its (software) key. Test CAs only — never a real key.</summary>
public sealed record TestCa(X509Certificate Certificate, AsymmetricKeyParameter PrivateKey);

/// <summary>Where a certificate's revocation status is published: its issuer's OCSP responder (AIA) and CRL (CDP).</summary>
public sealed record RevocationPointers(string? OcspUrl, string CrlUrl);

/// <summary>Issues the certificates and CRLs of the simulated Kamu SM world with BouncyCastle.</summary>
public static class TestPki
{
    public const string NesPolicyOid = "2.16.792.1.2.1.1.5.7.1.1";
    public const string QcComplianceOid = "0.4.0.1862.1.1";
    public const string BtkQcStatementOid = "2.16.792.1.61.0.1.5070.1.1";
    public const string UserNoticeText =
        "Bu sertifika, 5070 sayılı Elektronik İmza Kanunu'na göre nitelikli elektronik sertifikadır. (TEST)";

    /// <summary>The reason every revocation in the world carries, on CRLs and in OCSP answers alike.</summary>
    public const int RevokedReason = CrlReason.KeyCompromise;

    private static readonly SecureRandom Random = new();

    public static AsymmetricCipherKeyPair NewRsaKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(Random, 2048));
        return generator.GenerateKeyPair();
    }

    public static TestCa SelfSignedRoot(string commonName, BigInteger serial, DateTime notBefore, DateTime notAfter)
    {
        var key = NewRsaKey();
        var name = CaName(commonName);
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(serial);
        gen.SetIssuerDN(name);
        gen.SetSubjectDN(name);
        gen.SetNotBefore(notBefore);
        gen.SetNotAfter(notAfter);
        gen.SetPublicKey(key.Public);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(key.Public));
        return new TestCa(gen.Generate(Signer(key.Private)), key.Private);
    }

    public static TestCa SubCa(TestCa issuer, string commonName, BigInteger serial, DateTime notBefore, DateTime notAfter,
        string? issuerCrlUrl = null)
    {
        var key = NewRsaKey();
        var gen = Start(issuer, CaName(commonName), key.Public, serial, notBefore, notAfter);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        if (issuerCrlUrl is not null)
            AddCrlDistributionPoint(gen, issuerCrlUrl);
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        gen.AddExtension(X509Extensions.CertificatePolicies, false,
            new CertificatePolicies(new PolicyInformation(new DerObjectIdentifier(NesPolicyOid))));
        return new TestCa(gen.Generate(Signer(issuer.PrivateKey)), key.Private);
    }

    /// <summary>An end-entity certificate that signs documents but issues nothing (e-Onay issuer, server).</summary>
    public static X509Certificate ServiceCertificate(TestCa issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        BigInteger serial, DateTime notBefore, DateTime notAfter, RevocationPointers? pointers = null)
    {
        var gen = Start(issuer, subject, publicKey, serial, notBefore, notAfter);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true,
            new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        AddPointers(gen, pointers);
        return gen.Generate(Signer(issuer.PrivateKey));
    }

    /// <summary>
    /// A timestamp authority (RFC 3161 §2.3): extendedKeyUsage id-kp-timeStamping as its only purpose, critical, as a
    /// relying party demands of a TSA certificate.
    /// </summary>
    public static X509Certificate TsaCertificate(TestCa issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        BigInteger serial, DateTime notBefore, DateTime notAfter, RevocationPointers? pointers = null)
    {
        var gen = Start(issuer, subject, publicKey, serial, notBefore, notAfter);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_timeStamping));
        AddPointers(gen, pointers);
        return gen.Generate(Signer(issuer.PrivateKey));
    }

    /// <summary>
    /// A delegated OCSP responder (RFC 6960 §4.2.2.2) for OpenSSL's responder: id-kp-OCSPSigning, and id-pkix-ocsp-nocheck
    /// so a client does not ask about the responder's own status.
    /// </summary>
    public static X509Certificate OcspResponderCertificate(TestCa issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        BigInteger serial, DateTime notBefore, DateTime notAfter)
    {
        var gen = Start(issuer, subject, publicKey, serial, notBefore, notAfter);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_OCSPSigning));
        gen.AddExtension(OcspObjectIdentifiers.PkixOcspNocheck, false, DerNull.Instance);
        return gen.Generate(Signer(issuer.PrivateKey));
    }

    /// <summary>A leaf shaped like a real Kamu SM NES; the flags make the deliberately broken personas.</summary>
    public static X509Certificate NesLeaf(TestCa issuer, string name, string tckn, AsymmetricKeyParameter publicKey,
        BigInteger serial, DateTime notBefore, DateTime notAfter, RevocationPointers pointers,
        bool nonRepudiation = true, bool qcStatements = true)
    {
        var subject = new X509Name(
            new List<DerObjectIdentifier> { X509Name.C, X509Name.CN, X509Name.SerialNumber },
            new List<string> { "TR", name, tckn });
        var gen = Start(issuer, subject, publicKey, serial, notBefore, notAfter);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        var usage = KeyUsage.DigitalSignature | (nonRepudiation ? KeyUsage.NonRepudiation : 0);
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(usage));
        var notice = new UserNotice(null, new DisplayText(DisplayText.ContentTypeUtf8String, UserNoticeText));
        gen.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(
            new PolicyInformation(new DerObjectIdentifier(NesPolicyOid),
                new DerSequence(new PolicyQualifierInfo(PolicyQualifierID.IdQtUnotice, notice)))));
        if (qcStatements)
        {
            gen.AddExtension(X509Extensions.QCStatements, false, new DerSequence(
                new QCStatement(new DerObjectIdentifier(QcComplianceOid)),
                new QCStatement(new DerObjectIdentifier(BtkQcStatementOid))));
        }
        AddPointers(gen, pointers);
        return gen.Generate(Signer(issuer.PrivateKey));
    }

    private static void AddPointers(X509V3CertificateGenerator gen, RevocationPointers? pointers)
    {
        if (pointers is null)
            return;
        if (pointers.OcspUrl is not null)
        {
            gen.AddExtension(X509Extensions.AuthorityInfoAccess, false, new AuthorityInformationAccess(
                new AccessDescription(AccessDescription.IdADOcsp,
                    new GeneralName(GeneralName.UniformResourceIdentifier, pointers.OcspUrl))));
        }
        AddCrlDistributionPoint(gen, pointers.CrlUrl);
    }

    private static void AddCrlDistributionPoint(X509V3CertificateGenerator gen, string crlUrl) =>
        gen.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(new[]
        {
            new DistributionPoint(
                new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, crlUrl))),
                null, null),
        }));

    public static X509Crl Crl(TestCa issuer, DateTime thisUpdate, DateTime nextUpdate, BigInteger crlNumber,
        IEnumerable<(BigInteger Serial, DateTime RevokedAt)> revoked)
    {
        // One reason for every entry: the OCSP responder answers with the same one (RevokedReason).
        var gen = new X509V2CrlGenerator();
        gen.SetIssuerDN(issuer.Certificate.SubjectDN);
        gen.SetThisUpdate(thisUpdate);
        gen.SetNextUpdate(nextUpdate);
        foreach (var (serial, at) in revoked)
            gen.AddCrlEntry(serial, at, RevokedReason);
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer.Certificate));
        gen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(crlNumber));
        return gen.Generate(Signer(issuer.PrivateKey));
    }

    public static string Pem(object value)
    {
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(value is AsymmetricKeyParameter key ? new Pkcs8Generator(key) : value);
        pem.Writer.Flush();
        return writer.ToString();
    }

    public static X509Name CaName(string commonName) => new(
        new List<DerObjectIdentifier> { X509Name.C, X509Name.O, X509Name.CN },
        new List<string> { "TR", "Test Kamu Sertifikasyon Merkezi", commonName });

    private static X509V3CertificateGenerator Start(TestCa issuer, X509Name subject, AsymmetricKeyParameter publicKey,
        BigInteger serial, DateTime notBefore, DateTime notAfter)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(serial);
        gen.SetIssuerDN(issuer.Certificate.SubjectDN);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(notBefore);
        gen.SetNotAfter(notAfter);
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer.Certificate));
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        return gen;
    }

    public static ISignatureFactory Signer(AsymmetricKeyParameter key) => key is Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters rsa
        ? PlatformRsaSigner.For(rsa)
        : new Asn1SignatureFactory("SHA256WITHRSA", key);
}
