using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Signing.Verification;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Verification.Tests;

/// <summary>
/// The signing-certificate(-v2) and signing-time attributes read with AsnReader against BouncyCastle's decode: the
/// same answer (pass, or the same sub-indication and message) for each shape, and the fast reader taken for the usual ones.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class EssFastPathTests(VerificationWorld world)
{
    private const string V1 = "1.2.840.113549.1.9.16.2.12";
    private const string V2 = "1.2.840.113549.1.9.16.2.47";

    private (X509Certificate Bc, ParsedCertificate Parsed) Leaf()
    {
        var bc = world.IssueLeaf(world.Rsa.Public, serialNumber: BigInteger.ValueOf(0x7F_1234_5678L));
        return (bc, ParsedCertificate.From(bc.GetEncoded()));
    }

    private static IssuerSerial Names(X509Name issuer, BigInteger serial, params X509Name[] more) =>
        new(new GeneralNames([new GeneralName(issuer), .. more.Select(n => new GeneralName(n))]), new DerInteger(serial));

    public static IEnumerable<object[]> Shapes() =>
    [
        ["v1, no issuerSerial", true], ["v1, issuerSerial", true], ["v2 default hash, no issuerSerial", true],
        ["v2 default hash, issuerSerial", true], ["v2 sha-512, issuerSerial", true], ["v2 sha-384 with NULL params", true],
        ["v2 with policies", true], ["v2 mismatched issuer", false], ["v2 mismatched serial", false], ["v1 mismatched serial", false],
        ["v2 wrong hash", true], ["v2 md5", true], ["v2 two names, second is the issuer", false],
        ["v2 equivalent issuer, other encoding", false], ["v2 two ESSCertIDs", false], ["v2 explicit sha-256", true],
    ];

    private byte[] Attribute(string shape, X509Certificate cert, ParsedCertificate signer, out string oid)
    {
        var der = cert.GetEncoded();
        var issuer = cert.IssuerDN;
        var serial = cert.SerialNumber;
        var sha256 = SHA256.HashData(der);
        oid = shape.StartsWith("v1", StringComparison.Ordinal) ? V1 : V2;
        Asn1Encodable value = shape switch
        {
            "v1, no issuerSerial" => new SigningCertificate(new EssCertID(SHA1.HashData(der))),
            "v1, issuerSerial" => new SigningCertificate(new EssCertID(SHA1.HashData(der), Names(issuer, serial))),
            "v1 mismatched serial" => new SigningCertificate(new EssCertID(SHA1.HashData(der), Names(issuer, serial.Add(BigInteger.One)))),
            "v2 default hash, no issuerSerial" => new SigningCertificateV2(new EssCertIDv2(sha256)),
            "v2 default hash, issuerSerial" => new SigningCertificateV2(new EssCertIDv2(sha256, Names(issuer, serial))),
            "v2 explicit sha-256" => new DerSequence(new DerSequence(new DerSequence(
                new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256), new DerOctetString(sha256), Names(issuer, serial)))),
            "v2 sha-512, issuerSerial" => new SigningCertificateV2(new EssCertIDv2(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha512), SHA512.HashData(der), Names(issuer, serial))),
            "v2 sha-384 with NULL params" => new SigningCertificateV2(new EssCertIDv2(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha384, DerNull.Instance), SHA384.HashData(der))),
            "v2 with policies" => new SigningCertificateV2([new EssCertIDv2(sha256, Names(issuer, serial))],
                [new PolicyInformation(new DerObjectIdentifier("2.16.792.1.2.1.1.5.7.1.1"))]),
            "v2 mismatched issuer" => new SigningCertificateV2(new EssCertIDv2(sha256, Names(new X509Name("C=TR,CN=Another CA"), serial))),
            "v2 mismatched serial" => new SigningCertificateV2(new EssCertIDv2(sha256, Names(issuer, serial.Negate()))),
            "v2 wrong hash" => new SigningCertificateV2(new EssCertIDv2(SHA256.HashData(der.AsSpan(1)), Names(issuer, serial))),
            "v2 md5" => new SigningCertificateV2(new EssCertIDv2(new AlgorithmIdentifier(new DerObjectIdentifier("1.2.840.113549.2.5")), MD5.HashData(der))),
            "v2 two names, second is the issuer" => new SigningCertificateV2(new EssCertIDv2(sha256, Names(new X509Name("CN=Other"), serial, issuer))),
            // Same name, every attribute value as a BMPString: different bytes, RFC 5280-equal.
            "v2 equivalent issuer, other encoding" => new SigningCertificateV2(new EssCertIDv2(sha256,
                Names(new X509Name(issuer.GetOidList(), issuer.GetValueList(), new BmpConverter()), serial))),
            "v2 two ESSCertIDs" => new SigningCertificateV2([new EssCertIDv2(sha256, Names(issuer, serial)), new EssCertIDv2(sha256)]),
            _ => throw new ArgumentException(shape),
        };
        if (shape == "v2 equivalent issuer, other encoding")
            Assert.False(((SigningCertificateV2)value).GetCerts()[0].IssuerSerial.Issuer.GetNames()[0].Name.ToAsn1Object().GetEncoded(Asn1Encodable.Der).AsSpan().SequenceEqual(signer.IssuerDer));
        return value.GetEncoded(Asn1Encodable.Der);
    }

    private sealed class BmpConverter : X509NameEntryConverter
    {
        public override Asn1Object GetConvertedValue(DerObjectIdentifier oid, string value) => new DerBmpString(value);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastAndBouncyCastleDecodesGiveTheSameAnswer(string shape, bool fastTaken)
    {
        var (cert, signer) = Leaf();
        var value = Attribute(shape, cert, signer, out var oid);
        var attrs = new Dictionary<string, List<ReadOnlyMemory<byte>>> { [oid] = [value] };

        var fast = SigningCertificateIdentification.Check(attrs, signer);
        var slow = SigningCertificateIdentification.Check(attrs, signer, allowFast: false);
        Assert.Equal(slow, fast);
        Assert.Equal(fastTaken, EssCertId.TryRead(value, oid == V2, signer) is not null);

        var shouldPass = shape is not ("v2 mismatched issuer" or "v2 mismatched serial" or "v1 mismatched serial" or "v2 wrong hash" or "v2 md5");
        Assert.Equal(shouldPass, fast is null);
        if (shape is "v2 mismatched issuer" or "v2 mismatched serial" or "v1 mismatched serial")
            Assert.Equal((SubIndication.NoSigningCertificateFound, "signing-certificate-v2 issuer/serial do not match the signer certificate"), fast);
        if (shape == "v2 md5")
            Assert.Equal(SubIndication.FormatFailure, fast!.Value.Sub);
    }

    [Fact]
    public void AMalformedAttributeIsRejectedAsBefore()
    {
        var (_, signer) = Leaf();
        // certs is an INTEGER, not a SEQUENCE OF: BouncyCastle's decode throws (a "malformed CMS" verdict upstream).
        var value = new DerSequence(DerInteger.ValueOf(1)).GetEncoded(Asn1Encodable.Der);
        var attrs = new Dictionary<string, List<ReadOnlyMemory<byte>>> { [V2] = [value] };
        Assert.Null(EssCertId.TryRead(value, true, signer));
        Assert.ThrowsAny<Exception>(() => SigningCertificateIdentification.Check(attrs, signer));
        Assert.ThrowsAny<Exception>(() => SigningCertificateIdentification.Check(attrs, signer, allowFast: false));
    }

    public static IEnumerable<object[]> Times() =>
    [
        ["1950-01-01T00:00:00Z"], ["2049-12-31T23:59:59Z"], ["2026-11-26T07:56:39Z"], ["2050-01-01T00:00:00Z"],
        ["1949-12-31T23:59:59Z"], ["2026-11-26T07:56:39.25Z"],
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void SigningTimeFastAndBouncyCastleAgree(string text)
    {
        var t = DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        foreach (Asn1Encodable encoded in new Asn1Encodable[] { new Org.BouncyCastle.Asn1.Cms.Time(t), new DerGeneralizedTime(t) })
        {
            var value = encoded.GetEncoded(Asn1Encodable.Der);
            var fast = SignedAttributes.ReadSigningTime(value);
            Assert.Equal(SignedAttributes.ReadSigningTime(value, allowFast: false), fast);
            Assert.Equal(TimeSpan.Zero, fast.Offset);
            if (t.Ticks % TimeSpan.TicksPerSecond == 0)
                Assert.Equal(new DateTimeOffset(t, TimeSpan.Zero), fast);
        }
    }
}
