using System.Text.Json;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 2: the FHIR engine (the only connection store) goes down while OAuth callbacks arrive, after
/// the provider has issued tokens. Callbacks answer success with <c>"pending": true</c>: the sealed
/// grants are parked in the embedded store (no plaintext token there, none logged); the engine comes
/// back on the same port and the connections appear without a second authorization or a restart.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class FhirOutageDrill
{
    private const int Flows = 4;

    [Test]
    public async Task FhirEngineDownDuringCallbacks_ParksTheGrants_LogsNoTokens_AndTheConnectionsAppear()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        var fhir = await FhirServer.StartNewAsync();
        var port = fhir.BaseUrl.Port;
        try
        {
            await using var service = ServiceInstance.Start(fakes.Options() with
            {
                Connections = ConnectionsMode.Fhir,
                FhirBaseUrl = fhir.BaseUrl,
                Settings = new Dictionary<string, string?> { ["Wearables:ParkedGrants:RetrySeconds"] = "1" },
            });
            using var admin = service.Client(service.BootstrapAdminKey);
            using var browser = service.Client();
            await Http.ConfigureStravaAsync(admin, fakes.Strava);
            var log = new LoadLog();
            var secrets = new List<string>();

            // Sanity: a whole flow works while the engine is up.
            var okPatient = "pat-up-" + Guid.NewGuid().ToString("N")[..8];
            var okState = await Http.ConnectAsync(admin, "strava", okPatient);
            var okCode = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
            secrets.AddRange([okState, okCode]);
            var up = await log.RecordAsync("callback", "engine up", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", okCode, okState)));
            Assert.That(up.Status, Is.EqualTo(200), "a callback succeeds while the FHIR engine is up");
            progress.WriteLine($"[fhir drill] FHIR engine at {fhir.BaseUrl}; a callback with the engine up: {up.Outcome} in {Durations.Ms(up.Latency)}");

            // Flows whose user has approved (the provider holds a code for each), then the engine dies.
            var patients = Enumerable.Range(0, Flows).Select(i => $"pat-down-{i}-" + Guid.NewGuid().ToString("N")[..8]).ToList();
            var flows = new List<(string Patient, string State, string Code)>();
            foreach (var patient in patients)
            {
                var state = await Http.ConnectAsync(admin, "strava", patient);
                var code = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
                flows.Add((patient, state, code));
                secrets.AddRange([state, code]);
            }

            var tokensBefore = fakes.Strava.IssuedAccessTokens.Count;
            await fhir.DisposeAsync();
            progress.WriteLine($"[fhir drill] FHIR engine on port {port} killed; {Flows} callbacks arrive concurrently");

            var down = await Task.WhenAll(flows.Select(f =>
                log.RecordAsync("callback", "engine down", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", f.Code, f.State)))));
            var tokensIssuedDuringOutage = fakes.Strava.IssuedAccessTokens.Count - tokensBefore;
            var listDown = await log.RecordAsync("list connections", "engine down", () => admin.SendAsync(HttpMethod.Get, $"/api/v1/users/{patients[0]}/connections"));
            var readyDown = await log.RecordAsync("GET /health/ready", "engine down", () => browser.SendAsync(HttpMethod.Get, "/health/ready"));
            var parkedDuringOutage = await StoreFingerprint.SqliteAsync(service.DatabasePath);
            progress.WriteLine($"[fhir drill] the provider issued {tokensIssuedDuringOutage} token pairs during the outage (the code exchange happens before the store is touched)");

            // The engine comes back (in-memory: empty) on the same port; the service is not restarted.
            fhir = await FhirServer.StartNewAsync(port);
            progress.WriteLine($"[fhir drill] FHIR engine started again at {fhir.BaseUrl}");
            var readyAfter = await WaitForReadyAsync(browser, log);
            var lists = new List<Sample>();
            foreach (var patient in patients)
            {
                lists.Add(await WaitForConnectionAsync(admin, log, patient));
            }

            var parkedAfter = await StoreFingerprint.SqliteAsync(service.DatabasePath);

            var replay = await log.RecordAsync("callback replay", "engine back", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", flows[0].Code, flows[0].State)));

            // A fresh flow for the first patient now completes: recovery without a restart.
            var againState = await Http.ConnectAsync(admin, "strava", patients[0]);
            var againCode = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
            secrets.AddRange([againState, againCode]);
            var again = await log.RecordAsync("callback (new flow)", "engine back", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", againCode, againState)));
            var listAgain = await admin.SendAsync(HttpMethod.Get, $"/api/v1/users/{patients[0]}/connections");

            progress.WriteLine("[fhir drill] what was seen:");
            progress.WriteLine(LoadLog.Summarize(log.Samples));

            // Nothing anywhere else either: the embedded database (present for Embedded storage) holds no connection and no token.
            var embedded = await StoreFingerprint.SqliteAsync(service.DatabasePath);
            secrets.AddRange(fakes.Strava.IssuedAccessTokens);
            secrets.AddRange(fakes.Strava.IssuedRefreshTokens);
            var leaks = service.Logs.Containing(secrets);
            progress.WriteLine($"[fhir drill] checked {service.Logs.Entries.Count} log entries (message, state, scopes, exception text) for {secrets.Count} tokens/codes/states: {leaks.Count} hits");

            Assert.Multiple(() =>
            {
                foreach (var sample in down)
                {
                    Assert.That(sample.Status, Is.EqualTo(200), "callback while the engine is down: a success");
                    Assert.That(sample.Body, Does.Contain("\"pending\":true").And.Contain("\"ok\":true"), "that says the connection will appear shortly");
                    Assert.That(sample.Latency, Is.LessThan(TimeSpan.FromSeconds(15)), "bounded: three quick retries, then parked");
                }

                Assert.That(parkedDuringOutage.Split('\n').Count(l => l.StartsWith("parked_grants:", StringComparison.Ordinal)), Is.EqualTo(Flows), "one parked grant per callback");
                foreach (var token in fakes.Strava.IssuedAccessTokens.Concat(fakes.Strava.IssuedRefreshTokens))
                {
                    Assert.That(parkedDuringOutage, Does.Not.Contain(token), "a parked grant holds sealed tokens only, never plaintext");
                }

                Assert.That(parkedAfter, Does.Not.Contain("parked_grants:"), "every parked grant was written and removed");

                Assert.That(tokensIssuedDuringOutage, Is.EqualTo(Flows), "the drill really hit the 'tokens issued, store down' case");
                Assert.That((listDown.Status, listDown.Error), Is.EqualTo((503, "connection_store_unavailable")), "list while the engine is down");
                Assert.That(readyDown.Status, Is.EqualTo(503), "/health/ready while the engine is down");
                Assert.That(readyAfter, Is.True, "/health/ready again once the engine is back");
                Assert.That(lists.Select(s => s.Status), Is.All.EqualTo(200), "each parked grant became a connection once the engine was back");
                Assert.That(lists.Select(s => s.Body), Is.All.Contain("\"status\":\"active\""), "active, without a second authorization");
                Assert.That(embedded, Does.Not.Contain("connections:"), "no fallback write of a connection into the embedded database");
                Assert.That(leaks.Select(l => $"{l.Entry} contains a secret of length {l.Secret.Length}"), Is.Empty, "no token, code or state in any log entry");
                Assert.That((replay.Status, replay.Error), Is.EqualTo((401, "state_invalid")), "the parked callback spent its state");
                Assert.That(again.Status, Is.EqualTo(200), "a new flow completes once the engine is back, without a service restart");
                Assert.That(listAgain.Status, Is.EqualTo(200));
                Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
            });

            using var json = JsonDocument.Parse(listAgain.Body);
            Assert.That(json.RootElement.GetArrayLength(), Is.EqualTo(1), "exactly one connection after recovery");
        }
        finally
        {
            await fhir.DisposeAsync();
        }
    }

    /// <summary>The patient's list once it holds a connection (the parked grant's background write), or the last answer after 30 s.</summary>
    internal static async Task<Sample> WaitForConnectionAsync(HttpClient admin, LoadLog log, string patient)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await log.RecordAsync("list connections", "engine back", () => admin.SendAsync(HttpMethod.Get, $"/api/v1/users/{patient}/connections"));
            if (list.Status == 200 || DateTime.UtcNow > deadline)
            {
                return list;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<bool> WaitForReadyAsync(HttpClient client, LoadLog log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if ((await log.RecordAsync("GET /health/ready", "engine back", () => client.SendAsync(HttpMethod.Get, "/health/ready"))).Status == 200)
            {
                return true;
            }

            await Task.Delay(250);
        }

        return false;
    }
}
