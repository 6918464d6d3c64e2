using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Signing.Domain;
using Signing.Server.Configuration;
using Signing.Server.Errors;

namespace Signing.Server.Auth;

/// <summary>
/// Who is calling: a bearer token from SessionService.SignIn (<c>authorization: Bearer …</c>) or a configured system client
/// (<c>x-api-key</c>, Signing:Auth:SystemKeys:&lt;name&gt; = key; or a pinned client certificate). Every RPC asks for the
/// roles it accepts; a system client also needs the scope <see cref="RpcAccess"/> names for the RPC, and acts only for
/// the tenants of its grant (Signing:Auth:SystemClients:&lt;name&gt;).
/// </summary>
public sealed class Authenticator
{
    public const string ApiKeyHeader = "x-api-key";
    private readonly SessionTokens _tokens;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly IReadOnlyList<(string Name, byte[] Key)> _systemKeys;
    private readonly IReadOnlyDictionary<string, string> _systemCertificates;
    private readonly IReadOnlyDictionary<string, SystemGrant?> _grants;

    /// <param name="options">Keys shorter than <see cref="AuthOptions.MinimumSystemKeyLength"/> were refused at start.</param>
    public Authenticator(SessionTokens tokens, IOptions<AuthOptions> options)
    {
        _tokens = tokens;
        _grants = options.Value.AuthenticatingClients().ToDictionary(name => name, options.Value.GrantOf, StringComparer.OrdinalIgnoreCase);
        _systemKeys = options.Value.SystemKeys
            .Where(c => !string.IsNullOrEmpty(c.Value))
            .Select(c => (c.Key, Encoding.UTF8.GetBytes(c.Value!)))
            .ToList();
        // Pinned client certificates of system clients (mTLS): Signing:Auth:SystemCertificates:<name> = SHA-256 of the DER, hex.
        _systemCertificates = options.Value.PinnedCertificates();
    }

    /// <summary>The caller, or null when the call carries no credentials. Bad credentials are refused (UNAUTHENTICATED).</summary>
    public async Task<Caller?> AuthenticateAsync(ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        if (!string.IsNullOrEmpty(authorization))
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                throw ServiceError.Unauthenticated(ErrorCodes.AuthorizationMalformed, "the authorization metadata must be 'Bearer <token>'",
                    "authorization bilgisi 'Bearer <jeton>' biçiminde olmalı");
            var result = await _handler.ValidateTokenAsync(authorization["Bearer ".Length..].Trim(), _tokens.ValidationParameters);
            if (!result.IsValid)
            {
                var expired = result.Exception is SecurityTokenExpiredException;
                throw ServiceError.Unauthenticated(expired ? ErrorCodes.TokenExpired : ErrorCodes.TokenInvalid,
                    expired ? "the session has expired; sign in again with your card" : "the bearer token is not valid; sign in again with your card",
                    expired ? "oturumun süresi doldu; kartınızla yeniden giriş yapın" : "oturum jetonu geçersiz; kartınızla yeniden giriş yapın");
            }
            return Caller.From(new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity));
        }
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is not null)
        {
            // Kestrel accepted the TLS handshake; the pin decides whether this is a known system client.
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
            if (!_systemCertificates.TryGetValue(sha256, out var client))
                throw ServiceError.Unauthenticated(ErrorCodes.ClientCertificateUnknown, "the client certificate is not one of the configured system clients",
                    "istemci sertifikası tanımlı sistem istemcilerinden biri değil");
            RequireWithinValidity(certificate, client);
            return SystemCaller(client);
        }
        var key = context.RequestHeaders.GetValue(ApiKeyHeader);
        if (!string.IsNullOrEmpty(key))
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            foreach (var (name, expected) in _systemKeys)
            {
                if (CryptographicOperations.FixedTimeEquals(bytes, expected))
                    return SystemCaller(name);
            }
            throw ServiceError.Unauthenticated(ErrorCodes.ApiKeyInvalid, "the system key is not known", "sistem anahtarı tanınmıyor");
        }
        return null;
    }

    /// <summary>
    /// A pinned certificate is trusted without a chain (see ServerSetup), so nothing else checks its dates: one past its
    /// notAfter (or before its notBefore) no longer names a system client, whatever its pin.
    /// </summary>
    private void RequireWithinValidity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string client)
    {
        var now = _tokens.Now;
        var metadata = new Dictionary<string, string> { ["client"] = client };
        if (now > new DateTimeOffset(certificate.NotAfter.ToUniversalTime()))
            throw new ServiceError(StatusCode.Unauthenticated, ErrorCodes.ClientCertificateExpired,
                $"the client certificate of system client '{client}' expired at {certificate.NotAfter.ToUniversalTime():u}; renew it and update its pin",
                $"'{client}' sistem istemcisinin sertifikasının süresi {certificate.NotAfter.ToUniversalTime():u} tarihinde doldu; yenileyip sabitlemesini güncelleyin",
                metadata: metadata);
        if (now < new DateTimeOffset(certificate.NotBefore.ToUniversalTime()))
            throw new ServiceError(StatusCode.Unauthenticated, ErrorCodes.ClientCertificateNotYetValid,
                $"the client certificate of system client '{client}' is not valid before {certificate.NotBefore.ToUniversalTime():u}",
                $"'{client}' sistem istemcisinin sertifikası {certificate.NotBefore.ToUniversalTime():u} tarihinden önce geçerli değil",
                metadata: metadata);
    }

    /// <summary>A system client with its grant (every authenticating client has one: start-up refuses a client without).</summary>
    private Caller SystemCaller(string name) => new("", name, new HashSet<string> { Roles.System }, null) { Grant = _grants.GetValueOrDefault(name) };

    /// <summary>The caller, who must hold one of <paramref name="roles"/>; a system client also the RPC's scope.</summary>
    public async Task<Caller> RequireAsync(ServerCallContext context, params string[] roles)
    {
        var caller = await AuthenticateAsync(context)
            ?? throw ServiceError.Unauthenticated(ErrorCodes.NotSignedIn,
                "sign in first: SessionService.SignIn with your card, then send 'authorization: Bearer <token>'",
                "önce kartınızla giriş yapın (SessionService.SignIn) ve 'authorization: Bearer <jeton>' gönderin");
        if (!roles.Any(caller.Is))
            throw ServiceError.PermissionDenied(ErrorCodes.RoleRequired,
                $"this call needs the role {string.Join(" or ", roles)}", $"bu işlem için gereken yetki: {string.Join(" veya ", roles)}");
        if (caller.Is(Roles.System))
            RequireScope(caller, context.Method);
        return caller;
    }

    private static void RequireScope(Caller caller, string method)
    {
        switch (RpcAccess.For(method))
        {
            case SystemAccess.Open or SystemAccess.AnyClient:
                return;
            case SystemAccess.Scoped { Scope: var scope } when caller.Grant?.Has(scope) == true:
                return;
            case SystemAccess.Scoped { Scope: var scope }:
                throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.ScopeRequired,
                    $"the system client '{caller.Name}' lacks the scope {scope} that {method} needs",
                    $"'{caller.Name}' sistem istemcisinin {method} için gereken {scope} yetkisi yok",
                    metadata: new Dictionary<string, string> { ["scope"] = scope, ["client"] = caller.Name, ["method"] = method });
            default:
                throw ServiceError.PermissionDenied(ErrorCodes.RoleRequired, $"{method} is for people signed in with their card, not for system clients",
                    $"{method} kartla giriş yapan kişiler içindir, sistem istemcileri için değil");
        }
    }

    /// <summary>System clients act for the tenants of their grant; officers only for their own.</summary>
    public static void RequireTenant(Caller caller, string tenant)
    {
        if (caller.Is(Roles.System))
        {
            if (caller.Grant?.Serves(tenant) == true)
                return;
            throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.WrongTenant,
                $"the system client '{caller.Name}' does not act for the directorate {tenant}",
                $"'{caller.Name}' sistem istemcisi {tenant} il müdürlüğü için işlem yapamaz",
                metadata: new Dictionary<string, string> { ["tenant"] = tenant, ["client"] = caller.Name });
        }
        if (caller.Is(Roles.Officer) && caller.Tenant == tenant)
            return;
        throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.WrongTenant,
            $"this application belongs to another directorate ({tenant}); officers act only for their own",
            $"bu başvuru başka bir il müdürlüğüne ({tenant}) ait; yetkililer yalnızca kendi müdürlüklerinde işlem yapabilir",
            metadata: new Dictionary<string, string> { ["tenant"] = tenant });
    }
}
