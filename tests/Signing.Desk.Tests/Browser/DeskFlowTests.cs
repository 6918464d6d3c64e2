using Microsoft.Playwright;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Desk.Tests.Browser;

/// <summary>The officer's day in a real Chromium: card sign-in through esign agent, the live queue, decisions, paper by code.</summary>
[Collection(DeskCollection.Name)]
public sealed class DeskFlowTests(DeskWorld world)
{
    private SigningServer Server => world.Server;

    [Fact]
    public async Task Officer_sees_a_new_submission_live_approves_it_and_a_second_officers_approval_completes_it()
    {
        Application application;
        await using (var agent = await world.StartAgentAsync("officer-mersin-1"))
        {
            var desk = await DeskPage.OpenAsync(world);
            await desk.SignInAsync("Fatma Arslan");
            // Anything the page keeps in window survives only if the page is never reloaded.
            await desk.Page.EvaluateAsync("() => { window.notReloaded = true; }");

            // The doctor's form, e-signed with the NES on their card: on the queue at once, its signature checks in the detail.
            var doctor = await Server.SignInAsync("doctor");
            application = (await Server.Applications().SubmitESignedAsync(
                Cards.ESigned("doctor", Cards.Form("doctor", DeskWorld.Tenant, ApplicantCategory.Doctor)), doctor)).Application;
            await Assertions.Expect(desk.Row(application.Id)).ToBeVisibleAsync(new() { Timeout = DeskPage.Wait });
            Assert.True(await desk.Page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");
            await desk.WaitForTextAsync($"tr[data-application-id='{application.Id}']", "0 / 2");
            // A paper form still awaited beside it, for the picture.
            var wet = await Server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), DeskWorld.Tenant, ApplicantCategory.Doctor));
            await Assertions.Expect(desk.Row(wet.Id).Locator("li[data-lacks='PAPER']")).ToHaveCountAsync(1);
            await desk.Page.ScreenshotAsync(new() { Path = DeskWorld.DocsPath("desk-queue.png") });

            await desk.OpenApplicationAsync(application.Id, application.Code);
            await desk.Page.ClickAsync("#approve");
            await desk.WaitForTextAsync("#status", "onaylandı");
            await desk.WaitForTextAsync("#history", "Fatma Arslan");
            Assert.Contains("SECOND_APPROVAL", await desk.LacksAsync());
            await desk.WaitForTextAsync("#application-status", "Onay bekliyor (AWAITING_APPROVAL)");
            await desk.WaitForTextAsync("main", "İmza matematiksel olarak doğrulandı");
            await desk.Page.ScreenshotAsync(new() { Path = DeskWorld.DocsPath("desk-application.png"), FullPage = true });
            Assert.Contains("outcome=200 signed APPROVE " + application.Code, agent.Output);
            await desk.Page.Context.CloseAsync();
        }

        var afterFirst = await Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = application.Id }, Server.SystemHeaders());
        Assert.Equal("AWAITING_APPROVAL", afterFirst.Status);
        Assert.Contains("SECOND_APPROVAL", afterFirst.Lacks);

        // The second officer, at another machine (another browser context, their own card in their own agent).
        await using (var agent = await world.StartAgentAsync("officer-mersin-2"))
        {
            var desk = await DeskPage.OpenAsync(world);
            await desk.SignInAsync("Ali Demir");
            await desk.WaitForTextAsync($"tr[data-application-id='{application.Id}']", "1 / 2");
            await desk.OpenApplicationAsync(application.Id, application.Code);
            await desk.Page.ClickAsync("#approve");
            await desk.WaitForTextAsync("#application-status", "APPROVED");
            Assert.Empty(await desk.LacksAsync());
            await desk.WaitForTextAsync("#history", "Ali Demir");
            // Off the queue: the watch removed its row.
            await desk.Page.ClickAsync("#back");
            await Assertions.Expect(desk.Row(application.Id)).ToHaveCountAsync(0);
            Assert.Empty(desk.ConsoleErrors);
            await desk.Page.Context.CloseAsync();
        }

        var done = await Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = application.Id }, Server.SystemHeaders());
        Assert.Equal("APPROVED", done.Status);
        Assert.Empty(done.Lacks);
    }

    [Fact]
    public async Task A_rejected_decision_shows_its_reason_on_the_page_and_in_the_history()
    {
        const string reason = "Islak imzalı formdaki imza kimlikteki imzayla uyuşmuyor";
        var application = await Server.SubmitApprovableAsync(DeskWorld.Tenant, DeskWorld.OfficerHeaders());
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Fatma Arslan");
        await Assertions.Expect(desk.Row(application.Id)).ToBeVisibleAsync(new() { Timeout = DeskPage.Wait });
        await desk.OpenApplicationAsync(application.Id, application.Code);

        await desk.Page.FillAsync("#reject-reason", reason);
        await desk.Page.ClickAsync("#reject");
        await desk.WaitForTextAsync("#application-status", "REJECTED");
        await desk.WaitForTextAsync("#status", reason);
        // The history row that carries the reason also names who rejected it.
        var row = desk.Page.Locator("#history tbody tr", new() { HasText = reason });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("Fatma Arslan");
        Assert.Contains("outcome=200 signed REJECT " + application.Code, agent.Output);

        var rejected = await Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = application.Id }, Server.SystemHeaders());
        Assert.Equal("REJECTED", rejected.Status);
        Assert.Contains(rejected.History, h => h.Text.Contains(reason, StringComparison.Ordinal));
        await desk.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_rejection_without_a_reason_is_refused_by_the_server_and_the_page_says_why()
    {
        var application = await Server.SubmitApprovableAsync(DeskWorld.Tenant, DeskWorld.OfficerHeaders());
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Fatma Arslan");
        await desk.Page.GotoAsync(world.Server.DeskUrl + "#/application/" + application.Id);
        await desk.Page.WaitForSelectorAsync("#application-status");
        await desk.Page.ClickAsync("#reject");
        await Assertions.Expect(desk.Page.Locator("#alert")).Not.ToBeEmptyAsync();
        Assert.Equal("AWAITING_APPROVAL", await desk.StatusAsync());
        Assert.DoesNotContain("kind=decision", agent.Output);
        await desk.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Registering_paper_by_a_scanned_code_puts_a_wet_application_on_the_approval_path()
    {
        var wet = await Server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), DeskWorld.Tenant));
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Fatma Arslan");
        await Assertions.Expect(desk.Row(wet.Id)).ToBeVisibleAsync(new() { Timeout = DeskPage.Wait });
        Assert.Contains("PAPER", await desk.RowLacksAsync(wet.Id));

        // A barcode scanner is a keyboard: it types the Code 39 text and presses Enter.
        await desk.Page.FocusAsync("#paper-code");
        await desk.Page.Keyboard.TypeAsync(wet.Code);
        await desk.Page.Keyboard.PressAsync("Enter");
        await desk.WaitForTextAsync("#paper-question", wet.Code);
        Assert.Equal("paper-register", await desk.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        await desk.Page.Keyboard.PressAsync("Enter");
        await desk.WaitForTextAsync("#status", wet.Code);

        await Assertions.Expect(desk.Row(wet.Id).Locator("li[data-lacks='PAPER']")).ToHaveCountAsync(0);
        var registered = await Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = wet.Id }, Server.SystemHeaders());
        Assert.Equal("AWAITING_APPROVAL", registered.Status);
        Assert.DoesNotContain("PAPER", registered.Lacks);
        await desk.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_expiring_list_opens_from_the_navigation_and_asks_the_server_for_the_chosen_days()
    {
        await using var agent = await world.StartAgentAsync("officer-mersin-1");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Fatma Arslan");
        await desk.Page.ClickAsync("nav a[href='#/expiring']");
        await desk.WaitForTextAsync("#expiring caption", "90 gün");
        var asked = desk.Page.WaitForRequestAsync(r => r.Url.Contains("/v1/roster/expiring") && r.Url.Contains("withinDays=30"));
        await desk.Page.FillAsync("#within-days", "30");
        await desk.Page.Keyboard.PressAsync("Enter");
        await asked;
        await desk.WaitForTextAsync("#expiring caption", "30 gün");
        Assert.Equal("", await desk.Page.TextContentAsync("#alert"));
        Assert.Equal("page", await desk.Page.GetAttributeAsync("nav a[href='#/expiring']", "aria-current"));
        await desk.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_a_running_agent_the_page_says_so_plainly()
    {
        var desk = await DeskPage.OpenAsync(world);
        await desk.Page.ClickAsync("#sign-in");
        await desk.WaitForTextAsync("#alert", "esign agent");
        Assert.True(await desk.Page.IsVisibleAsync("#sign-in"));
        await desk.Page.Context.CloseAsync();
    }
}
