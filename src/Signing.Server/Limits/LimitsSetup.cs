using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Signing.Server.Limits;

/// <summary>Registers the rate limits, and the forwarded-headers middleware when a trusted proxy header is configured.</summary>
public static class LimitsSetup
{
    public static IServiceCollection AddSigningLimits(this IServiceCollection services)
    {
        services.AddSingleton<RateLimitInterceptor>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<RateLimitOptions>>((forwarded, limits) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            if (limits.Value.ForwardedForHeader is { Length: > 0 } header)
                forwarded.ForwardedForHeaderName = header;
            // Only the configured proxies are believed: not even loopback by default.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            // Walks back through a chain of trusted proxies and stops at the first address that is not one.
            forwarded.ForwardLimit = null;
            foreach (var proxy in limits.Value.TrustedProxies)
            {
                if (proxy.Contains('/'))
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                else
                    forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        return services;
    }

    public static WebApplication UseSigningLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.ForwardedForHeader is { Length: > 0 })
            app.UseForwardedHeaders();
        return app;
    }
}
