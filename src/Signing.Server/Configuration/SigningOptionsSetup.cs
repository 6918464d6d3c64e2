using System.Net;
using Microsoft.Extensions.Options;
using Signing.Server.Limits;
using Signing.Store;

namespace Signing.Server.Configuration;

/// <summary>Binds every settings class to its section and has each validated when the host starts.</summary>
public static class SigningOptionsSetup
{
    public static IServiceCollection AddSigningOptions(this IServiceCollection services, IConfiguration configuration)
    {
        Add<ServerOptions>(services, configuration.GetSection(ServerOptions.Section));
        Add<TlsOptions>(services, configuration.GetSection(TlsOptions.Section));
        Add<AuthOptions>(services, configuration.GetSection(AuthOptions.Section));
        // Whether a token key may be left out depends on the environment, which the shared validation does not see.
        // A composition without a host environment is treated as production.
        services.AddOptions<AuthOptions>().Validate<IServiceProvider>((o, sp) => sp.GetService<IHostEnvironment>()?.IsDevelopment() == true || o.TokenKeyRing().Count > 0,
            $"{AuthOptions.TokenKeyKey} is not set (nor {AuthOptions.TokenKeysKey}): outside Development the session-token key must be configured " +
            $"(base64 of at least {AuthOptions.MinimumTokenKeyBytes} random bytes, e.g. `openssl rand -base64 32`; the same on every instance)");
        Add<ServerKeyOptions>(services, configuration.GetSection(ServerKeyOptions.Section));
        Add<ReceiptOptions>(services, configuration.GetSection(ReceiptOptions.Section));
        Add<GroupCommitSwitch>(services, configuration.GetSection(GroupCommitOptions.Section));
        Add<GroupCommitOptions>(services, configuration.GetSection(GroupCommitOptions.Section));
        Add<TenantsOptions>(services, configuration.GetSection(ServerOptions.Section));
        services.AddLimitOptions(configuration);
        Reminders.ReminderSetup.AddReminderOptions(services, configuration);
        services.AddSingleton<IValidateOptions<AuthOptions>, SystemClientTenantsValidation>();
        return services;
    }

    private static readonly SigningOptionsValidation Validation = new();

    private static void Add<T>(IServiceCollection services, IConfigurationSection section) where T : class
    {
        services.AddOptions<T>().Bind(section).ValidateOnStart();
        services.AddSingleton((IValidateOptions<T>)(object)Validation);
    }
}

/// <summary>The rules of each setting; a failure names the key, the value found and, where it helps, what is expected.</summary>
public sealed class SigningOptionsValidation :
    IValidateOptions<ServerOptions>, IValidateOptions<TlsOptions>, IValidateOptions<AuthOptions>, IValidateOptions<ServerKeyOptions>,
    IValidateOptions<ReceiptOptions>, IValidateOptions<GroupCommitSwitch>, IValidateOptions<GroupCommitOptions>, IValidateOptions<TenantsOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions o) => Result(
        Port("Signing:GrpcPort", o.GrpcPort, allowZero: false),
        Port("Signing:RestPort", o.RestPort, allowZero: true),
        o.RestPort != 0 && o.RestPort == o.GrpcPort ? $"Signing:RestPort must differ from Signing:GrpcPort (both {o.GrpcPort})" : null,
        IPAddress.TryParse(o.ListenAddress, out _) ? null : $"Signing:ListenAddress must be an IP address (was '{o.ListenAddress}')",
        AtLeast("Signing:MaxMessageBytes", o.MaxMessageBytes, 1024),
        string.IsNullOrWhiteSpace(o.TrustConfiguration)
            ? $"{ServerOptions.TrustConfigurationKey} is not set: give the path of the trust configuration file (trust.json)" : null);

    public ValidateOptionsResult Validate(string? name, TlsOptions o) => Result(
        o.RequireClientCertificate && string.IsNullOrEmpty(o.CertificateFile)
            ? "Signing:Tls:RequireClientCertificate needs TLS: set Signing:Tls:CertificateFile" : null);

    public ValidateOptionsResult Validate(string? name, AuthOptions o) => Result(
        [
            TokenKey(AuthOptions.TokenKeyKey, o.TokenKey),
            .. TokenKeys(o),
            AtLeast(AuthOptions.TokenMinutesKey, o.TokenMinutes, 1),
            o.TokenMinutes <= AuthOptions.MaximumTokenMinutes ? null
                : $"{AuthOptions.TokenMinutesKey} must be at most {AuthOptions.MaximumTokenMinutes} (was {o.TokenMinutes})",
            .. o.SystemKeys.Where(k => !string.IsNullOrEmpty(k.Value) && k.Value.Length < AuthOptions.MinimumSystemKeyLength)
                .Select(k => $"Signing:Auth:SystemKeys:{k.Key} must be at least {AuthOptions.MinimumSystemKeyLength} characters"),
            .. o.SystemCertificates.Where(c => !string.IsNullOrWhiteSpace(c.Value) && !IsSha256Hex(AuthOptions.Fingerprint(c.Value)))
                .Select(c => $"Signing:Auth:SystemCertificates:{c.Key} must be the SHA-256 of the client certificate (64 hex digits)"),
            .. SystemClients(o),
        ]);

    /// <summary>Every client that can authenticate has scopes and tenants; every client configured can authenticate.</summary>
    private static IEnumerable<string> SystemClients(AuthOptions o)
    {
        var known = string.Join(", ", Auth.SystemScopes.All);
        var authenticating = o.AuthenticatingClients().ToList();
        foreach (var name in authenticating)
        {
            var key = $"Signing:Auth:SystemClients:{name}";
            var grant = o.GrantOf(name);
            if (grant is null || grant.Scopes.Count == 0)
                yield return $"{key}:Scopes must name what the system client '{name}' may do (one or more of {known})";
            if (grant is null || grant.Tenants.Count == 0)
                yield return $"{key}:Tenants must name the directorates the system client '{name}' acts for (tenant codes, or \"{Auth.SystemScopes.AllTenants}\" for all)";
        }
        foreach (var (name, client) in o.SystemClients)
        {
            var key = $"Signing:Auth:SystemClients:{name}";
            if (!authenticating.Contains(name, StringComparer.OrdinalIgnoreCase))
                yield return $"{key} has neither a key (Signing:Auth:SystemKeys:{name}) nor a certificate pin (Signing:Auth:SystemCertificates:{name})";
            foreach (var scope in client.Scopes.Where(s => !Auth.SystemScopes.All.Contains(s.Trim())))
                yield return $"{key}:Scopes: '{scope}' is not a scope (known: {known})";
            if (client.Tenants.Any(string.IsNullOrWhiteSpace))
                yield return $"{key}:Tenants must not hold an empty code";
        }
    }

    public ValidateOptionsResult Validate(string? name, ServerKeyOptions o) => Result(
        string.IsNullOrWhiteSpace(o.Token) ? "Signing:ServerKey:Token must name the server's token (its label)" : null,
        string.IsNullOrWhiteSpace(o.PinEnvironmentVariable) ? "Signing:ServerKey:PinEnvironmentVariable must name an environment variable" : null,
        o.HealthCacheSeconds < 0 ? $"{ServerKeyOptions.HealthCacheSecondsKey} must be at least 0 (was {o.HealthCacheSeconds})" : null);

    public ValidateOptionsResult Validate(string? name, ReceiptOptions o) => Result(
        AtLeast(ReceiptOptions.MaxBatchKey, o.MaxBatch, 1),
        AtLeast(ReceiptOptions.MaxQueuedKey, o.MaxQueued, 1));

    public ValidateOptionsResult Validate(string? name, GroupCommitSwitch o) => ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, GroupCommitOptions o) => Result(o.Problems());

    public ValidateOptionsResult Validate(string? name, TenantsOptions o)
    {
        try
        {
            TenantCatalog.From(o);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }

    private static string? AtLeast(string key, int value, int minimum) =>
        value >= minimum ? null : $"{key} must be at least {minimum} (was {value})";

    private static string? Port(string key, int value, bool allowZero) =>
        value is >= 1 and <= 65535 || (allowZero && value == 0) ? null
            : $"{key} must be a port from {(allowZero ? "0 (none)" : "1")} to 65535 (was {value})";

    private static string? TokenKey(string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) && length >= AuthOptions.MinimumTokenKeyBytes ? null
            : $"{key} must be base64 of at least {AuthOptions.MinimumTokenKeyBytes} bytes";
    }

    /// <summary>Each key of the ring has an id of its own and a usable key; the ring replaces TokenKey rather than joining it.</summary>
    private static IEnumerable<string?> TokenKeys(AuthOptions o)
    {
        if (o.TokenKeys.Count == 0)
            yield break;
        if (!string.IsNullOrEmpty(o.TokenKey))
            yield return $"{AuthOptions.TokenKeyKey} and {AuthOptions.TokenKeysKey} are both set: set one (a single TokenKey is the ring " +
                $"[{{\"id\": \"{AuthOptions.SingleKeyId}\", \"key\": …}}])";
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < o.TokenKeys.Count; i++)
        {
            var key = $"{AuthOptions.TokenKeysKey}:{i}";
            var entry = o.TokenKeys[i];
            if (string.IsNullOrWhiteSpace(entry.Id))
                yield return $"{key}:Id must be set (the name written into the tokens this key signs)";
            else if (seen.TryGetValue(entry.Id, out var first))
                yield return $"{key}:Id '{entry.Id}' is already the id of {AuthOptions.TokenKeysKey}:{first}: every key needs an id of its own";
            else
                seen[entry.Id] = i;
            yield return string.IsNullOrEmpty(entry.Key) ? $"{key}:Key must be set (base64 of at least {AuthOptions.MinimumTokenKeyBytes} bytes)"
                : TokenKey($"{key}:Key", entry.Key);
        }
    }

    private static bool IsSha256Hex(string value) => value.Length == 64 && value.All(Uri.IsHexDigit);

    private static ValidateOptionsResult Result(params IEnumerable<string?> failures)
    {
        var found = failures.OfType<string>().ToList();
        return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }
}

/// <summary>A system client's tenants are directorates the server serves: a mistyped code would leave it silently useless.</summary>
public sealed class SystemClientTenantsValidation(IOptions<TenantsOptions> tenants) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions o)
    {
        TenantCatalog catalog;
        try
        {
            catalog = TenantCatalog.From(tenants.Value);
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException)
        {
            return ValidateOptionsResult.Skip; // the tenants' own rule says what is wrong with them
        }
        var unknown = o.SystemClients
            .SelectMany(c => c.Value.Tenants.Select(t => t.Trim())
                .Where(t => t.Length > 0 && t != Auth.SystemScopes.AllTenants && catalog.Find(t) is null)
                .Select(t => $"Signing:Auth:SystemClients:{c.Key}:Tenants: no tenant with code {t} in Signing:Tenants"))
            .ToList();
        return unknown.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
    }
}
