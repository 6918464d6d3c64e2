using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Signing.Desk.Tests.Browser;

/// <summary>The desk works with the keyboard alone, and axe-core finds nothing serious on its queue and detail pages.</summary>
[Collection(DeskCollection.Name)]
public sealed class DeskAccessibilityTests(DeskWorld world, ITestOutputHelper output)
{
    private const string Focused =
        "() => { const e = document.activeElement; return e ? (e.id || (e.tagName + ':' + (e.getAttribute('href') ?? e.textContent.trim()))) : ''; }";

    /// <summary>Presses Tab (or Shift+Tab) until the focused element is <paramref name="target"/>; the ids passed on the way.</summary>
    private static async Task<List<string>> TabToAsync(IPage page, string target, string key = "Tab", int limit = 80)
    {
        var seen = new List<string>();
        for (var i = 0; i < limit; i++)
        {
            await page.Keyboard.PressAsync(key);
            var now = await page.EvaluateAsync<string>(Focused);
            seen.Add(now);
            if (now == target)
                return seen;
        }
        throw new Xunit.Sdk.XunitException($"{key} never reached {target} in {limit} presses; focus went: {string.Join(" → ", seen)}");
    }

    [Fact]
    public async Task The_approve_flow_works_with_the_keyboard_alone_and_tab_order_reaches_every_control()
    {
        var application = await world.Server.SubmitApprovableAsync(DeskWorld.Tenant, DeskWorld.OfficerHeaders());
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        var page = desk.Page;

        // Sign in: Tab to the button, Enter.
        await TabToAsync(page, "sign-in");
        await page.Keyboard.PressAsync("Enter");
        await desk.WaitForTextAsync("#who", "Fatma Arslan");
        await Assertions.Expect(desk.Row(application.Id)).ToBeVisibleAsync(new() { Timeout = DeskPage.Wait });

        // From the queue to the application's link, then Enter opens it.
        var link = $"A:#/application/{application.Id}";
        var path = await TabToAsync(page, link, limit: 1000);
        output.WriteLine("queue tab order: " + string.Join(" → ", path));
        Assert.Contains("paper-code", path);
        Assert.Contains("filter-category", path);
        Assert.Contains("filter-lacks", path);
        await page.Keyboard.PressAsync("Enter");
        await desk.WaitForTextAsync("#detail-title", application.Code);
        await page.WaitForSelectorAsync("#approve");
        Assert.Equal("detail-title", await page.EvaluateAsync<string>(Focused));

        // Every control of the decision, in reading order: approve, the reason, reject.
        var order = await TabToAsync(page, "reject");
        output.WriteLine("detail tab order: " + string.Join(" → ", order));
        var approveAt = order.IndexOf("approve");
        var reasonAt = order.IndexOf("reject-reason");
        Assert.True(approveAt >= 0 && reasonAt > approveAt && order.Count - 1 > reasonAt, "tab order: " + string.Join(" → ", order));

        // Back to approve and press it with Space.
        await TabToAsync(page, "approve", "Shift+Tab", limit: 5);
        await page.Keyboard.PressAsync("Space");
        await desk.WaitForTextAsync("#status", "onaylandı");
        await desk.WaitForTextAsync("#history", "Fatma Arslan");

        var approved = await world.Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = application.Id }, world.Server.SystemHeaders());
        Assert.Contains(approved.History, h => h.Actor.Contains("Fatma Arslan", StringComparison.Ordinal));
        Assert.Contains("SECOND_APPROVAL", approved.Lacks);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Axe_finds_no_serious_or_critical_violation_on_the_queue_and_the_detail()
    {
        var application = await world.Server.SubmitApprovableAsync(DeskWorld.Tenant, DeskWorld.OfficerHeaders());
        await world.Server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), DeskWorld.Tenant, ApplicantCategory.Doctor));
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Fatma Arslan");
        await Assertions.Expect(desk.Row(application.Id)).ToBeVisibleAsync(new() { Timeout = DeskPage.Wait });
        await AssertNoSeriousViolationAsync(desk.Page, "queue");

        await desk.OpenApplicationAsync(application.Id, application.Code);
        await AssertNoSeriousViolationAsync(desk.Page, "detail");

        // The same in English: the lang attribute follows the switch.
        await desk.Page.SelectOptionAsync("#language", "en");
        await desk.WaitForTextAsync("#detail-title", "Application " + application.Code);
        Assert.Equal("en", await desk.Page.GetAttributeAsync("html", "lang"));
        await AssertNoSeriousViolationAsync(desk.Page, "detail (en)");
        await desk.Page.Context.CloseAsync();
    }

    private async Task AssertNoSeriousViolationAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        foreach (var v in result.Violations)
            output.WriteLine($"{what}: {v.Impact} {v.Id}: {v.Help} ({v.Nodes.Length} nodes)");
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"axe-core on the {what} page: " + string.Join("; ", bad.Select(v =>
            $"{v.Impact} {v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        Assert.True(result.Passes.Length > 0, "axe-core checked nothing");
    }
}
