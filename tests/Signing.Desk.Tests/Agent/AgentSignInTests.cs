using System.Net;
using Google.Protobuf;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using static Signing.Desk.Tests.Agent.AgentCalls;
using Decision = Signing.Contracts.V1.Decision;

namespace Signing.Desk.Tests.Agent;

/// <summary>
/// What the agent signs is what the real server accepts: a sign-in over its challenge gives the officer's session, and a
/// decision document from GetDecisionDocument, signed by the agent, is taken by Decide — the page's two phases.
/// </summary>
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

    [Fact]
    public async Task The_server_takes_a_decision_the_agent_signed_over_its_decision_document()
    {
        await using var agent = new AgentProcess([DeskOrigin], persona: "officer-mersin-1", autoApprove: true);
        await agent.StartAsync();
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync("33", officer);

        var document = await server.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, officer);
        var (response, body) = await SignAsync(agent, Decision(document.Document.ToByteArray()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var decided = await server.Approvals().DecideAsync(new DecideRequest
        {
            ApplicationId = app.Id,
            Document = document.Document,
            Signature = ByteString.CopyFrom(Bytes(body!, "signature")),
            ExpectedVersion = document.Version,
        }, officer);
        Assert.Contains(decided.History, h => h.Text.StartsWith("Approved by officer", StringComparison.Ordinal));
    }
}
