using Org.BouncyCastle.X509;
using Signing.HsmSim;
using Signing.Tokens;

namespace Signing.TestKit;

/// <summary>
/// The hsm-sim world (built by ./build.sh --target=HsmSim, or on demand): the manifest and the PKI files.
/// SOFTHSM2_CONF is put into the C environment before any PKCS#11 module is loaded in this process.
/// </summary>
public sealed class HsmWorldFixture
{
    public WorldManifest Manifest { get; }

    public HsmWorldFixture()
    {
        Manifest = LocalWorld.LoadManifest();
        Pkcs11Native.EnsureLibdlResolver();
        SoftHsmEnvironment.EnsureConf(Manifest.SoftHsm2Conf);
    }

    public WorldPersona Persona(string id) => Manifest.Persona(id);

    public static X509Certificate ReadCertificate(string pemPath) =>
        new X509CertificateParser().ReadCertificate(File.ReadAllBytes(pemPath));

    public static X509Crl ReadCrl(string derPath) => new X509CrlParser().ReadCrl(File.ReadAllBytes(derPath));
}
