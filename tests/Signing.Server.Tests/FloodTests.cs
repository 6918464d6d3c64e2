using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>Floods that the per-call limits alone would not stop: unredeemed challenges, made-up credentials.</summary>
public sealed class FloodTests(RateLimitTests.SmallLimitsServer server) : IClassFixture<RateLimitTests.SmallLimitsServer>
{
    [Fact]
    public async Task One_address_cannot_hold_more_than_its_share_of_unredeemed_challenges()
    {
        await using var store = new ChallengeStore(Npgsql.NpgsqlDataSource.Create(server.ConnectionString), TimeProvider.System, maxPerClient: 3);
        var held = new List<string>();
        for (var i = 0; i < 3; i++)
            held.Add((await store.CreateAsync("198.51.100.1", CancellationToken.None)).Id);
        var refused = await Assert.ThrowsAsync<ServiceError>(() => store.CreateAsync("198.51.100.1", CancellationToken.None));
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal("TOO_MANY_CHALLENGES", refused.Reason);

        // Another address is not affected; a redeemed challenge gives the place back.
        Assert.NotNull((await store.CreateAsync("198.51.100.2", CancellationToken.None)).Nonce);
        Assert.NotNull(await store.RedeemAsync(held[0], CancellationToken.None));
        Assert.NotNull((await store.CreateAsync("198.51.100.1", CancellationToken.None)).Nonce);
        await Assert.ThrowsAsync<ServiceError>(() => store.CreateAsync("198.51.100.1", CancellationToken.None));
        // A challenge redeemed twice frees nothing the second time.
        Assert.Null(await store.RedeemAsync(held[0], CancellationToken.None));
        await Assert.ThrowsAsync<ServiceError>(() => store.CreateAsync("198.51.100.1", CancellationToken.None));
    }

    [Fact]
    public async Task Made_up_tokens_from_one_address_are_refused_after_a_few_while_a_real_caller_elsewhere_goes_on()
    {
        var sessions = new SessionService.SessionServiceClient(server.Channel);
        var unauthenticated = 0;
        StatusCode last;
        do
        {
            // A fresh token each time: each is its own credential, so only the address can tie them together.
            var headers = new Metadata { { "X-Forwarded-For", "198.51.100.50" }, { "authorization", $"Bearer made-up-{Guid.NewGuid():N}" } };
            last = await Scenario.StatusOf(() => sessions.WhoAmIAsync(new WhoAmIRequest(), headers).ResponseAsync);
            if (last == StatusCode.Unauthenticated)
                unauthenticated++;
        }
        while (last == StatusCode.Unauthenticated && unauthenticated < 1000);
        Assert.Equal(StatusCode.ResourceExhausted, last);
        Assert.InRange(unauthenticated, RateLimitTests.Burst, RateLimitTests.Burst + 2);
        Assert.Equal(StatusCode.ResourceExhausted, await Scenario.StatusOf(() =>
            sessions.WhoAmIAsync(new WhoAmIRequest(), new Metadata { { "X-Forwarded-For", "198.51.100.50" }, { "authorization", "Bearer another" } }).ResponseAsync));

        var elsewhere = new Metadata { { "X-Forwarded-For", "198.51.100.51" } };
        var signedIn = await RateLimitTests.SignInAsync(server.Channel, "doctor", elsewhere);
        elsewhere.Add("authorization", "Bearer " + signedIn.AccessToken);
        Assert.Contains("applicant", (await sessions.WhoAmIAsync(new WhoAmIRequest(), elsewhere)).Roles);
    }
}
