using System.Collections.Concurrent;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// The flow as a user lives it, in a real Chromium: the dashboard (the test) asks for the
/// authorization URL, the browser opens the provider's consent page, the user clicks, the provider
/// redirects to the service's callback, the service redirects to the dashboard.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
[NonParallelizable]
public sealed class BrowserFlowTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    private Browser browser = null!;
    private IBrowserContext context = null!;
    private IPage page = null!;

    /// <summary>One browser, context and tab for the fixture (a new tab per test costs seconds on a busy machine).</summary>
    [OneTimeSetUp]
    public async Task LaunchBrowserAsync()
    {
        browser = await Browser.LaunchAsync();
        (context, page) = await browser.NewPageAsync();
    }

    [OneTimeTearDown]
    public async Task CloseBrowserAsync()
    {
        if (browser is not null)
        {
            await context.DisposeAsync();
            await browser.DisposeAsync();
        }
    }

    /// <summary>Starts each test on a blank page with no cookies left by the one before.</summary>
    [SetUp]
    public async Task BlankPageAsync()
    {
        await context.ClearCookiesAsync();
        await page.GotoAsync("about:blank");
    }

    [TestCaseSource(typeof(FlowEnvironment), nameof(FlowEnvironment.Providers))]
    public async Task Authorize_InTheBrowser_LandsOnTheDashboard_StoresTheConnection_AndTheCallbackCannotBeReplayed(string provider)
    {
        var patientId = NewPatientId();
        var redirectUri = Env.Dashboard.Url($"wearables/connected?patient={patientId}&provider={provider}").ToString();
        var flow = await Env.ConnectAsync(provider, patientId, redirectUri);
        var callbacks = new ConcurrentQueue<IResponse>();
        using var recording = RecordCallbackResponses(provider, callbacks);

        var consent = await page.GotoAsync(flow.AuthorizationUrl.ToString());
        Assert.That(consent!.Status, Is.EqualTo(200), "the provider's consent page");
        await page.ClickAsync("#authorize");
        await LandsOnAsync(redirectUri, callbacks);

        Assert.Multiple(async () =>
        {
            Assert.That(page.Url, Is.EqualTo(redirectUri));
            Assert.That(await page.TextContentAsync("#status"), Is.EqualTo(Dashboard.Heading));
            Assert.That(callbacks, Has.Count.EqualTo(1));
        });
        var callback = callbacks.Single();
        var query = QueryHelpers.ParseQuery(new Uri(callback.Url).Query);
        Assert.Multiple(() =>
        {
            Assert.That(callback.Status, Is.EqualTo(302));
            Assert.That(callback.Headers["referrer-policy"], Is.EqualTo("no-referrer"));
            Assert.That(callback.Headers["cache-control"], Does.Contain("no-store"));
            Assert.That(query["state"].ToString(), Is.EqualTo(flow.State), "the provider echoed our state");
            Assert.That(query["code"].ToString(), Is.Not.Empty);
        });

        // No Referer reaches the dashboard, so the code in the callback URL cannot leak there.
        var visit = Env.Dashboard.Visits.Last(v => v.PathAndQuery.Contains(patientId, StringComparison.Ordinal));
        Assert.That(visit.Referer, Is.Null, "Referrer-Policy: no-referrer on the callback's redirect");

        var connection = await Env.FindConnectionAsync(provider, patientId);
        Assert.That(connection, Is.Not.Null);
        Assert.Multiple(async () =>
        {
            Assert.That(connection!.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.ProviderUserId, Is.Not.Null.And.Not.Empty);
            Assert.That(await Env.OpenAccessTokenAsync(connection), Is.EqualTo(Env.Fake(provider).IssuedAccessTokens.Last()));
        });

        if (Connections == ConnectionsMode.Fhir)
        {
            var (_, endpoint) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, provider);
            Assert.That(endpoint.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(endpoint.GetProperty("connectionType").GetProperty("code").GetString(), Is.EqualTo(provider));
        }

        // The same callback URL opened again (back button, history, a leaked link): refused.
        var replay = await page.GotoAsync(callback.Url);
        Assert.That(replay!.Status, Is.EqualTo(401));
        Assert.That(await page.ContentAsync(), Does.Contain("state_invalid"));
        Assert.That(page.Url, Does.StartWith(CallbackBase(provider)), "no redirect to the dashboard on a replay");
    }

    [TestCaseSource(typeof(FlowEnvironment), nameof(FlowEnvironment.Providers))]
    public async Task Deny_InTheBrowser_EndsOnTheCallbackWith400_AndStoresNothing(string provider)
    {
        var patientId = NewPatientId();
        var redirectUri = Env.Dashboard.Url($"wearables/connected?patient={patientId}").ToString();
        var flow = await Env.ConnectAsync(provider, patientId, redirectUri);
        var callbacks = new ConcurrentQueue<IResponse>();
        using var recording = RecordCallbackResponses(provider, callbacks);

        await page.GotoAsync(flow.AuthorizationUrl.ToString());
        var answer = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#deny"), r => r.Url.StartsWith(CallbackBase(provider), StringComparison.Ordinal));
        await page.WaitForLoadStateAsync(LoadState.Load);

        Assert.Multiple(async () =>
        {
            Assert.That(answer.Status, Is.EqualTo(400));
            Assert.That(answer.Headers["referrer-policy"], Is.EqualTo("no-referrer"));
            Assert.That(page.Url, Does.StartWith(CallbackBase(provider)));
            Assert.That(page.Url, Does.Contain("error=access_denied"));
            Assert.That(await page.ContentAsync(), Does.Contain("access_denied"));
            Assert.That(callbacks, Has.Count.EqualTo(1));
            Assert.That(Env.Dashboard.Visits.Where(v => v.PathAndQuery.Contains(patientId, StringComparison.Ordinal)), Is.Empty, "never sent to the dashboard");
            Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
        });
    }

    private string CallbackBase(string provider) => $"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/{provider}/callback";

    /// <summary>Waits for the dashboard; when it never comes, fails with where the browser stayed and what the callback answered.</summary>
    private async Task LandsOnAsync(string redirectUri, ConcurrentQueue<IResponse> callbacks)
    {
        try
        {
            await Browser.ReachesAsync(page, redirectUri);
        }
        catch (PlaywrightException)
        {
            var stayed = new Uri(page.Url).GetLeftPart(UriPartial.Path);
            var answers = string.Join(", ", callbacks.Select(c => c.Status));
            Assert.Fail($"The browser never reached the dashboard: it stayed on {stayed}; callback answers: [{answers}]; page: {await page.TextContentAsync("body")}");
        }
    }

    /// <summary>Collects every response of the service's callback the page receives, until disposed.</summary>
    private IDisposable RecordCallbackResponses(string provider, ConcurrentQueue<IResponse> into)
    {
        var prefix = CallbackBase(provider);
        void OnResponse(object? sender, IResponse response)
        {
            if (response.Url.StartsWith(prefix, StringComparison.Ordinal))
            {
                into.Enqueue(response);
            }
        }

        page.Response += OnResponse;
        return new Unsubscribe(() => page.Response -= OnResponse);
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
