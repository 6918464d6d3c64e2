using Microsoft.Playwright;
using Signing.Desk.Tests.Agent;

namespace Signing.Desk.Tests.Browser;

/// <summary>The steps an officer takes on the desk page, as a browser does them; failures say what the page showed.</summary>
public sealed class DeskPage(IPage page)
{
    public IPage Page => page;

    public static async Task<DeskPage> OpenAsync(DeskWorld world, string locale = "tr-TR")
    {
        var page = await world.Chromium.NewPageAsync(locale);
        // The whole suite shares two cores with other runs: waits are generous, and still fail rather than hang.
        page.SetDefaultTimeout(Wait);
        Assertions.SetDefaultExpectTimeout(Wait);
        var desk = new DeskPage(page);
        page.Console += (_, m) => { if (m.Type == "error") desk.ConsoleErrors.Add(m.Text); };
        page.PageError += (_, e) => desk.ConsoleErrors.Add(e);
        await page.GotoAsync(world.Server.DeskUrl);
        await page.WaitForSelectorAsync("body[data-ready='true']");
        return desk;
    }

    public const int Wait = 60_000;

    public List<string> ConsoleErrors { get; } = [];

    public async Task SignInAsync(string expectedName)
    {
        await page.ClickAsync("#sign-in");
        await WaitForTextAsync("#who", expectedName);
        await page.WaitForSelectorAsync("#queue");
    }

    /// <summary>Waits until the element's text holds <paramref name="text"/>; on timeout, what the page said instead.</summary>
    public async Task WaitForTextAsync(string selector, string text, int timeoutMs = Wait)
    {
        try
        {
            await Assertions.Expect(page.Locator(selector)).ToContainTextAsync(text, new() { Timeout = timeoutMs });
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException($"'{selector}' never held '{text}' ({e.Message.Split('\n')[0]}); the page showed: " +
                $"status='{await page.TextContentAsync("#status")}' alert='{await page.TextContentAsync("#alert")}' errors=[{string.Join(" | ", ConsoleErrors)}]");
        }
    }

    public ILocator Row(string applicationId) => page.Locator($"tr[data-application-id='{applicationId}']");

    public async Task OpenApplicationAsync(string applicationId, string code)
    {
        await Row(applicationId).GetByRole(AriaRole.Link, new() { Name = code }).ClickAsync();
        await WaitForTextAsync("#detail-title", code);
        await page.WaitForSelectorAsync("#application-status");
    }

    /// <summary>The status code the page shows (beside its words).</summary>
    public Task<string?> StatusAsync() => page.GetAttributeAsync("#application-status", "data-status");

    public async Task<IReadOnlyList<string>> LacksAsync() =>
        await page.Locator("#section-application li[data-lacks]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.lacks)");

    public async Task<IReadOnlyList<string>> RowLacksAsync(string applicationId) =>
        await Row(applicationId).Locator("li[data-lacks]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.lacks)");
}
