using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Signing.TestKit;

namespace Signing.Desk.Tests.Agent;

/// <summary>Plain HTTP calls to the agent as a page would make them, and independent checks of what it returns.</summary>
public static class AgentCalls
{
    public const string DeskOrigin = "http://desk.test:5081";
    public const string OtherDeskOrigin = "https://desk.example";
    public const string ForeignOrigin = "http://evil.test:5081";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(90) };

    public static HttpRequestMessage Request(AgentProcess agent, HttpMethod method, string path, string? origin, JsonObject? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(agent.Url, path));
        if (origin is not null)
            request.Headers.TryAddWithoutValidation("Origin", origin);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return request;
    }

    public static async Task<(HttpResponseMessage Response, JsonObject? Body)> SendAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject());
    }

    public static Task<(HttpResponseMessage Response, JsonObject? Body)> SignAsync(AgentProcess agent, JsonObject body, string origin = DeskOrigin) =>
        SendAsync(Request(agent, HttpMethod.Post, "/v1/sign", origin, body));

    public static JsonObject SignIn(byte[] challenge) => new() { ["kind"] = "signIn", ["challenge"] = Convert.ToBase64String(challenge) };

    public static JsonObject Decision(byte[] document) => new() { ["kind"] = "decision", ["document"] = Convert.ToBase64String(document) };

    /// <summary>A decision document shaped as GetDecisionDocument issues it (with applicantName, or without as older servers did).</summary>
    public static byte[] DecisionDocument(string decision = "APPROVE", string? applicantName = "Ayşe Yılmaz", string reason = "",
        string type = "esign.decision", string applicationCode = "NES-33-TEST-0001")
    {
        var document = new JsonObject
        {
            ["type"] = type,
            ["version"] = 1,
            ["applicationId"] = Guid.NewGuid().ToString(),
            ["applicationCode"] = applicationCode,
            ["tenant"] = "33",
            ["applicationVersion"] = 4,
            ["decision"] = decision,
            ["reason"] = reason,
            ["officerTckn"] = "16384729550",
            ["officerName"] = "Fatma Arslan",
            ["issuedAt"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        if (applicantName is not null)
            document["applicantName"] = applicantName;
        return JsonSerializer.SerializeToUtf8Bytes(document);
    }

    public static byte[] Bytes(JsonObject body, string field) => Convert.FromBase64String(body[field]!.GetValue<string>());

    /// <summary>
    /// The signature is a detached CMS over exactly <paramref name="content"/>, by the persona's certificate (read from the
    /// world's files, not from the agent), and it does not verify over other bytes.
    /// </summary>
    public static void AssertSignedBy(AgentProcess agent, JsonObject body, byte[] content)
    {
        var signature = Bytes(body, "signature");
        var expected = HsmWorldFixture.ReadCertificate(agent.Persona.CertificatePath);
        Assert.Equal(expected.GetEncoded(), Bytes(body, "certificate"));

        var cms = new CmsSignedData(new CmsProcessableByteArray(content), signature);
        var signer = Assert.Single(cms.GetSignerInfos().GetSigners());
        var embedded = cms.GetCertificates().EnumerateMatches(signer.SignerID).Cast<X509Certificate>().ToList();
        Assert.Equal(expected.GetEncoded(), Assert.Single(embedded).GetEncoded());
        Assert.True(signer.Verify(expected), "the CMS does not verify over the bytes with the officer's certificate");
        Assert.True(new CmsSignedData(signature).SignedContent is null, "the CMS should be detached");

        var tampered = (byte[])content.Clone();
        tampered[^1] ^= 1;
        var other = Assert.Single(new CmsSignedData(new CmsProcessableByteArray(tampered), signature).GetSignerInfos().GetSigners());
        Assert.False(Verifies(other, expected), "the CMS also 'verifies' over other bytes");
    }

    private static bool Verifies(SignerInformation signer, X509Certificate certificate)
    {
        try
        {
            return signer.Verify(certificate);
        }
        catch (CmsException)
        {
            return false;
        }
    }

    public static byte[] Nonce() => RandomNumberGenerator.GetBytes(32);

    public static void AssertError(HttpResponseMessage response, JsonObject? body, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.NotNull(body);
        Assert.Equal(code, body["error"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["message"]?.GetValue<string>()), "an error has an English message");
        Assert.False(string.IsNullOrWhiteSpace(body["messageTr"]?.GetValue<string>()), "an error has a Turkish message");
    }

    public static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? string.Join(",", values) : null;

    public static bool HasAnyCorsHeader(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers).Any(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
}
