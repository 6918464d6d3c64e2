using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signing.Server.Configuration;

namespace Signing.Server.Auth;

/// <summary>
/// Issues the short-lived bearer tokens (JWT, HMAC-SHA256) handed out by SignIn. The key comes from
/// configuration (Signing:Auth:TokenKey, base64, ≥ 32 bytes) or is made at start-up, in which case a
/// restart signs everybody out — acceptable for a single instance, configure a key for several.
/// </summary>
public sealed class SessionTokens
{
    public const string Issuer = "signing";
    public const string Audience = "esign.v1";

    public SessionTokens(AuthOptions options, TimeProvider time)
    {
        var key = string.IsNullOrEmpty(options.TokenKey) ? RandomNumberGenerator.GetBytes(AuthOptions.MinimumTokenKeyBytes)
            : Convert.FromBase64String(options.TokenKey);
        if (key.Length < AuthOptions.MinimumTokenKeyBytes)
            throw new InvalidOperationException($"Signing:Auth:TokenKey must be at least {AuthOptions.MinimumTokenKeyBytes} bytes (base64)");
        Key = new SymmetricSecurityKey(key);
        Lifetime = TimeSpan.FromMinutes(options.TokenMinutes);
        _time = time;
    }

    /// <summary>From the Signing:Auth section of <paramref name="configuration"/> (tests mint tokens as the server would).</summary>
    public SessionTokens(IConfiguration configuration, TimeProvider time)
        : this(configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions(), time)
    {
    }

    private readonly TimeProvider _time;

    public SymmetricSecurityKey Key { get; }
    public TimeSpan Lifetime { get; }

    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = SigningClaims.Name,
        RoleClaimType = SigningClaims.Role,
    };

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
