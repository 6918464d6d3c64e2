namespace Signing.Desk.Tests;

/// <summary>The browser itself works on this machine: a page renders and runs its script.</summary>
public class ChromiumTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Debian_chromium_renders_a_page_and_runs_its_script()
    {
        var page = await chromium.NewPageAsync();
        await page.SetContentAsync("<html lang='tr'><body><p id='x'>a</p><script>document.getElementById('x').textContent='çalışıyor';</script></body></html>");
        Assert.Equal("çalışıyor", await page.TextContentAsync("#x"));
        await page.Context.CloseAsync();
    }
}
