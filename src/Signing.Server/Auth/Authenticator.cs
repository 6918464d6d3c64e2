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
/// Who is calling: a bearer token from SessionService.SignIn (<c>authorization: Bearer …</c>) or a configured system key
/// (<c>x-api-key</c>; Signing:Auth:SystemKeys:&lt;name&gt; = key). Every RPC asks for the roles it accepts.
/// </summary>
public sealed class Authenticator
{
    public const string ApiKeyHeader = "x-api-key";
    private readonly SessionTokens _tokens;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly IReadOnlyList<(string Name, byte[] Key)> _systemKeys;
    private readonly IReadOnlyDictionary<string, string> _systemCertificates;

    /// <param name="options">Keys shorter than <see cref="AuthOptions.MinimumSystemKeyLength"/> were refused at start.</param>
    public Authenticator(SessionTokens tokens, IOptions<AuthOptions> options)
    {
        _tokens = tokens;
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
            return new Caller("", client, new HashSet<string> { Roles.System }, null);
        }
        var key = context.RequestHeaders.GetValue(ApiKeyHeader);
        if (!string.IsNullOrEmpty(key))
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            foreach (var (name, expected) in _systemKeys)
            {
                if (CryptographicOperations.FixedTimeEquals(bytes, expected))
                    return new Caller("", name, new HashSet<string> { Roles.System }, null);
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

    /// <summary>The caller, who must hold one of <paramref name="roles"/>.</summary>
    public async Task<Caller> RequireAsync(ServerCallContext context, params string[] roles)
    {
        var caller = await AuthenticateAsync(context)
            ?? throw ServiceError.Unauthenticated(ErrorCodes.NotSignedIn,
                "sign in first: SessionService.SignIn with your card, then send 'authorization: Bearer <token>'",
                "önce kartınızla giriş yapın (SessionService.SignIn) ve 'authorization: Bearer <jeton>' gönderin");
        if (!roles.Any(caller.Is))
            throw ServiceError.PermissionDenied(ErrorCodes.RoleRequired,
                $"this call needs the role {string.Join(" or ", roles)}", $"bu işlem için gereken yetki: {string.Join(" veya ", roles)}");
        return caller;
    }

    /// <summary>System clients reach every tenant; officers only their own.</summary>
    public static void RequireTenant(Caller caller, string tenant)
    {
        if (caller.Is(Roles.System))
            return;
        if (caller.Is(Roles.Officer) && caller.Tenant == tenant)
            return;
        throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.WrongTenant,
            $"this application belongs to another directorate ({tenant}); officers act only for their own",
            $"bu başvuru başka bir il müdürlüğüne ({tenant}) ait; yetkililer yalnızca kendi müdürlüklerinde işlem yapabilir",
            metadata: new Dictionary<string, string> { ["tenant"] = tenant });
    }
}
