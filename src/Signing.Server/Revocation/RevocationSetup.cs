using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Signing.Revocation;
using Signing.Server.Services;
using Signing.Store;
using Signing.Verification;

namespace Signing.Server.Revocation;

/// <summary>
/// Revocation data as Kamu SM publishes it: OCSP answers and CRLs fetched over HTTP (and CRL files for air-gapped
/// installations), shared by every node through PostgreSQL, refreshed in the background before they go stale, held in
/// memory where the verification engine reads them. Settings: Signing:Revocation (see <see cref="RevocationFetchOptions"/>).
/// </summary>
public static class RevocationSetup
{
    public const string Section = "Signing:Revocation";

    public static IServiceCollection AddSigningRevocation(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<RevocationFetchOptions>().Bind(configuration.GetSection(Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RevocationFetchOptions>>(new FetchOptionsValidation());
        services.AddSingleton<MemoryRevocationSource>();
        // One client for every fetch: responders, CRL points and the TSA are few hosts, asked again and again.
        services.AddKeyedSingleton(Section, (_, _) => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each client applies its own timeout
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RevocationFetchOptions>>().Value;
            var trust = sp.GetRequiredService<Trust>();
            // The nonce follows the validation policy; the client checks it, the engine judges everything else.
            options.OcspNonce = trust.Configuration.Revocation.OcspNonce;
            var policy = trust.Configuration.Revocation;
            var algorithms = Verification.AlgorithmPolicy.Strict;
            OcspJudge judge = (response, certificate, issuer) =>
            {
                var judgement = OcspValidation.Judge(response, certificate, issuer, DateTimeOffset.UtcNow, policy.OcspSkew, algorithms,
                    sp.GetRequiredService<MemoryRevocationSource>().Crls);
                return judgement.Usable ? null : $"{judgement.Problem}: {judgement.Detail}";
            };
            return new OcspClient(sp.GetRequiredKeyedService<HttpClient>(Section), options, judge);
        });
        services.AddSingleton(sp => new CrlFetcher(sp.GetRequiredKeyedService<HttpClient>(Section), sp.GetRequiredService<IOptions<RevocationFetchOptions>>().Value));
        services.AddSingleton(sp => new PostgresRevocationStore(NpgsqlDataSource.Create(connectionString), SigningStore.Schema));
        services.AddSingleton(sp => new RevocationRefresher(sp.GetRequiredService<IOptions<RevocationFetchOptions>>().Value,
            sp.GetRequiredService<MemoryRevocationSource>(), sp.GetRequiredService<OcspClient>(), sp.GetRequiredService<CrlFetcher>(),
            sp.GetRequiredService<PostgresRevocationStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RevocationRefresher>>()));
        services.AddSingleton(sp => new TimestampClient(sp.GetRequiredKeyedService<HttpClient>(Section), sp.GetRequiredService<IOptions<RevocationFetchOptions>>().Value));
        services.AddHostedService<RevocationService>();
        return services;
    }

    private sealed class FetchOptionsValidation : IValidateOptions<RevocationFetchOptions>
    {
        public ValidateOptionsResult Validate(string? name, RevocationFetchOptions options) =>
            options.Validate() is { Count: > 0 } problems
                ? ValidateOptionsResult.Fail(problems.Select(p => $"{Section}:{p}"))
                : ValidateOptionsResult.Success;
    }
}

/// <summary>Hosts the background refresh: the trust file's CRLs first, then the loop until the server stops.</summary>
public sealed class RevocationService(RevocationRefresher refresher, Trust trust) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        refresher.Register(trust.Configuration);
        return refresher.RunAsync(stoppingToken);
    }
}

/// <summary>
/// Revocation freshness as a health component: unhealthy when a CRL passed its nextUpdate without a refresh or a responder
/// has failed for too long, each problem naming the URL and the age.
/// </summary>
public sealed class RevocationHealthCheck(RevocationRefresher refresher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = refresher.Health();
        var problems = string.Join("; ", report.Problems);
        return Task.FromResult(report.Status switch
        {
            RevocationHealthStatus.Unhealthy => HealthCheckResult.Unhealthy(problems),
            RevocationHealthStatus.Degraded => HealthCheckResult.Degraded(problems),
            _ => HealthCheckResult.Healthy($"{report.Sources.Count} revocation sources fresh"),
        });
    }
}
