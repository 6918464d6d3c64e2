using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using Signing.Verification;

namespace Signing.Revocation.Tests;

/// <summary>
/// A small CA made with BouncyCastle for these tests: a root, leaves whose AIA and CRL distribution point name the
/// test server, and a TSA certificate; it signs OCSP responses, CRLs and timestamp tokens on demand.
/// </summary>
internal sealed class TestPki
{
    private static readonly SecureRandom Random = new();
    private long _serial = 100;

    public AsymmetricCipherKeyPair CaKey { get; } = NewKey();
    public X509Certificate CaCert { get; }
    public ParsedCertificate Ca { get; }
    public AsymmetricCipherKeyPair TsaKey { get; } = NewKey();
    public X509Certificate TsaCert { get; }

    public TestPki(string name = "Test Root")
    {
        var subject = new X509Name($"CN={name},O=Signing Tests,C=TR");
        var generator = Template(subject, subject, CaKey.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        CaCert = generator.Generate(Signer(CaKey.Private));
        Ca = ParsedCertificate.From(CaCert);
        var tsa = Template(subject, new X509Name("CN=Test TSA,O=Signing Tests,C=TR"), TsaKey.Public);
        tsa.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_timeStamping));
        TsaCert = tsa.Generate(Signer(CaKey.Private));
    }

    public static AsymmetricCipherKeyPair NewKey()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, Random));
        return generator.GenerateKeyPair();
    }

    public static ISignatureFactory Signer(AsymmetricKeyParameter key) => new Asn1SignatureFactory("SHA256WITHECDSA", key);

    /// <summary>A leaf certificate whose AIA names <paramref name="ocspUrl"/> and whose CDP names <paramref name="crlUrl"/> (either may be null).</summary>
    public ParsedCertificate Leaf(string? ocspUrl, string? crlUrl)
    {
        var generator = Template(CaCert.SubjectDN, new X509Name($"CN=Leaf {_serial},O=Signing Tests,C=TR"), NewKey().Public);
        if (ocspUrl is not null)
            generator.AddExtension(X509Extensions.AuthorityInfoAccess, false, new AuthorityInformationAccess(
                new AccessDescription(AccessDescription.IdADOcsp, new GeneralName(GeneralName.UniformResourceIdentifier, ocspUrl))));
        if (crlUrl is not null)
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint([
                new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, crlUrl))), null, null)]));
        return ParsedCertificate.From(generator.Generate(Signer(CaKey.Private)));
    }

    private X509V3CertificateGenerator Template(X509Name issuer, X509Name subject, AsymmetricKeyParameter key)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigInteger.ValueOf(Interlocked.Increment(ref _serial)));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddYears(1));
        generator.SetPublicKey(key);
        return generator;
    }

    /// <summary>A CRL numbered <paramref name="number"/>, valid from <paramref name="thisUpdate"/> for <paramref name="validity"/>.</summary>
    public byte[] Crl(long number, DateTime thisUpdate, TimeSpan validity, params long[] revokedSerials)
    {
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(CaCert.SubjectDN);
        generator.SetThisUpdate(thisUpdate);
        generator.SetNextUpdate(thisUpdate + validity);
        foreach (var serial in revokedSerials)
            generator.AddCrlEntry(BigInteger.ValueOf(serial), thisUpdate.AddMinutes(-1), CrlReason.KeyCompromise);
        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(number)));
        return generator.Generate(Signer(CaKey.Private)).GetEncoded();
    }

    /// <summary>
    /// A signed OCSP response saying "good" for every certificate the request asks about, with the nonce chosen by
    /// <paramref name="nonce"/> (given the request's nonce extension value; null leaves the nonce out).
    /// </summary>
    public byte[] OcspGood(byte[] requestDer, DateTime thisUpdate, TimeSpan validity, Func<byte[]?, byte[]?> nonce)
    {
        var request = new OcspReq(requestDer);
        var generator = new BasicOcspRespGenerator(new RespID(CaCert.SubjectDN));
        foreach (var item in request.GetRequestList())
            generator.AddResponse(item.GetCertID(), CertificateStatus.Good, thisUpdate, thisUpdate + validity, null);
        var asked = request.GetExtensionValue(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNonce)?.GetOctets();
        if (nonce(asked) is { } value)
        {
            var extensions = new X509ExtensionsGenerator();
            extensions.AddExtension(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNonce, false, value);
            generator.SetResponseExtensions(extensions.Generate());
        }
        var basic = generator.Generate(Signer(CaKey.Private), [CaCert], DateTime.UtcNow);
        return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
    }

    /// <summary>The request's own nonce extension value, echoed.</summary>
    public static byte[]? Echo(byte[]? asked) => asked;

    /// <summary>Another nonce than the one asked.</summary>
    public static byte[]? Wrong(byte[]? asked) => new DerOctetString(SecureRandom.GetNextBytes(Random, 16)).GetEncoded();

    public static byte[] OcspStatusOnly(int status) => new OCSPRespGenerator().Generate(status, null).GetEncoded();

    /// <summary>A granted timestamp reply for <paramref name="requestDer"/> (or, with <paramref name="otherNonce"/>, for the same imprint under another nonce).</summary>
    public byte[] Timestamp(byte[] requestDer, bool otherNonce = false)
    {
        var request = new TimeStampRequest(requestDer);
        if (otherNonce)
            request = new TimeStampRequestGenerator().Generate(request.MessageImprintAlgOid, request.GetMessageImprintDigest(),
                request.Nonce.Add(BigInteger.One));
        var tokens = new TimeStampTokenGenerator(TsaKey.Private, TsaCert, TspAlgorithms.Sha256, "1.2.3.4.5");
        tokens.SetCertificates(CollectionUtilities.CreateStore(new List<X509Certificate> { TsaCert }));
        var replies = new TimeStampResponseGenerator(tokens, TspAlgorithms.Allowed);
        return replies.Generate(request, BigInteger.ValueOf(Interlocked.Increment(ref _serial)), DateTime.UtcNow).GetEncoded();
    }
}
