using System.Net;
using Microsoft.Extensions.Options;

namespace Signing.Server.Limits;

/// <summary>
/// Section <c>Signing:RateLimits</c>. The defaults are far above what a person at a desk does (a sign-in is two calls) and
/// above what the load driver's system client sends (a few thousand submissions a second), yet they stop one address
/// from taking sign-in away from everybody else.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Signing:RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Per client address: CreateChallenge, SignIn, CheckCertificate, GetRenewalGuidance, and calls without credentials.</summary>
    public BucketOptions Anonymous { get; set; } = new() { PermitsPerSecond = 20, Burst = 100 };

    /// <summary>Per bearer token (a signed-in applicant or officer).</summary>
    public BucketOptions Person { get; set; } = new() { PermitsPerSecond = 50, Burst = 200 };

    /// <summary>Per system client (API key or pinned client certificate): portals and feeds speak for many people.</summary>
    public BucketOptions SystemClient { get; set; } = new() { PermitsPerSecond = 20_000, Burst = 20_000 };

    /// <summary>Challenges one client address may hold unredeemed (each lives five minutes).</summary>
    public int ChallengesPerAddress { get; set; } = Auth.ChallengeStore.DefaultMaxPerClient;

    /// <summary>
    /// The header a reverse proxy puts the client's address in (e.g. X-Forwarded-For); empty = the socket's address counts.
    /// Honoured only on connections from <see cref="TrustedProxies"/>.
    /// </summary>
    public string? ForwardedForHeader { get; set; }

    /// <summary>Addresses (or CIDR networks) of the reverse proxies whose <see cref="ForwardedForHeader"/> is believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>A token bucket: <see cref="Burst"/> calls at once, refilled by <see cref="PermitsPerSecond"/>.</summary>
public sealed class BucketOptions
{
    public int PermitsPerSecond { get; set; }
    public int Burst { get; set; }
}

/// <summary>Section <c>Signing:Watch</c>: WatchQueue streams.</summary>
public sealed class WatchOptions
{
    public const string Section = "Signing:Watch";

    /// <summary>Concurrent WatchQueue streams of one officer (a desk, a second screen, a phone, a spare).</summary>
    public int MaxPerOfficer { get; set; } = 4;

    /// <summary>The opening snapshot's items at most (the oldest); a cut snapshot says so and how many it left out.</summary>
    public int SnapshotLimit { get; set; } = 1000;
}

public static class LimitOptionsSetup
{
    public static IServiceCollection AddLimitOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateOnStart();
        services.AddOptions<WatchOptions>().Bind(configuration.GetSection(WatchOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, LimitOptionsValidation>();
        services.AddSingleton<IValidateOptions<WatchOptions>, LimitOptionsValidation>();
        return services;
    }
}

/// <summary>Each failure names the key and the value found, as the other settings' validation does.</summary>
public sealed class LimitOptionsValidation : IValidateOptions<RateLimitOptions>, IValidateOptions<WatchOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o)
    {
        var failures = new List<string?>
        {
            AtLeast(RateLimitOptions.Section + ":ChallengesPerAddress", o.ChallengesPerAddress, 1),
            o.TrustedProxies.Count > 0 && string.IsNullOrWhiteSpace(o.ForwardedForHeader)
                ? $"{RateLimitOptions.Section}:TrustedProxies is set but {RateLimitOptions.Section}:ForwardedForHeader is not: name the header the proxies write"
                : null,
        };
        failures.AddRange(Bucket("Anonymous", o.Anonymous));
        failures.AddRange(Bucket("Person", o.Person));
        failures.AddRange(Bucket("SystemClient", o.SystemClient));
        failures.AddRange(o.TrustedProxies.Where(p => !IPAddress.TryParse(p, out _) && !IPNetwork.TryParse(p, out _))
            .Select(p => $"{RateLimitOptions.Section}:TrustedProxies: '{p}' is neither an IP address nor a CIDR network"));
        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, WatchOptions o) => Result(
    [
        AtLeast(WatchOptions.Section + ":MaxPerOfficer", o.MaxPerOfficer, 1),
        AtLeast(WatchOptions.Section + ":SnapshotLimit", o.SnapshotLimit, 1),
    ]);

    private static IEnumerable<string?> Bucket(string key, BucketOptions bucket) =>
    [
        AtLeast($"{RateLimitOptions.Section}:{key}:PermitsPerSecond", bucket.PermitsPerSecond, 1),
        AtLeast($"{RateLimitOptions.Section}:{key}:Burst", bucket.Burst, 1),
    ];

    private static string? AtLeast(string key, int value, int minimum) =>
        value >= minimum ? null : $"{key} must be at least {minimum} (was {value})";

    private static ValidateOptionsResult Result(IEnumerable<string?> failures)
    {
        var found = failures.OfType<string>().ToList();
        return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }
}
