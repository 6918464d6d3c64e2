using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.X509;

namespace Signing.Tokens.Tests;

/// <summary>
/// A signature made on the token gains a signature timestamp afterwards: the token covers the signature value, and
/// nothing that was signed changes.
/// </summary>
[Collection(TokenCollection.Name)]
public sealed class SignatureTimestampTests(TokenWorld world)
{
    private static readonly byte[] Form = Encoding.UTF8.GetBytes("{\"reason\":\"YENİLEME\"}");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_timestamp_covers_the_signature_value_and_the_signature_still_verifies(bool detached)
    {
        using var session = world.Login("doctor");
        var key = session.GetSigningKey();
        var cms = new CadesSigner(key).Sign(Form, detached);
        var tsa = new SoftwareTsa();
        byte[]? stamped = null;

        var result = await SignatureTimestamps.AddAsync(cms, (value, _) =>
        {
            stamped = value;
            return Task.FromResult(tsa.Token(SHA256.HashData(value)));
        });

        CmsSignedData Parse(byte[] der) => detached ? new CmsSignedData(new CmsProcessableByteArray(Form), der) : new CmsSignedData(der);
        var signer = Parse(result).GetSignerInfos().GetSigners().Single();
        Assert.True(signer.Verify(key.Certificate));
        Assert.Equal(signer.GetSignature(), stamped);
        var original = Parse(cms).GetSignerInfos().GetSigners().Single();
        Assert.Equal(original.GetEncodedSignedAttributes(), signer.GetEncodedSignedAttributes());
        var attribute = signer.UnsignedAttributes![PkcsObjectIdentifiers.IdAASignatureTimeStampToken];
        Assert.NotNull(attribute);
        var token = new TimeStampToken(new CmsSignedData(attribute!.AttrValues[0].ToAsn1Object().GetEncoded()));
        Assert.Equal(SHA256.HashData(signer.GetSignature()), token.TimeStampInfo.GetMessageImprintDigest());
        token.Validate(tsa.Certificate);
    }

    /// <summary>An RFC 3161 authority in memory: a self-signed certificate with the critical timeStamping usage.</summary>
    private sealed class SoftwareTsa
    {
        private readonly AsymmetricCipherKeyPair _key;
        public X509Certificate Certificate { get; }
        private long _serial;

        public SoftwareTsa()
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
            _key = generator.GenerateKeyPair();
            var name = new X509Name("CN=Test TSA");
            var certificate = new X509V3CertificateGenerator();
            certificate.SetSerialNumber(BigInteger.One);
            certificate.SetIssuerDN(name);
            certificate.SetSubjectDN(name);
            certificate.SetNotBefore(DateTime.UtcNow.AddDays(-1));
            certificate.SetNotAfter(DateTime.UtcNow.AddDays(1));
            certificate.SetPublicKey(_key.Public);
            certificate.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_timeStamping));
            Certificate = certificate.Generate(new Asn1SignatureFactory("SHA256WITHRSA", _key.Private));
        }

        public byte[] Token(byte[] sha256)
        {
            var generator = new TimeStampTokenGenerator(_key.Private, Certificate, TspAlgorithms.Sha256, "1.3.6.1.4.1.99999.1");
            var request = new TimeStampRequestGenerator().Generate(TspAlgorithms.Sha256, sha256);
            return generator.Generate(request, BigInteger.ValueOf(Interlocked.Increment(ref _serial)), DateTime.UtcNow).GetEncoded();
        }
    }
}
