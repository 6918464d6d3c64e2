using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Signing.Desk.Tests.Browser;

/// <summary>
/// A page from an origin the agent was not told about (another site on this machine) tries the agent: the browser gets no
/// answer it may read, and the agent signs nothing.
/// </summary>
[Collection(DeskCollection.Name)]
public sealed class ForeignOriginTests(DeskWorld world)
{
    // The hostile page: asks the agent who is there, then for a sign-in signature over 32 bytes of its choosing.
    private const string HostilePage = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>elsewhere</title></head><body><p id="out">…</p>
        <script>
        const agent = new URLSearchParams(location.search).get('agent');
        const attempt = async (path, init) => {
          try { const r = await fetch(agent + path, init); return 'read ' + r.status + ' ' + await r.text(); }
          catch (e) { return 'blocked: ' + e.name; }
        };
        (async () => {
          const hello = await attempt('/v1/hello');
          const sign = await attempt('/v1/sign', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ kind: 'signIn', challenge: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))) }) });
          const simple = await attempt('/v1/sign', { method: 'POST', headers: { 'Content-Type': 'text/plain' },
            body: JSON.stringify({ kind: 'signIn', challenge: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))) }) });
          document.getElementById('out').textContent = [hello, sign, simple].join(' | ');
          document.body.dataset.done = 'true';
        })();
        </script></body></html>
        """;

    [Fact]
    public async Task A_page_from_another_origin_is_refused_by_the_agent_and_nothing_is_signed()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = DeskServer.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var elsewhere = builder.Build();
        elsewhere.MapGet("/", () => Results.Content(HostilePage, "text/html; charset=utf-8"));
        await elsewhere.StartAsync();

        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var page = await world.Chromium.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{port}/?agent={Uri.EscapeDataString(agent.Url.ToString().TrimEnd('/'))}");
        await page.WaitForSelectorAsync("body[data-done='true']", new() { Timeout = DeskPage.Wait });
        var outcome = await page.TextContentAsync("#out") ?? "";

        // No Access-Control-Allow-Origin for this origin: the browser lets the page read none of the answers.
        Assert.Equal("blocked: TypeError | blocked: TypeError | blocked: TypeError", outcome);
        await agent.WaitForOutputAsync("origin_refused");
        Assert.Contains($"origin=http://127.0.0.1:{port}", agent.Output);
        Assert.DoesNotContain("outcome=200", agent.Output);
        await page.Context.CloseAsync();
    }
}
