using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Signing.TestKit;

namespace Signing.HsmSim.Tests;

/// <summary>The certificates name the world's services exactly as the manifest records them.</summary>
[Collection(PkiWorld.Collection)]
public sealed class CertificateUrlTests(PkiServices pki)
{
    public static IEnumerable<object[]> AllPersonas() => Personas.All();

    internal static X509Certificate Read(string path) => new X509CertificateParser().ReadCertificate(File.ReadAllBytes(path));

    internal static string? OcspUrl(X509Certificate cert) =>
        cert.GetExtensionParsedValue(X509Extensions.AuthorityInfoAccess) is { } aia
            ? AuthorityInformationAccess.GetInstance(aia).GetAccessDescriptions()
                .Where(d => d.AccessMethod.Equals(AccessDescription.IdADOcsp))
                .Select(d => ((IAsn1String)d.AccessLocation.Name).GetString()).Single()
            : null;

    internal static string CrlUrl(X509Certificate cert) =>
        ((IAsn1String)GeneralNames.GetInstance(
            CrlDistPoint.GetInstance(cert.GetExtensionParsedValue(X509Extensions.CrlDistributionPoints))
                .GetDistributionPoints().Single().DistributionPointName.Name).GetNames().Single().Name).GetString();

    [Theory]
    [MemberData(nameof(AllPersonas))]
    public void Every_persona_certificate_names_the_OCSP_responder_and_its_issuers_CRL(string id)
    {
        var persona = pki.Manifest.Persona(id);
        var cert = Read(persona.CertificatePath);

        Assert.Equal(pki.Services.OcspUrl, OcspUrl(cert));
        Assert.Equal(pki.Services.CrlUrls[persona.Issuer], CrlUrl(cert));
        Assert.StartsWith($"http://{pki.Services.Host}:{pki.Services.Port}/", pki.Services.OcspUrl, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sub_CA_names_the_root_CRL_and_the_services_under_the_root_name_theirs()
    {
        var pkiFiles = pki.Manifest.Pki;
        Assert.Equal(pki.Services.CrlUrls["root"], CrlUrl(Read(pkiFiles.NesSubCaCertificate)));
        Assert.Equal(pkiFiles.RootCrlUrl, pki.Services.CrlUrls["root"]);
        Assert.Equal(pkiFiles.NesSubCaCrlUrl, pki.Services.CrlUrls["nes-subca"]);
        foreach (var path in new[] { pkiFiles.EOnayIssuerCertificate, pkiFiles.TsaCertificate })
        {
            Assert.Equal(pki.Services.CrlUrls["root"], CrlUrl(Read(path)));
            Assert.Equal(pki.Services.OcspUrl, OcspUrl(Read(path)));
        }
    }

    [Fact]
    public void The_TSA_certificate_is_for_time_stamping_only_critically_and_chains_to_the_root()
    {
        var tsa = Read(pki.Manifest.Pki.TsaCertificate);
        tsa.Verify(Read(pki.Manifest.Pki.RootCertificate).GetPublicKey());

        Assert.Contains(X509Extensions.ExtendedKeyUsage.Id, tsa.GetCriticalExtensionOids());
        Assert.Equal([KeyPurposeID.id_kp_timeStamping.Id], tsa.GetExtendedKeyUsage().Select(o => o.Id));
        Assert.Contains(pki.Manifest.Pki.TsaCertificate, WorldTrust.Model(pki.Manifest).TimestampAuthorities);
    }

    [Fact]
    public void The_OCSP_responder_certificate_is_delegated_by_the_sub_CA_with_nocheck()
    {
        var responder = Read(pki.Manifest.Pki.OcspResponderCertificate);
        responder.Verify(Read(pki.Manifest.Pki.NesSubCaCertificate).GetPublicKey());

        Assert.Equal([KeyPurposeID.id_kp_OCSPSigning.Id], responder.GetExtendedKeyUsage().Select(o => o.Id));
        Assert.NotNull(responder.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNocheck));
    }

    [Fact]
    public void The_OpenSSL_index_lists_every_sub_CA_certificate_with_the_revoked_one_as_R()
    {
        var lines = File.ReadAllLines(pki.Manifest.Pki.NesSubCaIndex).Select(l => l.Split('\t')).ToList();
        foreach (var persona in pki.Manifest.Personas.Where(p => p.Issuer == "nes-subca"))
        {
            var serial = Read(persona.CertificatePath).SerialNumber.ToString(16).ToUpperInvariant();
            var line = Assert.Single(lines, l => l[3].TrimStart('0') == serial.TrimStart('0'));
            Assert.Equal(persona.Revoked ? "R" : "V", line[0]);
        }
    }
}
