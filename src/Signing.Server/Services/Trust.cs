using Microsoft.Extensions.Options;
using Signing.Revocation;
using Signing.Server.Configuration;
using Signing.Verification;

namespace Signing.Server.Services;

/// <summary>
/// The verification engine, built once from the trust configuration file (Signing:TrustConfiguration) and shared by
/// every call: its caches are what make verifying fast. It reads revocation data from the in-memory source the
/// background refresh keeps fresh; <see cref="VerifyAsync{T}"/> fetches what a first-seen certificate lacks.
/// </summary>
public sealed class Trust
{
    private readonly Lazy<RevocationRefresher> _refresher;

    public Trust(IOptions<ServerOptions> options, MemoryRevocationSource revocation, IServiceProvider services)
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
        Revocation = revocation;
        Certificates = new CertificateValidator(Configuration, revocation);
        Cms = new CmsVerifier(Certificates);
        EOnay = new EOnayVerifier(Configuration, revocation);
        Timestamps = new TimestampVerifier(Certificates);
        // The refresher's OCSP client judges answers with this configuration: resolved on first use, not at construction.
        _refresher = new(services.GetRequiredService<RevocationRefresher>);
    }

    public TrustConfiguration Configuration { get; }
    public MemoryRevocationSource Revocation { get; }
    public CertificateValidator Certificates { get; }
    public CmsVerifier Cms { get; }
    public EOnayVerifier EOnay { get; }
    public TimestampVerifier Timestamps { get; }

    private bool OcspFirst => Configuration.Revocation.Order is [RevocationSourceKind.Ocsp, ..];

    /// <summary>
    /// Verifies; when no usable revocation data was held (TRY_LATER), fetches what the path's certificates lack (shared
    /// with concurrent callers, bounded by the on-demand timeout, skipped for sources in backoff) and verifies again.
    /// When the verdict rested on a CRL although the policy asks OCSP first (a certificate seen for the first time),
    /// the OCSP answer is fetched in the background for its next verification, within the background budget
    /// (Revocation:BackgroundOcspPerSecond): a request waits on the network only when nothing else can answer it.
    /// </summary>
    public async Task<T> VerifyAsync<T>(Func<T> verify, Func<T, Verdict> verdictOf, CancellationToken ct)
    {
        var result = verify();
        var verdict = verdictOf(result);
        if (verdict.PathCertificates.Count < 2)
            return result;
        if (verdict.SubIndication != SubIndication.TryLater)
        {
            if (OcspFirst && !verdict.Revocation.Any(r => r.Kind == RevocationReference.OcspKind))
                _ = _refresher.Value.EnsureAsync(verdict.PathCertificates, CancellationToken.None, background: true);
            return result;
        }
        var generation = Revocation.Generation;
        await _refresher.Value.EnsureAsync(verdict.PathCertificates, ct);
        return Revocation.Generation == generation ? result : verify();
    }

    public Task<Verdict> VerifyAsync(Func<Verdict> verify, CancellationToken ct) => VerifyAsync(verify, v => v, ct);
}
