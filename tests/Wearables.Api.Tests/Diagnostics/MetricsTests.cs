using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.Api.Tests.Diagnostics;

/// <summary>
/// <c>/metrics</c> over real HTTP (Kestrel on two loopback ports, <c>Wearables:Metrics:Port</c> on the
/// second): after credentials, connects, a callback and a refresh, the counters carry the right labels
/// and move by what was done; nothing in the scrape names a user, project, key, state, code or token.
/// </summary>
[NonParallelizable]
public sealed partial class MetricsTests
{
    private FakeStrava strava = null!;
    private KestrelHost host = null!;
    private HttpClient api = null!;
    private HttpClient metrics = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        strava = new FakeStrava("metrics-client-1234", "metrics-secret-5678") { InitialAccessTokenLifetime = TimeSpan.FromSeconds(60) };
        await strava.StartAsync();
        host = await KestrelHost.StartAsync(strava.ServiceSettings());
        api = host.Client(host.ApiPort, host.BootstrapAdminKey);
        metrics = host.Client(host.MetricsPort, apiKey: null);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        api.Dispose();
        metrics.Dispose();
        await host.DisposeAsync();
        await strava.DisposeAsync();
    }

    [Test]
    public async Task Scrape_AfterConnectCallbackRefreshAndCacheUse_ShowsEachWithItsLabels_AndNoSecret()
    {
        var before = await ScrapeAsync();
        var patient = "p-metrics-" + Guid.NewGuid().ToString("N")[..8];

        await (await api.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = strava.ClientId, clientSecret = strava.ClientSecret }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await api.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }))).ExpectJsonAsync(HttpStatusCode.OK);
        var pendingOnly = await (await api.PostAsync("/v1/wearables/strava/connect", Http.Json(new { patientId = patient + "-b" }))).ExpectJsonAsync(HttpStatusCode.OK);
        var connect = await (await api.PostAsync("/v1/wearables/strava/connect", Http.Json(new { patientId = patient }))).ExpectJsonAsync(HttpStatusCode.OK);
        var state = connect.GetProperty("state").GetString()!;
        var query = QueryHelpers.ParseQuery(new Uri(connect.GetProperty("authorizationUrl").GetString()!).Query);
        var code = strava.IssueCode(query["redirect_uri"].ToString(), query["scope"].ToString());
        using var anonymous = host.Client(host.ApiPort, apiKey: null);
        var callback = await anonymous.GetAsync(QueryHelpers.AddQueryString("/v1/wearables/strava/callback", new Dictionary<string, string?> { ["code"] = code, ["state"] = state }));
        await callback.ExpectJsonAsync(HttpStatusCode.OK);

        // The code exchange gave a token for 60 s: asking for 300 s of validity refreshes it.
        var token = await (await api.PostAsync($"/api/v1/users/{patient}/connections/strava/token", Http.Json(new { min_validity_seconds = 300 }))).ExpectJsonAsync(HttpStatusCode.OK);
        var accessToken = token.GetProperty("access_token").GetString()!;
        Assert.That((await api.GetAsync("/no/such/route/" + patient)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var after = await ScrapeAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Delta(before, after, "http_server_request_duration_seconds_count", ("http_route", "v1/wearables/{provider}/connect"), ("http_response_status_code", "200"), ("http_request_method", "POST")), Is.EqualTo(2));
            Assert.That(Delta(before, after, "http_server_request_duration_seconds_count", ("http_route", "v1/wearables/{provider}/callback"), ("http_response_status_code", "200")), Is.EqualTo(1));
            Assert.That(Delta(before, after, "http_server_request_duration_seconds_bucket", ("http_route", "v1/wearables/{provider}/callback"), ("le", "+Inf")), Is.EqualTo(1), "a latency histogram");
            Assert.That(Delta(before, after, "http_server_request_duration_seconds_count", ("http_response_status_code", "404")), Is.GreaterThanOrEqualTo(1));
            Assert.That(after.Where(s => s.Labels.GetValueOrDefault("http_response_status_code") == "404").Select(s => s.Labels.GetValueOrDefault("http_route")), Has.All.Null, "an unknown path has no route label");

            Assert.That(Delta(before, after, "wearables_provider_calls_total", ("provider", "strava"), ("outcome", "success")), Is.EqualTo(2), "the code exchange and the refresh");
            Assert.That(Delta(before, after, "wearables_provider_call_duration_seconds_count", ("provider", "strava"), ("outcome", "success")), Is.EqualTo(2));
            Assert.That(Delta(before, after, "wearables_token_refreshes_total", ("provider", "strava"), ("outcome", "refreshed")), Is.EqualTo(1));
            Assert.That(Delta(before, after, "wearables_cache_lookups_total", ("kind", "settings"), ("outcome", "hit")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Delta(before, after, "wearables_cache_lookups_total", ("kind", "api_key"), ("outcome", "hit")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Delta(before, after, "wearables_cache_lookups_total", ("kind", "credentials"), ("outcome", "miss")), Is.GreaterThanOrEqualTo(1), "the first read after the write");
            Assert.That(Sum(after, "wearables_oauth_states_pending"), Is.EqualTo(1), "the second connect's state was taken by the callback; the first one waits");
        }

        var text = await metrics.GetStringAsync("/metrics");
        foreach (var secret in new[] { host.BootstrapAdminKey, host.BootstrapProject, patient, state, code, accessToken, strava.ClientSecret, strava.ClientId, pendingOnly.GetProperty("state").GetString()! })
        {
            Assert.That(text, Does.Not.Contain(secret));
        }
    }

    [Test]
    public async Task Metrics_OnlyOnTheConfiguredPort_Anonymous_InThePrometheusTextFormat()
    {
        using var anonymousApi = host.Client(host.ApiPort, apiKey: null);
        var onApiPort = await anonymousApi.GetAsync("/metrics");
        var onApiPortWithKey = await api.GetAsync("/metrics");
        var onMetricsPort = await metrics.GetAsync("/metrics");
        var body = await onMetricsPort.Content.ReadAsStringAsync();

        using (Assert.EnterMultipleScope())
        {
            // Elsewhere /metrics is an unknown path like any other: 401 without a key, 404 with one.
            Assert.That(onApiPort.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "not on the API's port");
            Assert.That(onApiPortWithKey.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "not on the API's port, whoever asks");
            Assert.That(onMetricsPort.StatusCode, Is.EqualTo(HttpStatusCode.OK), "no key needed");
            Assert.That(onMetricsPort.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(body, Does.Contain("# TYPE http_server_request_duration_seconds histogram"));
            Assert.That(body, Does.Contain("# TYPE wearables_oauth_states_pending gauge"));
        }
    }

    [Test]
    public async Task Scrape_AfterAuthenticatedRefusedAndUnknownRequests_PublishesOnlyTheDocumentedFamilies()
    {
        // Requests that pass through authentication, authorization, the rate limiter, routing and Kestrel's
        // connection handling, each of which ASP.NET Core's instrumentation would count if it were listened to.
        using var anonymous = host.Client(host.ApiPort, apiKey: null);
        using var wrongKey = host.Client(host.ApiPort, apiKey: "wk_notakey0_" + new string('x', 43));
        Assert.That((await api.GetAsync("/v1/project/settings")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await anonymous.GetAsync("/v1/project/settings")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await wrongKey.GetAsync("/v1/project/settings")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.GetAsync("/v1/wearables/strava/callback?code=c&state=s")).IsSuccessStatusCode, Is.False);

        var text = await ScrapeTextAsync();
        var families = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);

        // The README's table (Metrics), and the exporter's resource series.
        Assert.That(families, Is.SubsetOf(new[]
        {
            "http_server_request_duration_seconds", "wearables_provider_calls_total", "wearables_provider_call_duration_seconds",
            "wearables_token_refreshes_total", "wearables_cache_lookups_total", "wearables_oauth_states_pending", "target_info",
        }));
        Assert.That(families, Does.Contain("http_server_request_duration_seconds").And.Contain("wearables_cache_lookups_total"));
    }

    /// <summary>A scrape after the exporter's one-second copy has lapsed.</summary>
    private async Task<string> ScrapeTextAsync()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        return await metrics.GetStringAsync("/metrics");
    }

    /// <summary>A scrape after the exporter's one-second copy has lapsed, as series.</summary>
    private async Task<IReadOnlyList<Series>> ScrapeAsync()
    {
        var text = await ScrapeTextAsync();
        var series = new List<Series>();
        foreach (var line in text.Split('\n'))
        {
            var match = SeriesLine().Match(line);
            if (match.Success)
            {
                var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
                series.Add(new Series(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
            }
        }

        return series;
    }

    private static double Sum(IEnumerable<Series> series, string name, params (string Name, string Value)[] labels) =>
        series.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).Sum(s => s.Value);

    private static double Delta(IEnumerable<Series> before, IEnumerable<Series> after, string name, params (string Name, string Value)[] labels) =>
        Sum(after, name, labels) - Sum(before, name, labels);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>[^ ]+)( \d+)?$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    private sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The service on real Kestrel: the API on one loopback port, <c>/metrics</c> on another.</summary>
    private sealed class KestrelHost : WearablesServiceFactory
    {
        private KestrelHost(IEnumerable<KeyValuePair<string, string?>> settings, int apiPort, int metricsPort)
            : base(new WearablesServiceOptions { Settings = new Dictionary<string, string?>(settings) })
        {
            ApiPort = apiPort;
            MetricsPort = metricsPort;
            UseKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, apiPort);
                k.Listen(IPAddress.Loopback, metricsPort);
            });
        }

        public int ApiPort { get; }

        public int MetricsPort { get; }

        public static Task<KestrelHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings)
        {
            var host = new KestrelHost(settings, FreePort.Next(), FreePort.Next());
            host.StartServer();
            return Task.FromResult(host);
        }

        public HttpClient Client(int port, string? apiKey)
        {
            var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") };
            if (apiKey is not null)
            {
                client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
            }

            return client;
        }

        protected override IEnumerable<KeyValuePair<string, string?>> InstanceSettings() =>
        [
            new("Wearables:PublicBaseUrl", $"http://127.0.0.1:{ApiPort.ToString(CultureInfo.InvariantCulture)}"),
            new("Wearables:Metrics:Port", MetricsPort.ToString(CultureInfo.InvariantCulture)),
        ];
    }
}
