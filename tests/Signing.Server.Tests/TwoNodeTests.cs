using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// Server nodes of one deployment: real hosts on real sockets, sharing one PostgreSQL database. Sign-in state lives in the
/// database (challenges) and in configuration (the token keys), so whichever node a call lands on answers it alike.
/// A and B are configured alike (the fixture's single TokenKey); C has rotated to a new current key and still accepts the
/// old one; D has dropped the old key.
/// </summary>
public sealed class TwoNodeTests(TwoNodeTests.Nodes nodes) : IClassFixture<TwoNodeTests.Nodes>
{
    /// <summary>The key the rotation brings in; the fixture's <see cref="SigningServer.TokenKey"/> is the one it replaces.</summary>
    public static readonly string NewTokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public const string NewKeyId = "2026-12";

    /// <summary>A node on the database of another fixture, with settings of its own.</summary>
    public sealed class Node(SigningServer first, Action<Dictionary<string, string?>> configure) : SigningServer(first)
    {
        protected override bool Live => true;
        protected override void AddSettings(Dictionary<string, string?> settings) => configure(settings);
    }

    public sealed class Nodes : IAsyncLifetime
    {
        public LiveSigningServer A { get; } = new();
        public SigningServer B { get; private set; } = null!;
        /// <summary>Ring [new, old].</summary>
        public SigningServer C { get; private set; } = null!;
        /// <summary>Ring [new].</summary>
        public SigningServer D { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await A.InitializeAsync();
            B = new Node(A, _ => { });
            C = new Node(A, s => Ring(s, (NewKeyId, NewTokenKey), (Configuration.AuthOptions.SingleKeyId, SigningServer.TokenKey)));
            D = new Node(A, s => Ring(s, (NewKeyId, NewTokenKey)));
            await Task.WhenAll(B.InitializeAsync(), C.InitializeAsync(), D.InitializeAsync());
        }

        private static void Ring(Dictionary<string, string?> settings, params (string Id, string Key)[] ring)
        {
            // Null, not removed: it must also hide a Signing__Auth__TokenKey in the environment (the build exports one).
            settings["Signing:Auth:TokenKey"] = null;
            for (var i = 0; i < ring.Length; i++)
            {
                settings[$"Signing:Auth:TokenKeys:{i}:Id"] = ring[i].Id;
                settings[$"Signing:Auth:TokenKeys:{i}:Key"] = ring[i].Key;
            }
        }

        public async Task DisposeAsync()
        {
            // The others first: A drops the database they share.
            foreach (var node in new[] { B, C, D })
            {
                if (node is not null)
                    await node.DisposeAsync();
            }
            await A.DisposeAsync();
        }
    }

    private static SignInRequest Proof(Challenge challenge, string persona = "doctor") => new()
    {
        ChallengeId = challenge.ChallengeId,
        ProofOfPossession = ByteString.CopyFrom(Cards.Prove(persona, challenge.Nonce.ToByteArray())),
    };

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    [Fact]
    public async Task A_challenge_made_on_A_is_redeemed_on_B_once()
    {
        var challenge = await nodes.A.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var request = Proof(challenge);

        var session = await nodes.B.Sessions().SignInAsync(request);
        Assert.Contains("applicant", session.Identity.Roles);

        // Used: neither node takes it again, not even the one that made it.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => nodes.A.Sessions().SignInAsync(request), "CHALLENGE_UNKNOWN", "challenge_id");
        await Rpc.Refused(StatusCode.FailedPrecondition, () => nodes.B.Sessions().SignInAsync(request), "CHALLENGE_UNKNOWN", "challenge_id");
    }

    [Fact]
    public async Task Of_two_nodes_redeeming_one_challenge_at_once_exactly_one_signs_in()
    {
        for (var round = 0; round < 5; round++)
        {
            var challenge = await nodes.B.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
            var request = Proof(challenge);
            var outcomes = await Task.WhenAll(new[] { nodes.A, nodes.B, nodes.A, nodes.B }.Select(n => Scenario.StatusOf(() => n.Sessions().SignInAsync(request).ResponseAsync)));
            Assert.Equal(1, outcomes.Count(s => s == StatusCode.OK));
            Assert.Equal(3, outcomes.Count(s => s == StatusCode.FailedPrecondition));
        }
    }

    [Fact]
    public async Task A_token_from_a_sign_in_on_A_is_accepted_on_B()
    {
        var challenge = await nodes.A.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var session = await nodes.A.Sessions().SignInAsync(Proof(challenge, "officer-mersin-1"));

        var who = await nodes.B.Sessions().WhoAmIAsync(new WhoAmIRequest(), Bearer(session.AccessToken));
        Assert.Equal(session.Identity.TcknMasked, who.TcknMasked);
        Assert.Contains("officer", who.Roles);
        Assert.Equal("33", who.Tenant);
    }

    [Fact]
    public async Task A_token_of_the_old_key_is_accepted_by_a_ring_that_keeps_it_and_refused_by_one_that_dropped_it()
    {
        var challenge = await nodes.A.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var old = (await nodes.A.Sessions().SignInAsync(Proof(challenge))).AccessToken;
        Assert.Equal(Configuration.AuthOptions.SingleKeyId, new JsonWebToken(old).Kid);

        Assert.Contains("applicant", (await nodes.C.Sessions().WhoAmIAsync(new WhoAmIRequest(), Bearer(old))).Roles);
        await Rpc.Refused(StatusCode.Unauthenticated, () => nodes.D.Sessions().WhoAmIAsync(new WhoAmIRequest(), Bearer(old)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task A_rotated_node_signs_with_the_new_key_which_only_rings_holding_it_accept()
    {
        // Signed in on C (ring [new, old]): the token names the new key.
        var challenge = await nodes.C.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var fresh = (await nodes.C.Sessions().SignInAsync(Proof(challenge))).AccessToken;
        Assert.Equal(NewKeyId, new JsonWebToken(fresh).Kid);

        Assert.Contains("applicant", (await nodes.D.Sessions().WhoAmIAsync(new WhoAmIRequest(), Bearer(fresh))).Roles);
        // A node not yet given the new key refuses it: why the new key goes onto every node before it becomes current.
        await Rpc.Refused(StatusCode.Unauthenticated, () => nodes.A.Sessions().WhoAmIAsync(new WhoAmIRequest(), Bearer(fresh)), "TOKEN_INVALID");
    }

    [Fact]
    public async Task A_challenge_past_its_lifetime_is_refused_on_any_node()
    {
        // Made six minutes ago, as a node would have: the five-minute lifetime is over.
        await using var earlier = new ChallengeStore(NpgsqlDataSource.Create(nodes.A.ConnectionString), new ShiftedClock(TimeSpan.FromMinutes(-6)));
        var (id, nonce, expires) = await earlier.CreateAsync("198.51.100.9", CancellationToken.None);
        Assert.True(expires < DateTimeOffset.UtcNow);
        var request = Proof(new Challenge { ChallengeId = id, Nonce = ByteString.CopyFrom(nonce) });

        await Rpc.Refused(StatusCode.FailedPrecondition, () => nodes.B.Sessions().SignInAsync(request), "CHALLENGE_UNKNOWN", "challenge_id");
    }

    [Fact]
    public async Task One_address_cannot_hold_more_than_its_share_across_nodes()
    {
        // Two nodes' stores on the one database, each with a cap of three per address.
        await using var onA = new ChallengeStore(NpgsqlDataSource.Create(nodes.A.ConnectionString), TimeProvider.System, maxPerClient: 3);
        await using var onB = new ChallengeStore(NpgsqlDataSource.Create(nodes.A.ConnectionString), TimeProvider.System, maxPerClient: 3);
        const string address = "198.51.100.20";
        var held = new List<string>
        {
            (await onA.CreateAsync(address, CancellationToken.None)).Id,
            (await onB.CreateAsync(address, CancellationToken.None)).Id,
            (await onA.CreateAsync(address, CancellationToken.None)).Id,
        };
        foreach (var store in new[] { onA, onB })
        {
            var refused = await Assert.ThrowsAsync<ServiceError>(() => store.CreateAsync(address, CancellationToken.None));
            Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
            Assert.Equal("TOO_MANY_CHALLENGES", refused.Reason);
            Assert.Contains("this address holds 3 unused challenges", refused.Message);
        }

        // A redeem on B gives A the place back; a second redeem returns nothing and frees nothing.
        Assert.NotNull(await onB.RedeemAsync(held[0], CancellationToken.None));
        Assert.Null(await onA.RedeemAsync(held[0], CancellationToken.None));
        await onA.CreateAsync(address, CancellationToken.None);
        await Assert.ThrowsAsync<ServiceError>(() => onB.CreateAsync(address, CancellationToken.None));
    }

    [Fact]
    public async Task The_sweep_deletes_expired_challenges_only_and_counts_the_rest()
    {
        await using var earlier = new ChallengeStore(NpgsqlDataSource.Create(nodes.A.ConnectionString), new ShiftedClock(TimeSpan.FromMinutes(-10)));
        await using var now = new ChallengeStore(NpgsqlDataSource.Create(nodes.A.ConnectionString), TimeProvider.System);
        var expired = (await earlier.CreateAsync("198.51.100.30", CancellationToken.None)).Id;
        var live = (await now.CreateAsync("198.51.100.30", CancellationToken.None)).Id;

        Assert.True(await now.SweepAsync(ChallengeSweeper.Grace, CancellationToken.None) >= 1);
        Assert.True(now.Outstanding >= 1, "the live challenge is counted");
        await using var data = NpgsqlDataSource.Create(nodes.A.ConnectionString);
        await using var command = data.CreateCommand($"select id from {Signing.Store.ChallengeTable.Qualified} where id = any($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { expired, live } });
        var left = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                left.Add(reader.GetString(0));
        }
        Assert.Equal([live], left);
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}
