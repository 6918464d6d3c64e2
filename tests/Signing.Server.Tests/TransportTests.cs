using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// Bearer tokens made with the server's own key but not as the server makes them: another algorithm, no expiry, or a
/// lifetime longer than the configured one. Each is refused as TOKEN_INVALID; a token as the server issues it passes.
/// </summary>
public sealed class TokenShapeTests(SigningServer server) : IClassFixture<SigningServer>
{
    private static readonly byte[] Key = Convert.FromBase64String(SigningServer.TokenKey);

    private static string Mint(string algorithm, DateTime? issuedAt, DateTime? expires, byte[]? key = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = "signing",
            Audience = "esign.v1",
            Subject = new ClaimsIdentity([new Claim("tckn", Cards.Tckn("officer-mersin-1")), new Claim("name", "Fatma Arslan"),
                new Claim("role", "officer"), new Claim("role", "applicant"), new Claim("tenant", "33")]),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? Key), algorithm),
        };
        // The handler would add iat/nbf/exp defaults itself: switched off so a test decides which claims are there.
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private Task<WhoAmIResponse> WhoAmI(string token) =>
        server.Sessions().WhoAmIAsync(new WhoAmIRequest(), new Metadata { { "authorization", "Bearer " + token } }).ResponseAsync;

    [Fact]
    public async Task A_token_shaped_as_the_server_issues_it_is_accepted()
    {
        var now = DateTime.UtcNow;
        var who = await WhoAmI(Mint(SecurityAlgorithms.HmacSha256, now, now.AddMinutes(30)));
        Assert.Contains("officer", who.Roles);
    }

    [Fact]
    public async Task A_token_without_an_expiry_is_refused()
    {
        await Rpc.Refused(StatusCode.Unauthenticated, () => WhoAmI(Mint(SecurityAlgorithms.HmacSha256, DateTime.UtcNow, null)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task A_token_living_longer_than_the_configured_lifetime_is_refused()
    {
        var now = DateTime.UtcNow;
        await Rpc.Refused(StatusCode.Unauthenticated, () => WhoAmI(Mint(SecurityAlgorithms.HmacSha256, now, now.AddDays(365))), "TOKEN_INVALID");
    }

    [Fact]
    public async Task A_token_without_an_issue_time_is_refused()
    {
        await Rpc.Refused(StatusCode.Unauthenticated, () => WhoAmI(Mint(SecurityAlgorithms.HmacSha256, null, DateTime.UtcNow.AddMinutes(10))), "TOKEN_INVALID");
    }
}

/// <summary>
/// The algorithm is pinned to HS256. With the 32-byte test key the token library already refuses HS384/HS512 for the key's
/// size, so the pin is shown with a 64-byte key (which an operator may well configure): HS512 signed with the server's
/// own key is still refused.
/// </summary>
public sealed class TokenAlgorithmTests
{
    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task A_token_with_another_HMAC_algorithm_and_the_right_key_is_refused(string algorithm)
    {
        var key = RandomNumberGenerator.GetBytes(64);
        var tokens = new Signing.Server.Auth.SessionTokens(new Signing.Server.Configuration.AuthOptions { TokenKey = Convert.ToBase64String(key) },
            TimeProvider.System);
        var caller = new Signing.Server.Auth.Caller(Cards.Tckn("doctor"), "Ayşe Yılmaz", new HashSet<string> { "applicant" }, null);
        var handler = new JsonWebTokenHandler();
        Assert.True((await handler.ValidateTokenAsync(tokens.Issue(caller).Token, tokens.ValidationParameters)).IsValid);

        var now = DateTime.UtcNow;
        var other = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "signing",
            Audience = "esign.v1",
            Subject = new ClaimsIdentity([new Claim("tckn", Cards.Tckn("doctor")), new Claim("role", "applicant")]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), algorithm),
        });
        var result = await handler.ValidateTokenAsync(other, tokens.ValidationParameters);
        Assert.False(result.IsValid, $"a {algorithm} token was accepted");
    }
}

/// <summary>With TLS configured, the REST port speaks TLS too: no plain HTTP port is left open beside it.</summary>
public sealed class RestTlsTests(TlsSigningServer server) : IClassFixture<TlsSigningServer>
{
    [Fact]
    public async Task Plain_HTTP_to_the_REST_port_fails_and_HTTPS_answers()
    {
        using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(20) })
        {
            // Kestrel answers a plain request on a TLS port with a 400 or drops the connection: never with the API.
            try
            {
                using var response = await plain.GetAsync($"http://127.0.0.1:{server.RestPort}/v1/applications");
                Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
                Assert.DoesNotContain("NOT_SIGNED_IN", await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException)
            {
            }
        }

        using var tls = server.HttpClientWith(null);
        using var answer = await tls.GetAsync($"https://127.0.0.1:{server.RestPort}/v1/applications");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Contains("NOT_SIGNED_IN", await answer.Content.ReadAsStringAsync());
    }
}
