using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Signing.Server.Auth;
using Signing.Server.Configuration;

namespace Signing.Server.Tests;

/// <summary>Which key checks a token: the one its kid names; a token without a kid only under a ring of one.</summary>
public sealed class TokenKeyRingTests
{
    private static readonly byte[] Old = RandomNumberGenerator.GetBytes(32), New = RandomNumberGenerator.GetBytes(32);
    private static readonly Caller Doctor = new("12345678950", "Ayşe Yılmaz", new HashSet<string> { Roles.Applicant }, null);

    private static SessionTokens Ring(params (string Id, byte[] Key)[] keys) => new(new AuthOptions
    {
        TokenKeys = keys.Select(k => new TokenKeyOptions { Id = k.Id, Key = Convert.ToBase64String(k.Key) }).ToList(),
    }, TimeProvider.System);

    private static async Task<bool> Accepts(SessionTokens tokens, string token) =>
        (await new JsonWebTokenHandler().ValidateTokenAsync(token, tokens.ValidationParameters)).IsValid;

    /// <summary>A token as the server makes it, signed with <paramref name="key"/> and naming <paramref name="kid"/> (or no key).</summary>
    private static string Mint(byte[] key, string? kid)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SessionTokens.Issuer,
            Audience = SessionTokens.Audience,
            Subject = new ClaimsIdentity([new Claim(SigningClaims.Tckn, Doctor.Tckn), new Claim(SigningClaims.Role, Roles.Applicant)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.HmacSha256),
        });
    }

    [Fact]
    public async Task The_current_key_signs_and_names_itself_and_every_key_of_the_ring_is_accepted()
    {
        var rotated = Ring(("new", New), ("old", Old));
        var (token, _) = rotated.Issue(Doctor);
        Assert.Equal("new", new JsonWebToken(token).Kid);
        Assert.True(await Accepts(rotated, token));
        Assert.True(await Accepts(rotated, Ring(("old", Old)).Issue(Doctor).Token));
        Assert.False(await Accepts(Ring(("old", Old)), token));
    }

    [Fact]
    public async Task A_token_naming_an_unknown_key_is_refused_even_if_a_key_of_the_ring_signed_it()
    {
        Assert.False(await Accepts(Ring(("new", New), ("old", Old)), Mint(Old, "elsewhere")));
        // And a key id that is in the ring does not lend its name to another key's signature.
        Assert.False(await Accepts(Ring(("new", New), ("old", Old)), Mint(Old, "new")));
    }

    [Fact]
    public async Task A_token_without_a_kid_is_accepted_only_by_a_ring_of_one()
    {
        var unnamed = Mint(Old, kid: null);
        Assert.True(await Accepts(new SessionTokens(new AuthOptions { TokenKey = Convert.ToBase64String(Old) }, TimeProvider.System), unnamed));
        Assert.True(await Accepts(Ring(("old", Old)), unnamed));
        Assert.False(await Accepts(Ring(("new", New), ("old", Old)), unnamed));
    }

    [Fact]
    public void A_single_token_key_is_the_ring_of_one_named_default()
    {
        var single = new SessionTokens(new AuthOptions { TokenKey = Convert.ToBase64String(Old) }, TimeProvider.System);
        Assert.Equal([AuthOptions.SingleKeyId], single.KeyIds);
        Assert.Equal(AuthOptions.SingleKeyId, new JsonWebToken(single.Issue(Doctor).Token).Kid);
        // Development without a key: a random one, still a ring of one.
        Assert.Single(new SessionTokens(new AuthOptions(), TimeProvider.System).KeyIds);
    }
}
