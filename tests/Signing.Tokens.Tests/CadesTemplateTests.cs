using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Signing.TestKit;
using Signing.Verification;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using Time = Org.BouncyCastle.Asn1.Cms.Time;

namespace Signing.Tokens.Tests;

/// <summary>
/// CadesSigner builds its CMS from a prepared template instead of CmsSignedDataGenerator (receipt throughput). These
/// tests hold it to the generator's output, and to three independent verifiers, for the receipt key (server-mersin,
/// EC P-256) and an RSA person (doctor).
/// </summary>
[Collection(TokenCollection.Name)]
public sealed class CadesTemplateTests(TokenWorld world)
{
    private static readonly byte[] Receipt = Encoding.UTF8.GetBytes(
        "{\"receipt\":\"R-33-000042\",\"tckn\":\"123******50\",\"açıklama\":\"NES 3 YILLIK BAŞVURUSU\"}");

    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    private static readonly DerObjectIdentifier CmsAlgorithmProtection = new("1.2.840.113549.1.9.52");

    private X509Certificate SubCa => HsmWorldFixture.ReadCertificate(world.Manifest.Pki.NesSubCaCertificate);

    public static TheoryData<bool, bool> DetachedAndExtra => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(DetachedAndExtra))]
    public void RSA_PKCS1_output_is_byte_for_byte_the_CMS_generators(bool detached, bool extraCertificate)
    {
        // PKCS#1 v1.5 is deterministic: with the same clock the template must give exactly the generator's bytes.
        using var session = world.Login("doctor");
        var options = new CadesOptions { Clock = new FixedClock(At), ExtraCertificates = extraCertificate ? [SubCa] : [] };
        var key = session.GetSigningKey();
        var expected = GeneratorReference(key, options, Receipt, detached);
        var actual = new CadesSigner(key, options).Sign(Receipt, detached);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Several_extra_certificates_are_in_DER_SET_order_as_the_CMS_generators(bool detached)
    {
        // The template encodes the certificate set once; its order must still be the DER SET order the generator gives,
        // not the order they were handed in (chosen here so that sorting moves them).
        using var session = world.Login("doctor");
        var pki = world.Manifest.Pki;
        X509Certificate[] extras =
        [
            HsmWorldFixture.ReadCertificate(pki.RogueRootCertificate), SubCa,
            HsmWorldFixture.ReadCertificate(pki.RootCertificate), HsmWorldFixture.ReadCertificate(pki.EOnayIssuerCertificate),
        ];
        var options = new CadesOptions { Clock = new FixedClock(At), ExtraCertificates = extras };
        var key = session.GetSigningKey();
        var expected = GeneratorReference(key, options, Receipt, detached);
        var actual = new CadesSigner(key, options).Sign(Receipt, detached);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));

        var handedIn = new[] { key.Certificate }.Concat(extras).Select(c => Convert.ToHexString(c.GetEncoded())).ToArray();
        var inCms = SignedDataOf(actual).Certificates.Cast<Asn1Encodable>().Select(c => Convert.ToHexString(c.GetEncoded(Asn1Encodable.Der))).ToArray();
        Assert.Equal(handedIn.Order(StringComparer.Ordinal), inCms.Order(StringComparer.Ordinal)); // all of them, once
        Assert.NotEqual(handedIn, inCms); // and sorting did move them, so the order above was really checked
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Empty_content_is_byte_for_byte_the_CMS_generators(bool detached)
    {
        // Attached, an empty content is still an eContent (an empty OCTET STRING), not an absent one.
        using var session = world.Login("doctor");
        var options = new CadesOptions { Clock = new FixedClock(At), ExtraCertificates = [SubCa] };
        var key = session.GetSigningKey();
        var expected = GeneratorReference(key, options, [], detached);
        var actual = new CadesSigner(key, options).Sign([], detached);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
        var eContent = SignedDataOf(actual).EncapContentInfo.Content;
        if (detached)
            Assert.Null(eContent);
        else
            Assert.Empty(Assert.IsType<Asn1OctetString>(eContent, exactMatch: false).GetOctets());
    }

    [Fact]
    public void A_large_attached_content_is_byte_for_byte_the_CMS_generators()
    {
        // Over 64 KB the DER lengths of eContent, SignedData and ContentInfo take three bytes: the writer's length
        // encoding must still match BouncyCastle's.
        using var session = world.Login("doctor");
        var options = new CadesOptions { Clock = new FixedClock(At) };
        var key = session.GetSigningKey();
        var content = new byte[70_000];
        new Random(5652).NextBytes(content);
        var expected = GeneratorReference(key, options, content, detached: false);
        var actual = new CadesSigner(key, options).Sign(content, detached: false);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
    }

    [Fact]
    public void Consecutive_signatures_on_one_thread_each_match_the_CMS_generator()
    {
        // The final encoding reuses one writer per thread (reset after each call): nothing of one receipt may leak
        // into the next, whatever the sizes and the attached/detached mix.
        using var session = world.Login("doctor");
        var options = new CadesOptions { Clock = new FixedClock(At), ExtraCertificates = [SubCa] };
        var key = session.GetSigningKey();
        var signer = new CadesSigner(key, options);
        var large = new byte[12_000];
        new Random(6211).NextBytes(large);
        foreach (var (content, detached) in new[] { (large, false), (Receipt, false), ([], false), (Receipt, true), (large, false) })
            Assert.Equal(Convert.ToHexString(GeneratorReference(key, options, content, detached)), Convert.ToHexString(signer.Sign(content, detached)));
    }

    [Theory]
    [InlineData("server-mersin", false)]
    [InlineData("server-mersin", true)]
    [InlineData("doctor-pss", false)]
    public void Randomised_signatures_differ_from_the_CMS_generators_output_only_in_the_signature_value(string which, bool detached)
    {
        // ECDSA and PSS signatures are randomised: put the template's signature value into the generator's SignerInfo
        // and the two encodings must then be identical (same attributes, order, algorithms, certificates, versions).
        var personaId = which == "doctor-pss" ? "doctor" : which;
        using var session = world.Login(personaId);
        var options = new CadesOptions
        {
            Clock = new FixedClock(At),
            ExtraCertificates = [SubCa],
            Scheme = which == "doctor-pss" ? SignatureScheme.RsaPssSha256 : null,
        };
        var key = session.GetSigningKey();
        var expected = GeneratorReference(key, options, Receipt, detached);
        var actual = new CadesSigner(key, options).Sign(Receipt, detached);

        var actualSignature = SignerInfoOf(actual).Signature;
        Assert.Equal(Convert.ToHexString(WithSignature(expected, actualSignature)), Convert.ToHexString(actual));
        // And the template's own signature is a real one over its attributes.
        TokenWorld.BouncyCastleVerify(actual, detached ? Receipt : null);
    }

    [Fact]
    public void The_signed_attributes_are_the_CAdES_BES_set_with_algorithm_protection_in_DER_order()
    {
        using var session = world.Login("server-mersin");
        var p7s = new CadesSigner(session.GetSigningKey(), new CadesOptions { Clock = new FixedClock(At) }).Sign(Receipt, detached: true);
        var signedAttributes = SignerInfoOf(p7s).SignedAttrs;

        var types = signedAttributes.Cast<Asn1Encodable>().Select(a => Attribute.GetInstance(a).AttrType.Id).Order().ToArray();
        string[] expected =
        [
            CmsAttributes.ContentType.Id, CmsAttributes.MessageDigest.Id, CmsAttributes.SigningTime.Id,
            CmsAlgorithmProtection.Id, PkcsObjectIdentifiers.IdAASigningCertificateV2.Id,
        ];
        Assert.Equal(expected.Order().ToArray(), types);

        // DER SET OF: every element's encoding sorts at or after the previous one.
        var encodings = signedAttributes.Cast<Asn1Encodable>().Select(a => a.GetEncoded(Asn1Encodable.Der)).ToArray();
        for (var i = 1; i < encodings.Length; i++)
            Assert.True(CompareDer(encodings[i - 1], encodings[i]) <= 0, $"signed attribute {i} is out of DER order");

        var protection = Org.BouncyCastle.Asn1.Cms.CmsAlgorithmProtection.GetInstance(
            new AttributeTable(signedAttributes)[CmsAlgorithmProtection].AttrValues[0]);
        Assert.Equal("2.16.840.1.101.3.4.2.1", protection.DigestAlgorithm.Algorithm.Id); // sha256
        Assert.Equal("1.2.840.10045.4.3.2", protection.SignatureAlgorithm.Algorithm.Id); // ecdsa-with-SHA256
        var time = Time.GetInstance(new AttributeTable(signedAttributes)[CmsAttributes.SigningTime].AttrValues[0]);
        Assert.Equal(At.UtcDateTime, time.ToDateTime());
    }

    [Theory]
    [InlineData("doctor", false)]
    [InlineData("doctor", true)]
    [InlineData("server-mersin", false)]
    [InlineData("server-mersin", true)]
    public void Template_output_verifies_with_BouncyCastle_OpenSSL_and_CmsVerifier_and_tampering_fails(string personaId, bool detached)
    {
        var persona = world.Persona(personaId);
        using var session = world.Login(personaId);
        var p7s = new CadesSigner(session.GetSigningKey(), new CadesOptions { ExtraCertificates = [SubCa] }).Sign(Receipt, detached);

        // BouncyCastle: SignerInformation.Verify with the certificate's public key, attributes present and bound.
        var certificate = TokenWorld.BouncyCastleVerify(p7s, detached ? Receipt : null);
        Assert.Equal(persona.SerialNumberHex, certificate.SerialNumber.ToString(16));

        // OpenSSL (-cades also checks signing-certificate-v2), against the hsm-sim root.
        var (exit, output) = world.OpenSslVerify(persona, p7s, detached ? Receipt : null, $"template-{personaId}-{detached}");
        Assert.True(exit == 0, output);
        Assert.Contains("Verification successful", output);

        // The product's verifier (the receipt key is no qualified NES: RFC 5280 profile only for it).
        var verifier = new CmsVerifier(Signing.HsmSim.WorldTrust.Load(LocalWorld.ManifestPath));
        var options = new VerificationOptions { Profile = personaId == "doctor" ? ValidationProfile.KamuSmNes : ValidationProfile.None };
        var verdict = verifier.Verify(p7s, detached ? Receipt : null, options);
        Assert.True(verdict.Passed, verdict.ToJson());

        // Tampered content fails everywhere.
        var tampered = (byte[])Receipt.Clone();
        tampered[^2] ^= 0x01;
        var tamperedP7s = detached ? p7s : new CadesTamper(p7s).WithContent(tampered);
        var bcTampered = detached ? new CmsSignedData(new CmsProcessableByteArray(tampered), p7s) : new CmsSignedData(tamperedP7s);
        var signer = bcTampered.GetSignerInfos().GetSigners().Single();
        var bcOk = true;
        try
        {
            bcOk = signer.Verify(certificate.GetPublicKey());
        }
        catch (CmsException)
        {
            bcOk = false; // BouncyCastle reports a message-digest mismatch by throwing
        }
        Assert.False(bcOk);
        var (tamperedExit, _) = world.OpenSslVerify(persona, tamperedP7s, detached ? tampered : null, $"template-{personaId}-{detached}-tampered");
        Assert.NotEqual(0, tamperedExit);
        var tamperedVerdict = verifier.Verify(tamperedP7s, detached ? tampered : null, options);
        Assert.False(tamperedVerdict.Passed);
        Assert.Equal(SubIndication.HashFailure, tamperedVerdict.SubIndication);
    }

    [Fact]
    public void One_signer_is_safe_to_share_between_threads()
    {
        // The receipt signer keeps one CadesSigner: the template's shared ASN.1 objects must survive concurrent use.
        var persona = world.Persona("server-mersin");
        using var session = world.Login("server-mersin");
        var signer = new CadesSigner(session.GetSigningKey(), new CadesOptions { ExtraCertificates = [SubCa] });
        var results = new byte[16][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = signer.Sign(Encoding.UTF8.GetBytes($"receipt {i}"), detached: true));
        for (var i = 0; i < results.Length; i++)
            TokenWorld.BouncyCastleVerify(results[i], Encoding.UTF8.GetBytes($"receipt {i}"));
        var (exit, output) = world.OpenSslVerify(persona, results[^1], Encoding.UTF8.GetBytes($"receipt {results.Length - 1}"), "template-threads");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Null_content_is_an_ArgumentNullException()
    {
        using var session = world.Login("server-mersin");
        Assert.Throws<ArgumentNullException>(() => new CadesSigner(session.GetSigningKey()).Sign(null!, detached: true));
    }

    /// <summary>The former implementation, kept as the reference: BouncyCastle's CmsSignedDataGenerator.</summary>
    private static byte[] GeneratorReference(SigningKey key, CadesOptions options, byte[] content, bool detached)
    {
        var certificate = key.Certificate;
        var hash = System.Security.Cryptography.SHA256.HashData(certificate.GetEncoded());
        var issuerSerial = new IssuerSerial(new GeneralNames(new GeneralName(certificate.IssuerDN)), new DerInteger(certificate.SerialNumber));
        var signingCertificateV2 = new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2,
            new DerSet(new SigningCertificateV2(new EssCertIDv2(hash, issuerSerial))));
        var signedAttributes = new Asn1EncodableVector
        {
            signingCertificateV2,
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Time(options.Clock.GetUtcNow().UtcDateTime))),
        };
        var signerInfo = new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(signedAttributes)))
            .Build(key.SignatureFactory(options.Scheme), certificate);
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificate(certificate);
        foreach (var extra in options.ExtraCertificates)
            generator.AddCertificate(extra);
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate: !detached).GetEncoded(Asn1Encodable.Der);
    }

    private static SignedData SignedDataOf(byte[] p7s) => SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(p7s)).Content);

    private static SignerInfo SignerInfoOf(byte[] p7s) => SignerInfo.GetInstance(Assert.Single(SignedDataOf(p7s).SignerInfos.Cast<Asn1Encodable>()));

    private static byte[] WithSignature(byte[] p7s, Asn1OctetString signature)
    {
        var signedData = SignedDataOf(p7s);
        var s = SignerInfoOf(p7s);
        var replaced = new SignerInfo(s.SignerID, s.DigestAlgorithm, s.SignedAttrs, s.SignatureAlgorithm, signature, s.UnsignedAttrs);
        var rebuilt = new SignedData(signedData.DigestAlgorithms, signedData.EncapContentInfo, signedData.Certificates, signedData.CRLs, new DerSet(replaced));
        return new ContentInfo(CmsObjectIdentifiers.SignedData, rebuilt).GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>Replaces the encapsulated content of an attached CMS, leaving the signature as it was.</summary>
    private sealed class CadesTamper(byte[] p7s)
    {
        public byte[] WithContent(byte[] content)
        {
            var signedData = SignedDataOf(p7s);
            var rebuilt = new SignedData(signedData.DigestAlgorithms, new ContentInfo(CmsObjectIdentifiers.Data, new DerOctetString(content)),
                signedData.Certificates, signedData.CRLs, signedData.SignerInfos);
            return new ContentInfo(CmsObjectIdentifiers.SignedData, rebuilt).GetEncoded(Asn1Encodable.Der);
        }
    }

    private static int CompareDer(byte[] a, byte[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i])
                return a[i].CompareTo(b[i]);
        return a.Length.CompareTo(b.Length);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
