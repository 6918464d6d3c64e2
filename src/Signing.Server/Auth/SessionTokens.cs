using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signing.Server.Configuration;

namespace Signing.Server.Auth;

/// <summary>
/// Issues and checks the short-lived bearer tokens (JWT, HMAC-SHA256) handed out by SignIn. The keys come from
/// configuration: a ring (Signing:Auth:TokenKeys, current key first) or one key (Signing:Auth:TokenKey), base64, ≥ 32
/// bytes, the same on every node so any node accepts what any node issued. Only in Development may they be left out, and
/// then one is made at start-up (a restart signs everybody out). New tokens are signed with the current key and name it
/// (kid); a token is checked with the key its kid names, and one without a kid only when the ring holds a single key.
/// A token is accepted only as the server makes it: HS256, with an issue time and an expiry no further from it than the
/// configured lifetime, so a leaked key cannot mint everlasting tokens unnoticed and no other algorithm is ever tried.
/// </summary>
public sealed class SessionTokens
{
    public const string Issuer = "signing";
    public const string Audience = "esign.v1";

    private readonly IReadOnlyList<SymmetricSecurityKey> _ring;

    public SessionTokens(AuthOptions options, TimeProvider time)
    {
        var configured = options.TokenKeyRing();
        if (configured.Count == 0)
            configured = [new TokenKeyOptions { Id = AuthOptions.SingleKeyId, Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(AuthOptions.MinimumTokenKeyBytes)) }];
        var ring = new List<SymmetricSecurityKey>();
        foreach (var entry in configured)
        {
            var key = Convert.FromBase64String(entry.Key ?? "");
            if (key.Length < AuthOptions.MinimumTokenKeyBytes || string.IsNullOrWhiteSpace(entry.Id) || ring.Any(k => k.KeyId == entry.Id))
                throw new InvalidOperationException($"{AuthOptions.TokenKeysKey}: every key needs an id of its own and at least {AuthOptions.MinimumTokenKeyBytes} bytes (base64)");
            ring.Add(new SymmetricSecurityKey(key) { KeyId = entry.Id });
        }
        _ring = ring;
        Lifetime = TimeSpan.FromMinutes(options.TokenMinutes);
        _time = time;
    }

    /// <summary>From the Signing:Auth section of <paramref name="configuration"/> (tests mint tokens as the server would).</summary>
    public SessionTokens(IConfiguration configuration, TimeProvider time)
        : this(configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions(), time)
    {
    }

    private readonly TimeProvider _time;

    /// <summary>The current key: new tokens are signed with it.</summary>
    public SymmetricSecurityKey Key => _ring[0];

    /// <summary>The ids of the keys accepted, current first.</summary>
    public IEnumerable<string> KeyIds => _ring.Select(k => k.KeyId);
    public TimeSpan Lifetime { get; }

    /// <summary>The clock the tokens are issued and judged by.</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKeyResolver = ResolveKey,
        // Only the key the token names: never every key in turn (a token whose kid is unknown is refused, not tried).
        TryAllIssuerSigningKeys = false,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateLifetime = true,
        RequireExpirationTime = true,
        LifetimeValidator = ValidateLifetime,
        ClockSkew = Skew,
        NameClaimType = SigningClaims.Name,
        RoleClaimType = SigningClaims.Role,
    };

    /// <summary>The key named by the token's kid; without a kid, the one key of a ring of one (tokens minted before kids).</summary>
    private IEnumerable<SecurityKey> ResolveKey(string token, SecurityToken securityToken, string? kid, TokenValidationParameters parameters) =>
        string.IsNullOrEmpty(kid) ? (_ring.Count == 1 ? _ring : [])
            : _ring.Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal));

    /// <summary>
    /// Expiry and not-before as the library judges them (an expired token stays SecurityTokenExpiredException, which
    /// callers report as TOKEN_EXPIRED), then the bound: an issue time must be there, not in the future, and the expiry at
    /// most the configured lifetime after it (exp and iat are whole seconds, hence the one second).
    /// </summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null)
            throw new SecurityTokenNoExpirationException("the token has no expiry");
        if (notBefore is { } nbf && nbf > now + Skew)
            throw new SecurityTokenNotYetValidException("the token is not valid yet") { NotBefore = nbf };
        if (expires.Value < now - Skew)
            throw new SecurityTokenExpiredException("the token has expired") { Expires = expires.Value };
        var issuedAt = (token as JsonWebToken)?.IssuedAt ?? default;
        if (issuedAt == default || issuedAt > now + Skew)
            throw new SecurityTokenInvalidLifetimeException("the token has no usable issue time");
        if (expires.Value - issuedAt > Lifetime + TimeSpan.FromSeconds(1))
            throw new SecurityTokenInvalidLifetimeException($"the token lives longer than {Lifetime.TotalMinutes} minutes");
        return true;
    }

    public (string Token, DateTimeOffset ExpiresAt) Issue(Caller caller)
    {
        var now = _time.GetUtcNow();
        var expires = now + Lifetime;
        var claims = new List<Claim>
        {
            new(SigningClaims.Tckn, caller.Tckn),
            new(SigningClaims.Name, caller.Name),
        };
        claims.AddRange(caller.Roles.Select(r => new Claim(SigningClaims.Role, r)));
        if (caller.Tenant is not null)
            claims.Add(new Claim(SigningClaims.Tenant, caller.Tenant));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }
}
