using System.Text.Json;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 4: two service instances share one Redis (settings, credentials, keys, OAuth state) and one
/// FHIR engine (connections). A flow started on one completes on the other; the state is single-use
/// across instances.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class TwoInstancesDrill
{
    [Test]
    public async Task FlowStartedOnOneInstance_CompletesOnTheOther_AndIsSingleUseAcrossBoth()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var stores = await SharedStores.StartAsync();
        var shared = stores.Options(fakes);
        await using var a = ServiceInstance.Start(shared);
        await using var b = ServiceInstance.Start(shared);
        progress.WriteLine($"[two instances] A and B share redis-server :{stores.Redis.Port} and the FHIR engine {stores.Fhir.BaseUrl} (and the master key); A bootstrapped the admin key");

        using var adminA = a.Client(shared.BootstrapAdminKey);
        using var adminB = b.Client(shared.BootstrapAdminKey);
        using var browserA = a.Client();
        using var browserB = b.Client();
        await Http.ConfigureStravaAsync(adminA, fakes.Strava);
        var settingsOnB = await adminB.SendAsync(HttpMethod.Get, "/v1/project/settings");
        var credentialsOnB = await adminB.SendAsync(HttpMethod.Get, "/v1/wearables/strava/credentials");

        // A → B.
        var patient1 = "pat-ab-" + Guid.NewGuid().ToString("N")[..8];
        var state1 = await Http.ConnectAsync(adminA, "strava", patient1);
        var code1 = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
        var callbackOnB = await browserB.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code1, state1));
        var listOnA = await adminA.SendAsync(HttpMethod.Get, $"/api/v1/users/{patient1}/connections");
        var listOnB = await adminB.SendAsync(HttpMethod.Get, $"/api/v1/users/{patient1}/connections");
        var replayOnA = await browserA.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code1, state1));
        progress.WriteLine($"[two instances] connect on A, callback on B → {callbackOnB.Status}; list on A → {listOnA.Status}, on B → {listOnB.Status}; replay on A → {replayOnA.Status} {replayOnA.Error}");

        // B → A.
        var patient2 = "pat-ba-" + Guid.NewGuid().ToString("N")[..8];
        var state2 = await Http.ConnectAsync(adminB, "strava", patient2);
        var code2 = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
        var callbackOnA = await browserA.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code2, state2));
        var list2OnB = await adminB.SendAsync(HttpMethod.Get, $"/api/v1/users/{patient2}/connections");
        progress.WriteLine($"[two instances] connect on B, callback on A → {callbackOnA.Status}; list on B → {list2OnB.Status}");

        // One state, two instances, at the same time: exactly one wins (GETDEL).
        var patient3 = "pat-race-" + Guid.NewGuid().ToString("N")[..8];
        var state3 = await Http.ConnectAsync(adminA, "strava", patient3);
        var code3 = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
        var race = await Task.WhenAll(
            browserA.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code3, state3)),
            browserB.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code3, state3)));
        progress.WriteLine($"[two instances] the same callback on A and B at once → {race[0].Status} {race[0].Error} / {race[1].Status} {race[1].Error}");

        Assert.Multiple(() =>
        {
            Assert.That(settingsOnB.Body, Does.Contain("\"WEARABLE_STRAVA_ENABLED\":true"), "B sees the settings A wrote");
            Assert.That(credentialsOnB.Body, Does.Contain("\"configured\":true"), "B sees (and can decrypt) the credentials A wrote");
            Assert.That(callbackOnB.Status, Is.EqualTo(200), "callback on B for a flow started on A: " + callbackOnB);
            Assert.That(callbackOnB.Body, Does.Contain("\"ok\":true").And.Contain(patient1));
            Assert.That(listOnA.Status, Is.EqualTo(200), "the connection is visible on A: " + listOnA);
            Assert.That(listOnB.Status, Is.EqualTo(200), "the connection is visible on B: " + listOnB);
            Assert.That(listOnA.Body, Is.EqualTo(listOnB.Body), "A and B list the same connection");
            Assert.That((replayOnA.Status, replayOnA.Error), Is.EqualTo((401, "state_invalid")), "a replay on the other instance is refused");
            Assert.That(callbackOnA.Status, Is.EqualTo(200), "callback on A for a flow started on B: " + callbackOnA);
            Assert.That(list2OnB.Status, Is.EqualTo(200));
            Assert.That(race.Select(r => r.Status).Order(), Is.EqualTo(new[] { 200, 401 }), "exactly one of two concurrent callbacks with one state wins");
            Assert.That(a.Probe.Escaped.Concat(b.Probe.Escaped), Is.Empty, "no exception escaped either pipeline");
        });

        using var json = JsonDocument.Parse(listOnA.Body);
        var connection = json.RootElement.EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(connection.GetProperty("provider").GetString(), Is.EqualTo("strava"));
            Assert.That(connection.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(connection.GetProperty("user_id").GetString(), Is.EqualTo(patient1));
        });
    }
}
