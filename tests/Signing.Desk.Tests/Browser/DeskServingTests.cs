using System.Net;
using System.Text.Json;
using Signing.Desk;

namespace Signing.Desk.Tests.Browser;

/// <summary>How the server hands out the page: on the REST port only, with headers that keep it to itself and its agent.</summary>
[Collection(DeskCollection.Name)]
public sealed class DeskServingTests(DeskWorld world)
{
    private static readonly HttpClient Http = new(new HttpClientHandler { AllowAutoRedirect = false });

    [Fact]
    public async Task The_page_comes_with_a_policy_that_allows_only_itself_and_the_configured_agent()
    {
        using var page = await Http.GetAsync(world.Server.DeskUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains($"connect-src 'self' http://127.0.0.1:{world.Server.AgentPort};", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("<script type=\"module\" src=\"app.js\">", await page.Content.ReadAsStringAsync());

        using var script = await Http.GetAsync(world.Server.DeskUrl + "app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.EndsWith("javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Config_names_the_agent_and_is_never_cached()
    {
        using var config = await Http.GetAsync(world.Server.DeskUrl + "config.json");
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        Assert.Contains("no-store", config.Headers.CacheControl?.ToString());
        var json = JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"http://127.0.0.1:{world.Server.AgentPort}", json.GetProperty("agentUrl").GetString());
    }

    [Fact]
    public async Task Desk_without_a_slash_redirects_and_unknown_or_escaping_paths_are_not_found()
    {
        using var bare = await Http.GetAsync(world.Server.DeskOrigin + "/desk");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/desk/", bare.Headers.Location?.OriginalString);
        foreach (var path in new[] { "nothing.js", "..%2Fappsettings.json", "%2E%2E/%2E%2E/Signing.Desk.dll", "views" })
        {
            using var missing = await Http.GetAsync(world.Server.DeskUrl + path);
            Assert.True(missing.StatusCode == HttpStatusCode.NotFound, $"{path}: {missing.StatusCode}");
        }
    }

    [Fact]
    public async Task The_grpc_port_does_not_serve_the_page()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{world.Server.GrpcPort}/desk/")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5088", true)]
    [InlineData("http://localhost:6000/", true)]
    [InlineData("https://127.0.0.1:5088", true)]
    [InlineData("http://desk.example:5088", false)]
    [InlineData("http://10.0.0.5:5088", false)]
    [InlineData("ftp://127.0.0.1:5088", false)]
    [InlineData("http://127.0.0.1:5088/v1", false)]
    [InlineData("127.0.0.1:5088", false)]
    public void The_agent_url_must_be_a_loopback_origin(string url, bool valid)
    {
        var result = new DeskOptionsValidation().Validate(null, new DeskOptions { AgentUrl = url });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
            Assert.Contains("Signing:Desk:AgentUrl", result.FailureMessage);
    }

    [Fact]
    public void A_disabled_desk_needs_no_agent_url() =>
        Assert.True(new DeskOptionsValidation().Validate(null, new DeskOptions { Enabled = false, AgentUrl = "nonsense" }).Succeeded);
}
