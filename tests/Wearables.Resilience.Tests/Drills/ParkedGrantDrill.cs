using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.Fakes;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// The two edges of parking a grant (issue 12 item 13) that <see cref="FhirOutageDrill"/> does not
/// walk: a flow that asked for a redirect (the browser is sent on with <c>wearables_status=pending</c>),
/// and a park store that is down as well (the callback fails closed with a 503 and leaves nothing behind).
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class ParkedGrantDrill
{
    private const string Origin = "https://my.dashboard.example";

    [Test]
    public async Task FhirEngineDownAtARedirectingCallback_RedirectsWithPendingStatus_AndTheConnectionAppears()
    {
        await using var fakes = await ThirdParties.StartAsync();
        var fhir = await FhirServer.StartNewAsync();
        var port = fhir.BaseUrl.Port;
        try
        {
            await using var service = Start(fakes, fhir);
            using var admin = service.Client(service.BootstrapAdminKey);
            using var browser = service.Client();
            await Http.ConfigureStravaAsync(admin, fakes.Strava, redirectOrigins: Origin);

            // Redirect URIs may carry a query (kept, the status appended with '&') but never a fragment (refused at connect).
            var fragment = await admin.SendAsync(HttpMethod.Post, "/v1/wearables/strava/connect", new { patientId = "pat-fragment", redirectUri = Origin + "/done#tab" });
            var cases = new[]
            {
                (RedirectUri: Origin + "/done", Expected: Origin + "/done?wearables_status=pending"),
                (RedirectUri: Origin + "/app/done?tab=wearables&from=a%20b", Expected: Origin + "/app/done?tab=wearables&from=a%20b&wearables_status=pending"),
            };
            var flows = new List<(string Patient, string State, string Code, string Expected)>();
            var secrets = new List<string>();
            foreach (var (redirectUri, expected) in cases)
            {
                var patient = "pat-redirect-" + Guid.NewGuid().ToString("N")[..8];
                var connect = await Http.Expect(admin.SendAsync(HttpMethod.Post, "/v1/wearables/strava/connect", new { patientId = patient, redirectUri }), 200);
                using var json = JsonDocument.Parse(connect.Body);
                var state = json.RootElement.GetProperty("state").GetString()!;
                var code = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
                flows.Add((patient, state, code, expected));
                secrets.AddRange([state, code]);
            }

            await fhir.DisposeAsync();

            var answers = new List<(HttpStatusCode Status, string? Location, string? ReferrerPolicy, string? CacheControl)>();
            foreach (var flow in flows)
            {
                using var response = await browser.GetAsync(Http.CallbackPath("strava", flow.Code, flow.State));
                answers.Add((response.StatusCode, response.Headers.Location?.OriginalString,
                    response.Headers.TryGetValues("Referrer-Policy", out var referrer) ? string.Join(",", referrer) : null,
                    response.Headers.CacheControl?.ToString()));
            }

            secrets.AddRange(fakes.Strava.IssuedAccessTokens);
            secrets.AddRange(fakes.Strava.IssuedRefreshTokens);
            var parkedDuringOutage = await StoreFingerprint.SqliteAsync(service.DatabasePath);

            // The engine comes back (empty) on the same port; the parked grants are written by the drain.
            fhir = await FhirServer.StartNewAsync(port);
            var log = new LoadLog();
            var lists = new List<Sample>();
            foreach (var flow in flows)
            {
                lists.Add(await FhirOutageDrill.WaitForConnectionAsync(admin, log, flow.Patient));
            }

            Assert.Multiple(() =>
            {
                Assert.That((fragment.Status, fragment.Error), Is.EqualTo((422, "redirect_uri_invalid")), "a redirectUri with a fragment is refused at connect");
                for (var i = 0; i < flows.Count; i++)
                {
                    var (status, location, referrerPolicy, cacheControl) = answers[i];
                    Assert.That(status, Is.EqualTo(HttpStatusCode.Found), $"callback {i} while the engine is down: the browser is sent on");
                    Assert.That(location, Is.EqualTo(flows[i].Expected), $"callback {i}: exactly the redirectUri, with the pending status in its query");
                    Assert.That(referrerPolicy, Is.EqualTo("no-referrer"), $"callback {i}: the dashboard does not learn the callback URL");
                    Assert.That(cacheControl, Is.EqualTo("no-store"), $"callback {i}: not cached");
                    Assert.That(secrets.Where(s => location?.Contains(s, StringComparison.Ordinal) == true), Is.Empty, $"callback {i}: no state, code or token in the Location");
                    Assert.That(location, Does.Not.Contain("state=").And.Not.Contain("code="), $"callback {i}: no state or code parameter");
                    Assert.That(lists[i].Status, Is.EqualTo(200), $"flow {i}: the parked grant became a connection once the engine was back: {lists[i]}");
                    Assert.That(lists[i].Body, Does.Contain("\"status\":\"active\""), $"flow {i}: active, without a second authorization");
                }

                Assert.That(parkedDuringOutage.Split('\n').Count(l => l.StartsWith("parked_grants:", StringComparison.Ordinal)), Is.EqualTo(flows.Count), "one parked grant per callback");
                Assert.That(service.Logs.Containing(secrets).Select(l => $"{l.Entry} contains a secret of length {l.Secret.Length}"), Is.Empty, "no token, code or state in any log entry");
                Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
            });
        }
        finally
        {
            await fhir.DisposeAsync();
        }
    }

    [Test]
    public async Task FhirEngineAndRedisDownAtTheCallback_Answers503_WritesNothing_AndLogsNoTokens()
    {
        await using var fakes = await ThirdParties.StartAsync();
        await using var redis = await RedisServer.StartNewAsync();
        var fhir = await FhirServer.StartNewAsync();
        var port = fhir.BaseUrl.Port;
        try
        {
            await using var service = Start(fakes, fhir, redis);
            using var admin = service.Client(service.BootstrapAdminKey);
            using var browser = service.Client();
            await Http.ConfigureStravaAsync(admin, fakes.Strava);

            var patient = "pat-both-down-" + Guid.NewGuid().ToString("N")[..8];
            var state = await Http.ConnectAsync(admin, "strava", patient);
            var code = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
            await fhir.DisposeAsync();

            // The state is taken from Redis first; the token answer is held back so that Redis (which
            // also holds the parked grants) can be stopped after the state was spent and before the park.
            fakes.Strava.SlowDelay = TimeSpan.FromSeconds(6); // room for a container to stop (CI runs Redis in Docker)
            fakes.Strava.Mode = FakeMode.Slow;
            var tokenMark = fakes.Strava.Requests.Count;
            var callback = browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code, state));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!FakeRequested(fakes.Strava, tokenMark) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            var exchanging = FakeRequested(fakes.Strava, tokenMark);
            await redis.StopAsync();
            var answer = await callback;
            fakes.Strava.Mode = FakeMode.Normal;

            // Both stores come back (Redis empty: no persistence). Nothing may appear: the grant was not parked.
            await redis.StartAsync();
            fhir = await FhirServer.StartNewAsync(port);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await using var scope = service.Services.CreateAsyncScope();
            var stored = await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().ListByPatientAsync(service.BootstrapProject, patient, CancellationToken.None);

            var secrets = new List<string> { state, code };
            secrets.AddRange(fakes.Strava.IssuedAccessTokens);
            secrets.AddRange(fakes.Strava.IssuedRefreshTokens);
            Assert.Multiple(() =>
            {
                Assert.That(exchanging, Is.True, "the callback reached the code exchange before Redis was stopped");
                Assert.That(fakes.Strava.IssuedAccessTokens, Has.Count.EqualTo(1), "the provider did issue tokens");
                Assert.That((answer.Status, answer.Error, answer.IsProblem), Is.EqualTo((503, "connection_store_unavailable", true)), answer.ToString());
                Assert.That(answer.Body, Does.Not.Contain("\"pending\""), "no promise that the connection will appear");
                Assert.That(secrets.Where(s => answer.Body.Contains(s, StringComparison.Ordinal)), Is.Empty, "nothing secret in the problem");
                Assert.That(stored, Is.Empty, "no connection was written, not even once both stores were back");
                Assert.That(service.Logs.Containing(secrets).Select(l => $"{l.Entry} contains a secret of length {l.Secret.Length}"), Is.Empty, "no token, code or state in any log entry");
                Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
            });
        }
        finally
        {
            await fhir.DisposeAsync();
        }
    }

    private static bool FakeRequested(FakeServer fake, int mark) =>
        fake.Requests.Skip(mark).Any(r => r.Path == "/oauth/token");

    /// <summary>A service whose connection store is <paramref name="fhir"/>, draining parked grants every second; its state (and park) store is <paramref name="redis"/> when given, else the embedded one.</summary>
    private static ServiceInstance Start(ThirdParties fakes, FhirServer fhir, RedisServer? redis = null) =>
        ServiceInstance.Start(fakes.Options() with
        {
            Storage = redis is null ? StorageMode.Embedded : StorageMode.Redis,
            RedisConnectionString = redis?.ConnectionString,
            Connections = ConnectionsMode.Fhir,
            FhirBaseUrl = fhir.BaseUrl,
            Settings = new Dictionary<string, string?>
            {
                ["Wearables:ParkedGrants:RetrySeconds"] = "1",

                // Room for a slow token answer (the Redis case holds it back).
                ["Wearables:Providers:TimeoutSeconds"] = "10",
            },
        });
}
