using System.Net;
using Google.Protobuf;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using static Signing.Desk.Tests.Agent.AgentCalls;

namespace Signing.Desk.Tests.Agent;

/// <summary>What the agent signs is what the real server accepts: a sign-in over its challenge gives the officer's session.</summary>
public sealed class AgentSignInTests(SigningServer server) : IClassFixture<SigningServer>
{
    [Fact]
    public async Task The_server_accepts_the_agents_sign_in_signature_as_the_officer()
    {
        await using var agent = new AgentProcess([DeskOrigin], persona: "officer-mersin-1", autoApprove: true);
        await agent.StartAsync();

        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var (response, body) = await SignAsync(agent, SignIn(challenge.Nonce.ToByteArray()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var session = await server.Sessions().SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Bytes(body!, "signature")),
        });
        Assert.False(string.IsNullOrEmpty(session.AccessToken));
        Assert.Equal("Fatma Arslan", session.Identity.Name);
        Assert.Equal("33", session.Identity.Tenant);
        Assert.Contains("officer", session.Identity.Roles);
    }
}
