using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Signing.TestKit;

namespace Signing.Foundation.Tests;

/// <summary>The simulated Kamu SM PKI has the shape DOMAIN.md describes.</summary>
[Collection(WorldCollection.Name)]
public sealed class TestPkiTests(HsmWorldFixture world)
{
    public static IEnumerable<object[]> NesPersonas() => Personas.Ids(p => p.GetProperty("role").GetString() != "server");

    [Theory]
    [MemberData(nameof(NesPersonas))]
    public void Persona_certificate_is_shaped_like_a_real_NES(string id)
    {
        var persona = world.Persona(id);
        var cert = HsmWorldFixture.ReadCertificate(persona.CertificatePath);
        var subCa = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.NesSubCaCertificate);

        cert.Verify(subCa.GetPublicKey());
        Assert.Equal(subCa.SubjectDN, cert.IssuerDN);
        Assert.Equal(new[] { persona.Tckn }, cert.SubjectDN.GetValueList(X509Name.SerialNumber));
        Assert.Equal(new[] { persona.Name }, cert.SubjectDN.GetValueList(X509Name.CN));
        Assert.Equal(new[] { "TR" }, cert.SubjectDN.GetValueList(X509Name.C));
        Assert.Equal(1095, (cert.NotAfter - cert.NotBefore).TotalDays, precision: 0);

        var usage = cert.GetKeyUsage();
        Assert.True(usage[0], "digitalSignature");
        Assert.Equal(!persona.NoNonRepudiation, usage[1]);
        Assert.Contains(X509Extensions.KeyUsage.Id, cert.GetCriticalExtensionOids());

        var policies = CertificatePolicies.GetInstance(cert.GetExtensionParsedValue(X509Extensions.CertificatePolicies));
        var policy = Assert.Single(policies.GetPolicyInformation());
        Assert.Equal(world.Manifest.Pki.NesPolicyOid, policy.PolicyIdentifier.Id);
        var qualifier = PolicyQualifierInfo.GetInstance(policy.PolicyQualifiers[0]);
        Assert.Equal(PolicyQualifierID.IdQtUnotice, qualifier.PolicyQualifierId);

        var qc = cert.GetExtensionParsedValue(X509Extensions.QCStatements) as Asn1Sequence;
        if (persona.NoQcStatements)
        {
            Assert.Null(qc);
        }
        else
        {
            var ids = qc!.Cast<Asn1Encodable>().Select(s => ((DerObjectIdentifier)Asn1Sequence.GetInstance(s)[0]).Id).ToList();
            Assert.Equal(new[] { "0.4.0.1862.1.1", "2.16.792.1.61.0.1.5070.1.1" }, ids);
        }
        Assert.NotNull(cert.GetExtensionValue(X509Extensions.CrlDistributionPoints));
    }

    [Fact]
    public void Names_keep_their_Turkish_letters_as_UTF8()
    {
        var persona = world.Persona("fp-expired");
        using var cert = X509CertificateLoader.LoadCertificateFromFile(persona.CertificatePath);
        Assert.Contains("CN=İsmail Şahin", cert.Subject, StringComparison.Ordinal);
        Assert.Contains(Encoding.UTF8.GetBytes("İsmail Şahin"), cert.SubjectName.RawData.AsSpan());
    }

    [Fact]
    public void Validity_follows_the_personas_file_relative_to_the_world_clock()
    {
        var clock = world.Manifest.Clock;
        Assert.True(world.Persona("fp-expired").NotAfter < clock, "fp-expired must have expired");
        var expiring = (world.Persona("fp-expiring").NotAfter - clock).TotalDays;
        Assert.InRange(expiring, 44.9, 45.1);
        Assert.InRange((world.Persona("individual").NotAfter - clock).TotalDays, 79.9, 80.1);
        Assert.True((world.Persona("doctor").NotAfter - clock).TotalDays > 365, "the doctor holds a valid NES");
    }

    [Fact]
    public void Sub_CA_CRL_lists_exactly_the_revoked_personas_and_is_signed_by_the_sub_CA()
    {
        var crl = HsmWorldFixture.ReadCrl(world.Manifest.Pki.NesSubCaCrl);
        var subCa = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.NesSubCaCertificate);
        crl.Verify(subCa.GetPublicKey());
        Assert.Equal(subCa.SubjectDN, crl.IssuerDN);
        Assert.True(crl.NextUpdate!.Value > world.Manifest.Clock.UtcDateTime);

        var revokedSerials = crl.GetRevokedCertificates().Select(e => e.SerialNumber).ToHashSet();
        var expected = world.Manifest.Personas.Where(p => p.Revoked).Select(p => new BigInteger(p.SerialNumberHex, 16)).ToHashSet();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, revokedSerials);
    }

    [Fact]
    public void Chain_runs_root_to_sub_CA_and_the_rogue_root_is_a_stranger()
    {
        var root = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.RootCertificate);
        var subCa = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.NesSubCaCertificate);
        var eOnay = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.EOnayIssuerCertificate);
        var rogue = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.RogueRootCertificate);
        var rogueLeaf = HsmWorldFixture.ReadCertificate(world.Manifest.Pki.RogueLeafCertificate);

        root.Verify(root.GetPublicKey());
        Assert.Contains("Test Kamu SM Kök Sertifika Hizmet Sağlayıcısı", root.SubjectDN.ToString());
        subCa.Verify(root.GetPublicKey());
        eOnay.Verify(root.GetPublicKey());
        Assert.Equal(0, subCa.GetBasicConstraints());
        rogueLeaf.Verify(rogue.GetPublicKey());
        Assert.Throws<Org.BouncyCastle.Security.InvalidKeyException>(() => rogueLeaf.Verify(subCa.GetPublicKey()));
    }
}
