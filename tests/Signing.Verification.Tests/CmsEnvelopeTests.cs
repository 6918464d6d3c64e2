using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using Signing.Verification;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;

namespace Signing.Verification.Tests;

/// <summary>
/// The CMS envelope read with AsnReader: what the signature covers, name matching by bytes and by RFC 5280 equivalence,
/// malformed input as a verdict, and non-DER input still judged (through BouncyCastle's parse).
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class CmsEnvelopeTests(VerificationWorld world)
{
    private readonly CmsVerifier verifier = new(world.Trust);

    private Verdict Verify(byte[] cms) => verifier.Verify(cms, null, new VerificationOptions { At = world.Now });

    [Fact]
    public void ATamperedSignedAttributeByteFailsTheSignature()
    {
        var cms = world.Signer(world.Rsa).Build();
        Assert.True(Verify(cms).Passed);

        // The signing time (UTCTime, 13 characters ending in 'Z') is covered only by the signature: change its
        // seconds digit, keeping the encoding valid DER, so every check before the signature still passes.
        var at = IndexOfSigningTime(cms);
        cms[at + 11] = (byte)(cms[at + 11] == (byte)'0' ? '1' : '0');
        var verdict = Verify(cms);

        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.SigCryptoFailure, verdict.SubIndication);
        Assert.Equal("cms.signature", Assert.Single(verdict.Checks, c => c.Result == CheckResult.Failed).Name);
    }

    [Fact]
    public void ASignerNamedByAnEquivalentButDifferentlyEncodedIssuerIsFound()
    {
        var builder = world.Signer(world.Rsa);
        var cms = builder.Build();
        var issuer = builder.Certificate.IssuerDN;
        // Same attributes and values, every value as a BMPString: a different encoding of an equivalent name.
        var bmp = new X509Name(issuer.GetOidList(), issuer.GetValueList(), new BmpConverter());
        Assert.False(bmp.GetEncoded(Asn1Encodable.Der).AsSpan().SequenceEqual(issuer.GetEncoded(Asn1Encodable.Der)));
        Assert.True(bmp.Equivalent(issuer, true));

        var verdict = Verify(WithSid(cms, new SignerIdentifier(new IssuerAndSerialNumber(bmp, builder.Certificate.SerialNumber))));
        Assert.True(verdict.Passed, verdict.Reason);
        Assert.Equal(VerificationWorld.DoctorTckn, verdict.Signer!.Tckn);

        // A name that is not equivalent does not find it.
        var other = new X509Name("C=TR,O=Başka,CN=Başka Alt Kök");
        var missing = Verify(WithSid(cms, new SignerIdentifier(new IssuerAndSerialNumber(other, builder.Certificate.SerialNumber))));
        Assert.Equal(SubIndication.NoSigningCertificateFound, missing.SubIndication);
    }

    public static IEnumerable<object[]> Malformed() =>
    [
        ["truncated"], ["garbage"], ["empty"], ["one byte"], ["wrong length"], ["trailing bytes"], ["not SignedData"], ["bad certificate"],
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedInputIsAStructureVerdict(string variant)
    {
        var good = world.Signer(world.Rsa).Build();
        byte[] cms = variant switch
        {
            "truncated" => good[..^40],
            "garbage" => "this is not a signature"u8.ToArray(),
            "empty" => [],
            "one byte" => [0x30],
            "wrong length" => Mutate(good, 1, b => (byte)(b + 1)),
            "trailing bytes" => [.. good, 0x00, 0x00],
            "not SignedData" => new ContentInfo(CmsObjectIdentifiers.Data, new DerOctetString([1, 2, 3])).GetEncoded(Asn1Encodable.Der),
            "bad certificate" => WithCertificates(good, new DerSet(new DerSequence(DerInteger.ValueOf(1), DerInteger.ValueOf(2)))),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var verdict = Verify(cms); // never throws
        Assert.False(verdict.Passed);
        Assert.Equal(SubIndication.FormatFailure, verdict.SubIndication);
        Assert.Equal("cms.structure", Assert.Single(verdict.Checks, c => c.Result == CheckResult.Failed).Name);
    }

    [Fact]
    public void BerInputIsStillVerified()
    {
        // Indefinite lengths (BER) around an unchanged SignedData, as some streaming signers write.
        var der = world.Signer(world.Rsa).Build();
        var ci = ContentInfo.GetInstance(Asn1Object.FromByteArray(der));
        var ber = new BerSequence(ci.ContentType, new BerTaggedObject(true, 0, ci.Content)).GetEncoded(Asn1Encodable.Ber);
        Assert.Equal(0x80, ber[1]); // indefinite length
        var verdict = Verify(ber);
        Assert.True(verdict.Passed, verdict.Reason);
    }

    public static IEnumerable<object[]> EnvelopeShapes() =>
        [["der attached"], ["der detached"], ["ber wrappers"], ["ber chunked content"]];

    [Theory]
    [MemberData(nameof(EnvelopeShapes))]
    public void TheFastEnvelopeReaderReadsWhatBouncyCastleReads(string shape)
    {
        var builder = world.Signer(world.Rsa) with { Detached = shape == "der detached" };
        var der = builder.Build();
        var cms = shape switch
        {
            "ber wrappers" => Ber(der, chunkedContent: false),
            "ber chunked content" => Ber(der, chunkedContent: true),
            _ => der,
        };
        var (sd, si) = Open(cms);
        var full = SignedDataEnvelope.FromBouncyCastle(sd, si);
        var fast = SignedDataEnvelope.TryReadFast(cms);
        if (shape == "ber chunked content")
        {
            Assert.Null(fast); // the content would have to be joined: the full parser reads it
        }
        else
        {
            Assert.NotNull(fast);
            Assert.Equal(full.EContentType, fast.EContentType);
            Assert.Equal(full.ReadAttached()?.ToArray(), fast.ReadAttached()?.ToArray());
            Assert.Equal(full.SignedAttrs, fast.SignedAttrs);
            Assert.Equal(full.Signature, fast.Signature);
            Assert.Equal(full.SidSerial, fast.SidSerial);
            Assert.Equal(full.SidIssuerDer, fast.SidIssuerDer);
            Assert.Equal(full.SidKeyId, fast.SidKeyId);
            Assert.Equal(full.DigestAlgorithm, fast.DigestAlgorithm);
            Assert.Equal(full.SignatureAlgorithm, fast.SignatureAlgorithm);
            Assert.Equal(full.BcCertificates!.Cast<Asn1Encodable>().Select(c => c.GetEncoded(Asn1Encodable.Der)),
                fast.CertificateElements!.Select(e => e.ToArray()));
        }
        var verdict = verifier.Verify(cms, shape == "der detached" ? builder.Content : null, new VerificationOptions { At = world.Now });
        Assert.True(verdict.Passed, verdict.Reason);
    }

    /// <summary>The same SignedData with indefinite-length wrappers (as BouncyCastle's generator writes), the content optionally in 8-byte chunks.</summary>
    private static byte[] Ber(byte[] der, bool chunkedContent)
    {
        var ci = ContentInfo.GetInstance(Asn1Object.FromByteArray(der));
        var sd = SignedData.GetInstance(ci.Content);
        var octets = Asn1OctetString.GetInstance(sd.EncapContentInfo.Content).GetOctets();
        Asn1Encodable content = chunkedContent
            ? new BerOctetString(octets.Chunk(8).Select(c => (Asn1OctetString)new DerOctetString(c)).ToArray())
            : new DerOctetString(octets);
        var encap = new BerSequence(sd.EncapContentInfo.ContentType, new BerTaggedObject(true, 0, content));
        var signedData = new BerSequence(sd.Version, sd.DigestAlgorithms, encap, new BerTaggedObject(false, 0, sd.Certificates), sd.SignerInfos);
        var ber = new BerSequence(ci.ContentType, new BerTaggedObject(true, 0, signedData)).GetEncoded(Asn1Encodable.Ber);
        Assert.Equal(0x80, ber[1]); // indefinite length
        return ber;
    }

    private static int IndexOfSigningTime(byte[] cms)
    {
        // OID 1.2.840.113549.1.9.5, then SET { UTCTime (0x17, length 13) }
        byte[] oid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05, 0x31, 0x0F, 0x17, 0x0D];
        var at = cms.AsSpan().IndexOf(oid);
        Assert.True(at > 0, "signing-time attribute not found");
        return at + oid.Length;
    }

    private static byte[] Mutate(byte[] data, int index, Func<byte, byte> change)
    {
        var copy = data.ToArray();
        copy[index] = change(copy[index]);
        return copy;
    }

    private static (SignedData Sd, SignerInfo Si) Open(byte[] cms)
    {
        var sd = SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(cms)).Content);
        return (sd, SignerInfo.GetInstance(sd.SignerInfos[0]));
    }

    private static byte[] Wrap(SignedData sd) => new ContentInfo(CmsObjectIdentifiers.SignedData, sd).GetEncoded(Asn1Encodable.Der);

    /// <summary>The same CMS with another signer identifier (not covered by the signature).</summary>
    private static byte[] WithSid(byte[] cms, SignerIdentifier sid)
    {
        var (sd, si) = Open(cms);
        var signer = new SignerInfo(sid, si.DigestAlgorithm, si.SignedAttrs, si.SignatureAlgorithm, si.Signature, si.UnsignedAttrs);
        return Wrap(new SignedData(sd.DigestAlgorithms, sd.EncapContentInfo, sd.Certificates, sd.CRLs, new DerSet(signer)));
    }

    private static byte[] WithCertificates(byte[] cms, Asn1Set certificates)
    {
        var (sd, _) = Open(cms);
        return Wrap(new SignedData(sd.DigestAlgorithms, sd.EncapContentInfo, certificates, sd.CRLs, sd.SignerInfos));
    }

    private sealed class BmpConverter : X509NameEntryConverter
    {
        public override Asn1Object GetConvertedValue(DerObjectIdentifier oid, string value) => new DerBmpString(value);
    }
}
