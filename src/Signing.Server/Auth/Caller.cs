using System.Security.Claims;

namespace Signing.Server.Auth;

/// <summary>Role names carried in bearer tokens and checked on every RPC.</summary>
public static class Roles
{
    public const string Applicant = "applicant";
    public const string Officer = "officer";
    /// <summary>An internal system (portal, HR, Kamu SM/courier feed) authenticated by a configured key.</summary>
    public const string System = "system";
}

/// <summary>
/// What a system client may do, granted per client in Signing:Auth:SystemClients:&lt;name&gt;:Scopes; the scope each RPC
/// needs is in <see cref="RpcAccess"/>.
/// </summary>
public static class SystemScopes
{
    public const string ApplicationsSubmit = "applications:submit";
    public const string ApplicationsRead = "applications:read";
    public const string ApplicationsWithdraw = "applications:withdraw";
    public const string PaymentsRecord = "payments:record";
    public const string DeliveryRecord = "delivery:record";
    /// <summary>Checkpoints and consistency proofs of the whole log; inclusion proofs for the client's tenants.</summary>
    public const string LogRead = "log:read";
    /// <summary>Keep a tenant's staff list current (the HR system).</summary>
    public const string RosterWrite = "roster:write";
    /// <summary>Read a tenant's expiring list and its stats.</summary>
    public const string RosterRead = "roster:read";

    public static readonly IReadOnlyList<string> All = [ApplicationsSubmit, ApplicationsRead, ApplicationsWithdraw, PaymentsRecord, DeliveryRecord, LogRead, RosterWrite, RosterRead];

    /// <summary>In a client's Tenants: every directorate the server serves.</summary>
    public const string AllTenants = "*";
}

/// <summary>A system client's scopes and the directorates (tenant codes, or <see cref="SystemScopes.AllTenants"/>) it acts for.</summary>
public sealed record SystemGrant(IReadOnlySet<string> Scopes, IReadOnlySet<string> Tenants)
{
    public bool Has(string scope) => Scopes.Contains(scope);
    public bool Serves(string tenant) => Tenants.Contains(SystemScopes.AllTenants) || Tenants.Contains(tenant);
}

/// <summary>The claim types of a Signing bearer token.</summary>
public static class SigningClaims
{
    public const string Tckn = "tckn";
    public const string Name = "name";
    public const string Role = "role";
    public const string Tenant = "tenant";
    /// <summary>The registered JWT claim (seconds since the epoch), written by the token handler from the descriptor's Expires.</summary>
    public const string Expires = "exp";
}

/// <summary>Who is calling, read from the authenticated principal.</summary>
public sealed record Caller(string Tckn, string Name, IReadOnlySet<string> Roles, string? Tenant)
{
    /// <summary>When the bearer token stops being valid (its exp claim); null for system clients, whose credentials do not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>A system client's grant; null for people (and a system caller without one may do nothing scoped).</summary>
    public SystemGrant? Grant { get; init; }

    public bool Is(string role) => Roles.Contains(role);

    public static Caller From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(SigningClaims.Tckn) ?? "",
        principal.FindFirstValue(SigningClaims.Name) ?? "",
        principal.FindAll(SigningClaims.Role).Select(c => c.Value).ToHashSet(),
        principal.FindFirstValue(SigningClaims.Tenant) is { Length: > 0 } t ? t : null)
    {
        ExpiresAt = long.TryParse(principal.FindFirstValue(SigningClaims.Expires), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null,
    };
}
