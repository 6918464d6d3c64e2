namespace Signing.Server.Configuration;

// The server's settings, one class per configuration section. They are bound and validated once, when the host starts
// (SigningOptionsValidation), so a bad value stops the server with a line naming its key instead of failing a later call.

/// <summary>Section <c>Signing</c>: where the server listens and what it trusts.</summary>
public sealed class ServerOptions
{
    public const string Section = "Signing";
    public const string TrustConfigurationKey = "Signing:TrustConfiguration";

    /// <summary>h2c (or TLS) gRPC port.</summary>
    public int GrpcPort { get; set; } = ServerSetup.DefaultGrpcPort;
    /// <summary>HTTP/1.1 port of the JSON transcoding; 0 = none.</summary>
    public int RestPort { get; set; } = ServerSetup.DefaultRestPort;
    public string ListenAddress { get; set; } = "127.0.0.1";
    public int MaxMessageBytes { get; set; } = ServerSetup.DefaultMaxMessageBytes;
    /// <summary>The trust configuration file (JSON; see Signing.Verification.TrustConfiguration.FileModel).</summary>
    public string? TrustConfiguration { get; set; }
}

/// <summary>Section <c>Signing:Tls</c>: TLS on the gRPC and REST ports (absent = h2c and plain HTTP/1.1).</summary>
public sealed class TlsOptions
{
    public const string Section = "Signing:Tls";

    /// <summary>PKCS#12 file with the server certificate and key.</summary>
    public string? CertificateFile { get; set; }
    public string? CertificatePassword { get; set; }
    public bool RequireClientCertificate { get; set; }
}

/// <summary>Section <c>Signing:Auth</c>: session tokens and system clients.</summary>
public sealed class AuthOptions
{
    public const string Section = "Signing:Auth";
    public const int MinimumTokenKeyBytes = 32;
    public const int MinimumSystemKeyLength = 16;
    public const string TokenKeyKey = Section + ":TokenKey";
    public const string TokenKeysKey = Section + ":TokenKeys";
    /// <summary>The id <see cref="TokenKey"/> carries as a ring of one (name it so in <see cref="TokenKeys"/> to keep its tokens valid).</summary>
    public const string SingleKeyId = "default";
    public const string TokenMinutesKey = Section + ":TokenMinutes";
    /// <summary>A bearer token is a stolen session if it leaks: a card sign-in every two hours at most bounds that.</summary>
    public const int MaximumTokenMinutes = 120;

    /// <summary>
    /// Base64 HMAC key of the session tokens. Required outside Development (the server does not start without it, so
    /// several instances share it and a restart keeps everybody signed in); in Development empty = a random key per start.
    /// </summary>
    public string? TokenKey { get; set; }
    /// <summary>
    /// The key ring of the session tokens, instead of <see cref="TokenKey"/>: the first key signs new tokens, every key
    /// (the previous ones, kept until their tokens have expired) is accepted. The same ring on every instance.
    /// </summary>
    public List<TokenKeyOptions> TokenKeys { get; set; } = [];
    /// <summary>Lifetime of a session token, 1 to <see cref="MaximumTokenMinutes"/>.</summary>
    public int TokenMinutes { get; set; } = 30;
    /// <summary>System client name → API key (x-api-key).</summary>
    public Dictionary<string, string?> SystemKeys { get; set; } = [];
    /// <summary>System client name → SHA-256 (hex) of its TLS client certificate.</summary>
    public Dictionary<string, string?> SystemCertificates { get; set; } = [];
    /// <summary>
    /// System client name → what it may do and for which directorates. Every client with a key or a certificate needs
    /// one: a client without scopes or tenants would otherwise be either useless or all-powerful.
    /// </summary>
    public Dictionary<string, SystemClientOptions> SystemClients { get; set; } = [];

    /// <summary>
    /// The ring as configured, current key first: <see cref="TokenKeys"/>, or <see cref="TokenKey"/> as a ring of one
    /// (id <see cref="SingleKeyId"/>), or empty (Development: a random key is made).
    /// </summary>
    public IReadOnlyList<TokenKeyOptions> TokenKeyRing() =>
        TokenKeys.Count > 0 ? TokenKeys
        : string.IsNullOrEmpty(TokenKey) ? []
        : [new TokenKeyOptions { Id = SingleKeyId, Key = TokenKey }];

    /// <summary>The names of the clients that can authenticate: a key or a certificate pin is set.</summary>
    public IEnumerable<string> AuthenticatingClients() =>
        SystemKeys.Where(k => !string.IsNullOrEmpty(k.Value)).Select(k => k.Key)
            .Concat(SystemCertificates.Where(c => !string.IsNullOrWhiteSpace(c.Value)).Select(c => c.Key))
            .Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>The grant of a client, or null when it has none (configuration names are case-insensitive).</summary>
    public Auth.SystemGrant? GrantOf(string client)
    {
        var entry = SystemClients.FirstOrDefault(c => string.Equals(c.Key, client, StringComparison.OrdinalIgnoreCase)).Value;
        return entry is null ? null
            : new Auth.SystemGrant(entry.Scopes.Select(s => s.Trim()).ToHashSet(StringComparer.Ordinal),
                entry.Tenants.Select(t => t.Trim()).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>A configured certificate hash in the form compared against (lower-case hex, no colons).</summary>
    public static string Fingerprint(string configured) => configured.Replace(":", "").Trim().ToLowerInvariant();

    /// <summary>Pinned client certificates: fingerprint → system client name.</summary>
    public IReadOnlyDictionary<string, string> PinnedCertificates() =>
        SystemCertificates.Where(c => !string.IsNullOrWhiteSpace(c.Value)).ToDictionary(c => Fingerprint(c.Value!), c => c.Key);
}

/// <summary><c>Signing:Auth:TokenKeys:N</c>: one key of the session tokens' ring.</summary>
public sealed class TokenKeyOptions
{
    /// <summary>Written into each token it signs (the JWT <c>kid</c>), so a node finds the key without trying them all.</summary>
    public string? Id { get; set; }
    /// <summary>Base64 of at least <see cref="AuthOptions.MinimumTokenKeyBytes"/> random bytes.</summary>
    public string? Key { get; set; }
}

/// <summary><c>Signing:Auth:SystemClients:&lt;name&gt;</c>: a system client's scopes (<see cref="Auth.SystemScopes"/>) and tenants.</summary>
public sealed class SystemClientOptions
{
    public List<string> Scopes { get; set; } = [];
    /// <summary>Tenant codes, or "*" for every directorate.</summary>
    public List<string> Tenants { get; set; } = [];
}

/// <summary>Section <c>Signing:ServerKey</c>: the directorate's receipt key on the server's PKCS#11 token.</summary>
public sealed class ServerKeyOptions
{
    public const string Section = "Signing:ServerKey";

    public string Token { get; set; } = "server-mersin";
    /// <summary>The environment variable holding the token's PIN: the PIN itself never passes through configuration.</summary>
    public string PinEnvironmentVariable { get; set; } = "SIGNING_SERVER_PIN";
    /// <summary>PEM file of the issuing CA certificates every receipt embeds (only those on the key's issuer path).</summary>
    public string? ChainFile { get; set; }
    public const string HealthCacheSecondsKey = Section + ":HealthCacheSeconds";
    /// <summary>
    /// How long one real probe of the token (a PKCS#11 call) answers the health check: probes of several load balancers
    /// and Kubernetes every second must not queue on the token's lock between receipt signatures.
    /// </summary>
    public int HealthCacheSeconds { get; set; } = 3;
}

/// <summary>Section <c>Signing:Receipts</c>.</summary>
public sealed class ReceiptOptions
{
    public const string Section = "Signing:Receipts";
    public const string MaxBatchKey = Section + ":MaxBatch";

    /// <summary>
    /// Receipts one signature covers at most. Each reply carries its whole batch's list (67 bytes a receipt): 64 bounds
    /// that at ~4 KB and still makes one signature do for 64 receipts.
    /// </summary>
    public int MaxBatch { get; set; } = 64;

    public const string MaxQueuedKey = Section + ":MaxQueued";
    /// <summary>
    /// Receipts waiting for a signature at most; one more is not queued (its submission, already committed, is answered
    /// without a receipt). Above the group commit's queue, so it fills only when the token itself stalls.
    /// </summary>
    public int MaxQueued { get; set; } = 4096;
}

/// <summary>
/// <c>Signing:GroupCommit:Enabled</c>. The rest of the section is Signing.Store's <see cref="Signing.Store.GroupCommitOptions"/>.
/// </summary>
public sealed class GroupCommitSwitch
{
    /// <summary>Off = one transaction per submission (the naive baseline the load test compares against).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// <c>Signing:Tenants</c> (the directorates, by plate code), <c>Signing:TenantDefaults</c> (what a tenant leaves unset) and
/// <c>Signing:Officers</c> (tenant code → officers' TCKNs, added to each tenant's own <c>Officers</c>; a deployment's secrets
/// or generated file can name officers without repeating the tenant).
/// </summary>
public sealed class TenantsOptions
{
    public List<TenantOptions> Tenants { get; set; } = [];
    public TenantDefaultsOptions TenantDefaults { get; set; } = new();
    public Dictionary<string, List<string>> Officers { get; set; } = [];
}

/// <summary>
/// <c>Signing:TenantDefaults</c>: the fields every directorate shares unless its own entry sets them, so 81 entries hold
/// only what differs. Null = unset.
/// </summary>
public class TenantDefaultsOptions
{
    public string? Fee { get; set; }
    public string? FeeIban { get; set; }
    public string? FeeBank { get; set; }
    public string? FeeRecipient { get; set; }
    public string? DeskAddress { get; set; }
    public string? OfficerEmail { get; set; }
    public int? ApprovalsRequired { get; set; }
    /// <summary>A submission whose category disagrees with the roster: "Refuse" (the default) or "Flag" (accept, lacking CATEGORY_CONFIRMED).</summary>
    public string? CategoryCheck { get; set; }
    /// <summary>Days before notAfter at which reminders are e-mailed (default 90, 60, 30, 7).</summary>
    public List<int>? ReminderStages { get; set; }
    /// <summary>The SMTP server the renewal reminders go through (none = no reminders); field by field over the defaults'.</summary>
    public Reminders.SmtpOptions? Smtp { get; set; }
}

/// <summary>
/// <c>Signing:Tenants:N</c>: one directorate. <see cref="Code"/> is a plate code of the province catalog; <see cref="Name"/>
/// defaults to the catalog's directorate name, the other fields to <c>Signing:TenantDefaults</c>.
/// </summary>
public sealed class TenantOptions : TenantDefaultsOptions
{
    public string? Code { get; set; }
    public string? Name { get; set; }
    public List<string> Officers { get; set; } = [];
}
