using Signing.Verification;

namespace Signing.Server.Services;

/// <summary>
/// The verification engine, built once from the trust configuration (Signing:TrustConfiguration = trust.json, or the
/// hsm-sim world's manifest named by SIGNING_HSM_MANIFEST) and shared by every call: its caches are what make verifying fast.
/// </summary>
public sealed class Trust
{
    public Trust(IConfiguration configuration)
    {
        var file = configuration["Signing:TrustConfiguration"];
        var manifest = configuration["SIGNING_HSM_MANIFEST"];
        Configuration = !string.IsNullOrEmpty(file) ? TrustConfiguration.Load(file)
            : !string.IsNullOrEmpty(manifest) ? TrustConfiguration.FromHsmSimManifest(manifest)
            : throw new InvalidOperationException("no trust configuration: set Signing:TrustConfiguration (trust.json) or SIGNING_HSM_MANIFEST");
        Certificates = new CertificateValidator(Configuration);
        Cms = new CmsVerifier(Certificates);
        EOnay = new EOnayVerifier(Configuration);
    }

    public TrustConfiguration Configuration { get; }
    public CertificateValidator Certificates { get; }
    public CmsVerifier Cms { get; }
    public EOnayVerifier EOnay { get; }
}
