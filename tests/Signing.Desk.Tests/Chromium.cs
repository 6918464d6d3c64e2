using Microsoft.Playwright;

namespace Signing.Desk.Tests;

/// <summary>
/// Debian's Chromium (installed by the build's Bootstrap), driven by Playwright: Playwright cannot download its own
/// browser here, so it is pointed at /usr/bin/chromium (or SIGNING_CHROMIUM). One browser per test class; a fresh
/// context (cookies, storage) per page.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string Variable = "SIGNING_CHROMIUM";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"no Chromium at {ExecutablePath}: run ./build.sh --target=Bootstrap as root (Debian package chromium), or set {Variable}");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // This machine's network is closed: without these Chromium keeps trying to reach Google's hosts.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A page in a context of its own, Turkish by default as an officer's browser would be.</summary>
    public async Task<IPage> NewPageAsync(string locale = "tr-TR")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
