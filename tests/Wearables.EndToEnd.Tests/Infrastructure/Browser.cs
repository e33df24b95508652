using Microsoft.Playwright;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright for .NET; nothing is downloaded (never run `playwright install`).</summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        this.playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"{ChromiumPath} is missing: apt-get install chromium (scripts/test.sh does).");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            return new Browser(playwright, chromium);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A fresh context (no cookies, no history) with one page; dispose the context when done.
    /// Generous timeouts: the machines running this suite may be busy (a browser step normally takes well under a second).
    /// </summary>
    public async Task<(IBrowserContext Context, IPage Page)> NewPageAsync()
    {
        var context = await Chromium.NewContextAsync();
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return (context, await context.NewPageAsync());
    }

    /// <summary>
    /// Waits until <paramref name="page"/> shows <paramref name="url"/> (exactly) and has loaded it.
    /// The driver polls the URL (Playwright's URL assertion). <c>WaitForURLAsync</c> is not used: it compares
    /// the client's copy of the URL, then subscribes to the next navigation, so a redirect chain that commits
    /// between the two is never seen and the wait runs out with the page already there (CI saw it once).
    /// </summary>
    public static async Task ReachesAsync(IPage page, string url)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 60_000 });
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.CloseAsync();
        playwright.Dispose();
    }
}
