using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using static Signing.Desk.Tests.Agent.AgentCalls;

namespace Signing.Desk.Tests.Agent;

/// <summary>One agent started with the test switch, shared by the protocol tests of this class.</summary>
public sealed class AutoApprovingAgent : IAsyncLifetime
{
    public AgentProcess Agent { get; } = new([DeskOrigin, OtherDeskOrigin], autoApprove: true);

    public Task InitializeAsync() => Agent.StartAsync();

    public Task DisposeAsync() => Agent.DisposeAsync().AsTask();
}

/// <summary>The agent's gates (loopback, Host, Origin, CORS) and what it agrees to sign, over real sockets with the SoftHSM card.</summary>
public sealed class AgentProtocolTests(AutoApprovingAgent fixture) : IClassFixture<AutoApprovingAgent>
{
    private readonly AgentProcess _agent = fixture.Agent;

    [Fact]
    public async Task Hello_from_a_configured_origin_names_the_card_without_a_PIN_and_without_the_full_TCKN()
    {
        var (response, body) = await SendAsync(Request(_agent, HttpMethod.Get, "/v1/hello", DeskOrigin));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeskOrigin, AllowOrigin(response));
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.Equal("esign", body!["agent"]!.GetValue<string>());
        Assert.Equal(1, body["protocol"]!.GetValue<int>());
        var subject = body["certificate"]!["subject"]!.GetValue<string>();
        Assert.Contains("CN=Fatma Arslan", subject);
        Assert.DoesNotContain(_agent.Persona.Tckn!, subject);
        Assert.StartsWith(_agent.Persona.NotAfter.UtcDateTime.ToString("yyyy-MM-dd"), body["certificate"]!["notAfter"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_decision_document_is_signed_as_a_detached_CMS_by_the_officers_certificate()
    {
        var document = DecisionDocument();
        var (response, body) = await SignAsync(_agent, Decision(document), OtherDeskOrigin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OtherDeskOrigin, AllowOrigin(response));
        AssertSignedBy(_agent, body!, document);
    }

    [Fact]
    public async Task A_decision_document_without_applicantName_is_still_a_decision_document()
    {
        var document = DecisionDocument(decision: "REJECT", applicantName: null, reason: "Islak imzalı form eksik");
        var (response, body) = await SignAsync(_agent, Decision(document));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertSignedBy(_agent, body!, document);
    }

    [Theory]
    [InlineData("GET", "/v1/hello")]
    [InlineData("POST", "/v1/sign")]
    [InlineData("OPTIONS", "/v1/sign")]
    public async Task A_page_from_another_origin_is_refused_without_any_CORS_header(string method, string path)
    {
        var before = _agent.Output.Length;
        var request = Request(_agent, new HttpMethod(method), path, ForeignOrigin, method == "POST" ? SignIn(Nonce()) : null);
        if (method == "OPTIONS")
        {
            request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
            request.Headers.TryAddWithoutValidation("Access-Control-Request-Private-Network", "true");
        }
        var (response, body) = await SendAsync(request);
        AssertError(response, body, HttpStatusCode.Forbidden, "origin_refused");
        Assert.False(HasAnyCorsHeader(response), "a refused origin must get no Access-Control-* header");
        await _agent.WaitForOutputAsync("outcome=403 origin_refused", after: before);
        Assert.DoesNotContain("signed", _agent.Output[before..]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    [InlineData("http://desk.test:5082")]
    [InlineData("https://desk.test:5081")]
    [InlineData("http://desk.test:5081/desk")]
    public async Task A_missing_or_near_miss_origin_is_refused(string? origin)
    {
        var (response, body) = await SignAsync(_agent, SignIn(Nonce()), origin!);
        AssertError(response, body, HttpStatusCode.Forbidden, "origin_refused");
        Assert.False(HasAnyCorsHeader(response));
    }

    [Fact]
    public async Task A_preflight_from_the_configured_origin_gets_204_with_the_CORS_headers()
    {
        var request = Request(_agent, HttpMethod.Options, "/v1/sign", DeskOrigin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type");
        var (response, _) = await SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(DeskOrigin, AllowOrigin(response));
        Assert.Equal("GET, POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("Content-Type", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")));
        Assert.Equal("600", string.Join(",", response.Headers.GetValues("Access-Control-Max-Age")));
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Private-Network"), "only a Private Network preflight gets that header");
    }

    [Fact]
    public async Task A_Private_Network_preflight_is_allowed_for_the_configured_origin()
    {
        var request = Request(_agent, HttpMethod.Options, "/v1/sign", DeskOrigin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Private-Network", "true");
        var (response, _) = await SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("true", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Private-Network")));
    }

    [Theory]
    [InlineData("desk.test:{port}", HttpStatusCode.MisdirectedRequest)]
    [InlineData("127.0.0.1:1", HttpStatusCode.MisdirectedRequest)]
    [InlineData("localhost:{port}", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:{port}", HttpStatusCode.OK)]
    public async Task Only_a_loopback_Host_header_is_answered(string host, HttpStatusCode expected)
    {
        var request = Request(_agent, HttpMethod.Get, "/v1/hello", DeskOrigin);
        request.Headers.Host = host.Replace("{port}", _agent.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (response, body) = await SendAsync(request);
        if (expected == HttpStatusCode.OK)
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        else
            AssertError(response, body, expected, "wrong_host");
    }

    [Fact]
    public async Task A_connection_to_a_non_loopback_address_of_this_machine_is_refused()
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(address is not null,
            "this machine has no non-loopback IPv4 address, so the test cannot show that the agent refuses one: give it one (e.g. a veth pair)");

        using (var loopback = new TcpClient())
            await loopback.ConnectAsync(IPAddress.Loopback, _agent.Port); // the port is open, on loopback
        using var outside = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => outside.ConnectAsync(address, _agent.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public async Task A_challenge_that_is_not_32_bytes_is_refused_and_nothing_is_signed(int length)
    {
        var before = _agent.Output.Length;
        var (response, body) = await SignAsync(_agent, SignIn(new byte[length]));
        AssertError(response, body, HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(DeskOrigin, AllowOrigin(response));
        Assert.Null(body!["signature"]);
        await _agent.WaitForOutputAsync("outcome=400 bad_request", after: before);
        Assert.DoesNotContain("signed", _agent.Output[before..]);
    }

    public static TheoryData<string, string> NotDecisionDocuments() => new()
    {
        { "another type", Encoding.UTF8.GetString(DecisionDocument(type: "esign.form")) },
        { "another decision", Encoding.UTF8.GetString(DecisionDocument(decision: "MAYBE")) },
        { "a lower-case decision", Encoding.UTF8.GetString(DecisionDocument(decision: "approve")) },
        { "no application code", Encoding.UTF8.GetString(DecisionDocument(applicationCode: "")) },
        { "a form", """{"tckn":"12345678950","givenNames":"Ayşe","surname":"Yılmaz"}""" },
        { "plain text", "Ben, Fatma Arslan, her şeyi onaylıyorum." },
        { "a JSON array", "[1,2,3]" },
    };

    [Theory]
    [MemberData(nameof(NotDecisionDocuments))]
    public async Task A_document_that_is_not_a_decision_document_is_refused_and_nothing_is_signed(string what, string document)
    {
        var before = _agent.Output.Length;
        var (response, body) = await SignAsync(_agent, Decision(Encoding.UTF8.GetBytes(document)));
        AssertError(response, body, HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("document", body!["message"]!.GetValue<string>());
        await _agent.WaitForOutputAsync("outcome=400 bad_request", after: before);
        Assert.True(!_agent.Output[before..].Contains("signed"), $"{what} was signed");
    }

    [Theory]
    [InlineData("""{"kind":"anything","document":"AAAA"}""")]
    [InlineData("""{"challenge":"AAAA"}""")]
    [InlineData("""{"kind":"signIn","challenge":"not base64!"}""")]
    [InlineData("not json")]
    public async Task A_malformed_sign_request_is_a_bad_request(string raw)
    {
        var request = Request(_agent, HttpMethod.Post, "/v1/sign", DeskOrigin);
        request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        var (response, body) = await SendAsync(request);
        AssertError(response, body, HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task The_test_switch_warns_loudly_at_start_and_on_every_request()
    {
        Assert.Contains("WARNING — esign agent runs with --approve-without-asking-for-tests", _agent.Output);
        Assert.Contains("NEVER use this outside tests", _agent.Output);
        var before = _agent.Output.Length;
        var (response, _) = await SignAsync(_agent, SignIn(Nonce()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _agent.WaitForOutputAsync("signs this request WITHOUT asking anyone", after: before);
        Assert.DoesNotContain(_agent.Pin, _agent.Output);
    }
}
