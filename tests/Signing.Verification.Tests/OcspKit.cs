using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>An in-memory revocation source as a refresher would hold one: CRLs, OCSP responses by certificate, a generation.</summary>
public sealed class TestRevocationSource(IReadOnlyList<ParsedCrl> crls) : IRevocationSource
{
    private readonly Dictionary<string, ParsedOcspResponse> responses = new();
    private long generation = 1;

    public IReadOnlyList<ParsedCrl> Crls { get; private set; } = crls;

    public long Generation => Interlocked.Read(ref generation);

    public ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer) =>
        responses.GetValueOrDefault(certificate.Sha256);

    /// <summary>Holds <paramref name="response"/> for <paramref name="certificate"/> (a new generation).</summary>
    public TestRevocationSource With(X509Certificate certificate, byte[] response)
    {
        responses[ParsedCertificate.From(certificate).Sha256] = ParsedOcspResponse.From(response);
        Interlocked.Increment(ref generation);
        return this;
    }

    public TestRevocationSource WithCrls(IReadOnlyList<ParsedCrl> list)
    {
        Crls = list;
        Interlocked.Increment(ref generation);
        return this;
    }
}

/// <summary>OCSP responses and responder certificates made with BouncyCastle, one knob per way to break them.</summary>
public sealed record OcspResponseBuilder(AsymmetricKeyParameter SignerKey, X509Certificate SignerCertificate, X509Certificate Issuer)
{
    /// <summary>Whom the SingleResponse names (default: the certificate passed to <see cref="Build"/>).</summary>
    public BigInteger? SerialOverride { get; init; }
    public bool Sha256CertId { get; init; }
    public CertificateStatus? Status { get; init; } = CertificateStatus.Good;
    public DateTime? ThisUpdate { get; init; }
    public DateTime? NextUpdate { get; init; }
    public bool OmitNextUpdate { get; init; }
    public DateTime? ProducedAt { get; init; }
    /// <summary>Certificates carried in the response (a delegated responder's own).</summary>
    public X509Certificate[]? Certificates { get; init; }
    public bool ByKey { get; init; }
    public bool TamperSignature { get; init; }
    /// <summary>A non-successful responseStatus (e.g. 3, tryLater) instead of a basic response.</summary>
    public int? ErrorStatus { get; init; }

    public byte[] Build(X509Certificate certificate, DateTimeOffset now)
    {
        if (ErrorStatus is { } error)
            return new Org.BouncyCastle.Asn1.Ocsp.OcspResponse(new Org.BouncyCastle.Asn1.Ocsp.OcspResponseStatus(error), null).GetEncoded();
        var id = new CertificateID(
            new AlgorithmIdentifier(Sha256CertId ? NistObjectIdentifiers.IdSha256 : OiwObjectIdentifiers.IdSha1, DerNull.Instance),
            Issuer, SerialOverride ?? certificate.SerialNumber);
        var gen = ByKey
            ? new BasicOcspRespGenerator(SignerCertificate.GetPublicKey())
            : new BasicOcspRespGenerator(new RespID(SignerCertificate.SubjectDN));
        var thisUpdate = ThisUpdate ?? now.UtcDateTime.AddHours(-1);
        gen.AddResponse(id, Status, thisUpdate, OmitNextUpdate ? null : NextUpdate ?? now.UtcDateTime.AddHours(4), null);
        var basic = gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", SignerKey), Certificates, ProducedAt ?? thisUpdate);
        var der = new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
        if (TamperSignature)
        {
            // The signature BIT STRING ends the BasicOCSPResponse when no certificates follow; flip a bit inside the
            // basic response's octets and re-wrap it.
            var response = Org.BouncyCastle.Asn1.Ocsp.OcspResponse.GetInstance(Asn1Object.FromByteArray(der));
            var inner = response.ResponseBytes.Response.GetOctets();
            var b = Org.BouncyCastle.Asn1.Ocsp.BasicOcspResponse.GetInstance(Asn1Object.FromByteArray(inner));
            var sig = b.Signature.GetBytes();
            sig[^1] ^= 1;
            var tampered = new Org.BouncyCastle.Asn1.Ocsp.BasicOcspResponse(b.TbsResponseData, b.SignatureAlgorithm, new DerBitString(sig), b.Certs);
            der = new Org.BouncyCastle.Asn1.Ocsp.OcspResponse(response.ResponseStatus,
                new Org.BouncyCastle.Asn1.Ocsp.ResponseBytes(response.ResponseBytes.ResponseType, new DerOctetString(tampered.GetEncoded()))).GetEncoded();
        }
        return der;
    }

    /// <summary>A delegated responder certificate issued by <paramref name="issuerKey"/>'s holder.</summary>
    public static X509Certificate Responder(AsymmetricKeyParameter publicKey, AsymmetricKeyParameter issuerKey, X509Certificate issuer,
        DateTimeOffset now, bool ocspSigning = true, bool noCheck = true, string name = "Test OCSP Responder", X509Name? issuerName = null)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(RandomNumberGenerator.GetInt32(1, int.MaxValue)));
        gen.SetIssuerDN(issuerName ?? issuer.SubjectDN);
        gen.SetSubjectDN(new X509Name($"C=TR, CN={name}"));
        gen.SetNotBefore(now.UtcDateTime.AddDays(-10));
        gen.SetNotAfter(now.UtcDateTime.AddDays(30));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(
            ocspSigning ? KeyPurposeID.id_kp_OCSPSigning : KeyPurposeID.id_kp_clientAuth));
        if (noCheck)
            gen.AddExtension(new DerObjectIdentifier(OcspValidation.NoCheckOid), false, DerNull.Instance);
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", issuerKey));
    }

    public static AsymmetricCipherKeyPair NewRsa()
    {
        using var rsa = RSA.Create(2048);
        return new AsymmetricCipherKeyPair(PublicKeyFactory.CreateKey(rsa.ExportSubjectPublicKeyInfo()),
            PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey()));
    }
}
