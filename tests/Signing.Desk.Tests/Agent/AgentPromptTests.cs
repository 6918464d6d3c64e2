using System.Net;
using static Signing.Desk.Tests.Agent.AgentCalls;

namespace Signing.Desk.Tests.Agent;

/// <summary>
/// The agent without the test switch: it shows what will be signed on its own terminal (here its redirected stdin/stdout)
/// and takes the PIN there; refusal, silence, a second request and a wrong PIN each tell the page plainly.
/// </summary>
public sealed class AgentPromptTests
{
    private static async Task<AgentProcess> StartAsync(int timeoutSeconds = 60)
    {
        var agent = new AgentProcess([DeskOrigin], autoApprove: false, timeoutSeconds: timeoutSeconds);
        await agent.StartAsync();
        return agent;
    }

    [Fact]
    public async Task The_person_sees_the_decision_from_the_signed_bytes_types_the_PIN_and_the_page_gets_the_signature()
    {
        await using var agent = await StartAsync();
        var document = DecisionDocument(decision: "REJECT", applicantName: "Ayşe Yılmaz", reason: "Ödeme dekontu okunmuyor",
            applicationCode: "NES-33-PROMPT-7");
        var before = agent.Output.Length;
        var pending = SignAsync(agent, Decision(document));
        await agent.WaitForPromptAsync(before);
        var screen = agent.Output[before..];
        Assert.Contains(DeskOrigin, screen);
        Assert.Contains("NES-33-PROMPT-7", screen);
        Assert.Contains("Ayşe Yılmaz", screen);
        Assert.Contains("REJECT", screen);
        Assert.Contains("RET", screen);
        Assert.Contains("Ödeme dekontu okunmuyor", screen);
        Assert.Contains("Fatma Arslan", screen);
        Assert.Contains("officer-mersin-1", screen);

        await agent.Input.WriteLineAsync(agent.Pin);
        await agent.Input.FlushAsync();
        var (response, body) = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertSignedBy(agent, body!, document);
        Assert.DoesNotContain(agent.Pin, agent.Output);
        Assert.DoesNotContain(agent.Persona.Tckn!, agent.Output);
    }

    [Fact]
    public async Task An_empty_line_refuses_and_the_page_reads_denied()
    {
        await using var agent = await StartAsync();
        var before = agent.Output.Length;
        var pending = SignAsync(agent, Decision(DecisionDocument(applicantName: null)));
        await agent.WaitForPromptAsync(before);
        Assert.Matches(@"Applicant / Başvuran:\s+—", agent.Output[before..]);
        await agent.Input.WriteLineAsync("");
        await agent.Input.FlushAsync();
        var (response, body) = await pending;
        AssertError(response, body, HttpStatusCode.Forbidden, "denied");
        Assert.Equal(DeskOrigin, AllowOrigin(response));
        Assert.Null(body!["signature"]);
        await agent.WaitForOutputAsync("outcome=403 denied", after: before);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_tells_the_page_timeout()
    {
        await using var agent = await StartAsync(timeoutSeconds: 2);
        var before = agent.Output.Length;
        var (response, body) = await SignAsync(agent, SignIn(Nonce()));
        AssertError(response, body, HttpStatusCode.RequestTimeout, "timeout");
        Assert.Equal(DeskOrigin, AllowOrigin(response));
        Assert.Contains("Sign in", agent.Output[before..]);
    }

    [Fact]
    public async Task A_second_request_while_one_is_on_screen_gets_busy()
    {
        await using var agent = await StartAsync();
        var before = agent.Output.Length;
        var first = SignAsync(agent, SignIn(Nonce()));
        await agent.WaitForPromptAsync(before);
        var (second, secondBody) = await SignAsync(agent, Decision(DecisionDocument()));
        AssertError(second, secondBody, HttpStatusCode.TooManyRequests, "busy");
        Assert.Equal(DeskOrigin, AllowOrigin(second));

        await agent.Input.WriteLineAsync("");
        await agent.Input.FlushAsync();
        var (response, body) = await first;
        AssertError(response, body, HttpStatusCode.Forbidden, "denied");
    }

    [Fact]
    public async Task A_wrong_PIN_tells_the_person_and_the_page_and_signs_nothing()
    {
        await using var agent = await StartAsync();
        var wrong = agent.Pin == "000000" ? "999999" : "000000";
        var before = agent.Output.Length;
        var pending = SignAsync(agent, SignIn(Nonce()));
        await agent.WaitForPromptAsync(before);
        await agent.Input.WriteLineAsync(wrong);
        await agent.Input.FlushAsync();
        var (response, body) = await pending;
        AssertError(response, body, HttpStatusCode.ServiceUnavailable, "token");
        Assert.Contains("wrong PIN", body!["message"]!.GetValue<string>());
        Assert.Null(body["signature"]);
        await agent.WaitForOutputAsync("esign agent: wrong PIN", after: before);
        Assert.DoesNotContain(wrong, agent.Output);

        // The card is not left logged in or locked by the agent: the right PIN signs the next request.
        before = agent.Output.Length;
        var nonce = Nonce();
        var next = SignAsync(agent, SignIn(nonce));
        await agent.WaitForPromptAsync(before);
        await agent.Input.WriteLineAsync(agent.Pin);
        await agent.Input.FlushAsync();
        var (ok, okBody) = await next;
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        AssertSignedBy(agent, okBody!, nonce);
    }
}
