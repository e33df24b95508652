using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.Api.Tests.Diagnostics;

/// <summary><c>Wearables:Diagnostics:ServerTiming</c>: off by default; when on, a callback reports its provider, store and total time.</summary>
public sealed class ServerTimingTests
{
    private FakeStrava strava = null!;

    [OneTimeSetUp]
    public async Task StartFakeAsync()
    {
        strava = new FakeStrava("timing-client-1234", "timing-secret");
        await strava.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopFakeAsync() => await strava.DisposeAsync();

    [Test]
    public async Task Callback_ByDefault_HasNoServerTimingHeader()
    {
        await using var factory = await StartServiceAsync(serverTiming: null);

        var response = await CallbackAsync(factory);

        await response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(response.Headers.Contains("Server-Timing"), Is.False);
    }

    [Test]
    public async Task Callback_WithServerTiming_ReportsProviderStoreAndTotal()
    {
        await using var factory = await StartServiceAsync(serverTiming: "true");
        strava.ClearRequests();

        var response = await CallbackAsync(factory);

        await response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(strava.Requests.Count(r => r.Path == "/oauth/token"), Is.EqualTo(1), "the callback called the provider");
        Assert.That(response.Headers.TryGetValues("Server-Timing", out var values), Is.True);
        var header = string.Join(", ", values!);
        var metrics = Parse(header);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(metrics.Keys, Is.EqualTo(new[] { "provider", "store", "total" }), header);
            Assert.That(metrics["provider"], Is.GreaterThan(0), header);
            Assert.That(metrics["store"], Is.GreaterThan(0), "state, credentials and connection reads and writes: " + header);

            // The callback calls the provider and the stores one after the other: neither overlaps the other.
            Assert.That(metrics["total"], Is.GreaterThanOrEqualTo(metrics["provider"] + metrics["store"] - 0.02), header);
            Assert.That(metrics["total"], Is.LessThan(30_000), header);
        }
    }

    [Test]
    public async Task ServerTiming_OnAnyAnswer_HoldsOnlyDurations()
    {
        await using var factory = await StartServiceAsync(serverTiming: "true");

        var response = await factory.BootstrapAdmin().GetAsync("/v1/project/settings");

        await response.ExpectJsonAsync(HttpStatusCode.OK);
        var header = string.Join(", ", response.Headers.GetValues("Server-Timing"));
        Assert.That(header, Does.Match(@"^provider;dur=0\.00, store;dur=\d+\.\d\d, total;dur=\d+\.\d\d$"), "no provider call here, and nothing but numbers");
    }

    private Task<WearablesApiFactory> StartServiceAsync(string? serverTiming)
    {
        var settings = new Dictionary<string, string?>(strava.ServiceSettings());
        if (serverTiming is not null)
        {
            settings["Wearables:Diagnostics:ServerTiming"] = serverTiming;
        }

        return WearablesApiFactory.StartAsync(StorageMode.Embedded, settings);
    }

    /// <summary>Credentials and toggle as an admin would set them, connect, a code from the fake, then the callback.</summary>
    private async Task<HttpResponseMessage> CallbackAsync(WearablesApiFactory factory)
    {
        var admin = factory.BootstrapAdmin();
        var credentials = await admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = strava.ClientId, clientSecret = strava.ClientSecret }));
        Assert.That(credentials.StatusCode, Is.EqualTo(HttpStatusCode.OK), await credentials.Content.ReadAsStringAsync());
        var enabled = await admin.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }));
        Assert.That(enabled.StatusCode, Is.EqualTo(HttpStatusCode.OK), await enabled.Content.ReadAsStringAsync());

        var connect = await (await admin.PostAsync("/v1/wearables/strava/connect", Http.Json(new { patientId = "p-timing" }))).ExpectJsonAsync(HttpStatusCode.OK);
        var state = connect.GetProperty("state").GetString()!;
        var query = QueryHelpers.ParseQuery(new Uri(connect.GetProperty("authorizationUrl").GetString()!).Query);
        var code = strava.IssueCode(query["redirect_uri"].ToString(), query["scope"].ToString());

        return await factory.Anonymous().GetAsync(QueryHelpers.AddQueryString("/v1/wearables/strava/callback", new Dictionary<string, string?> { ["code"] = code, ["state"] = state }));
    }

    /// <summary><c>name;dur=1.23, …</c> → name → milliseconds.</summary>
    private static Dictionary<string, double> Parse(string header) => header
        .Split(',', StringSplitOptions.TrimEntries)
        .Select(metric => metric.Split(";dur=", 2))
        .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
