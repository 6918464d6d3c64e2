using Signing.Verification;

namespace Signing.HsmSim;

/// <summary>
/// The trust configuration of the simulated world: the test root as anchor, the NES sub-CA as intermediate, both CRLs,
/// the world's NES policy, the e-Onay issuer and the pin of the server's receipt certificate. hsm-sim writes it as trust.json beside the manifest; tests that need
/// a variant (other tolerances) start from <see cref="Model(WorldManifest)"/>.
/// </summary>
public static class WorldTrust
{
    public const string FileName = "trust.json";

    public static TrustConfiguration.FileModel Model(WorldManifest manifest) => new()
    {
        Name = "hsm-sim",
        TrustAnchors = [manifest.Pki.RootCertificate],
        Intermediates = [manifest.Pki.NesSubCaCertificate],
        Crls = [manifest.Pki.RootCrl, manifest.Pki.NesSubCaCrl],
        QualifiedPolicyOids = [manifest.Pki.NesPolicyOid],
        EOnayIssuers = [manifest.Pki.EOnayIssuerCertificate],
        // The receipt key is the server persona's: esign and the load driver verify receipts against this pin.
        ReceiptSigners = [.. manifest.Personas.Where(p => p.Role == "server").Select(p => p.CertificateSha256)],
        TimestampAuthorities = [manifest.Pki.TsaCertificate],
    };

    public static TrustConfiguration.FileModel Model(string manifestPath) => Model(WorldManifest.Load(manifestPath));

    /// <summary>The world's trust configuration, read from its manifest.</summary>
    public static TrustConfiguration Load(string manifestPath) =>
        TrustConfiguration.FromModel(Model(manifestPath), Path.GetDirectoryName(Path.GetFullPath(manifestPath))!);
}
