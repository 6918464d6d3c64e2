using Microsoft.Extensions.Options;
using Signing.Server.Configuration;
using Signing.Verification;

namespace Signing.Server.Services;

/// <summary>
/// The verification engine, built once from the trust configuration file (Signing:TrustConfiguration) and shared by
/// every call: its caches are what make verifying fast.
/// </summary>
public sealed class Trust
{
    public Trust(IOptions<ServerOptions> options)
    {
        var file = options.Value.TrustConfiguration!;
        try
        {
            Configuration = TrustConfiguration.Load(file);
        }
        catch (Exception e) when (StartupException.IsFileProblem(e))
        {
            throw StartupException.ForFile(ServerOptions.TrustConfigurationKey, file, e);
        }
        Certificates = new CertificateValidator(Configuration);
        Cms = new CmsVerifier(Certificates);
        EOnay = new EOnayVerifier(Configuration);
    }

    public TrustConfiguration Configuration { get; }
    public CertificateValidator Certificates { get; }
    public CmsVerifier Cms { get; }
    public EOnayVerifier EOnay { get; }
}
