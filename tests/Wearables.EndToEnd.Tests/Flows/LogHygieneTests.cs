using System.Net;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// Logs never carry a state, a code, a provider token, a client secret or an API key. Checked over
/// everything the shared environment of the combination logged so far (every fixture that ran
/// before) plus a run of every callback outcome made here, so it holds whatever the test order.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class LogHygieneTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task Logs_OfEveryFlowOutcome_NeverContainStatesCodesTokensClientSecretsOrKeys()
    {
        await RunEveryOutcomeAsync();

        var entries = Env.Host.Logs.Entries;
        var secrets = Env.AllSecrets();
        var mustBeClean = entries.Where(LogPolicy.MustBeClean).ToList();
        var leaks = LogPolicy.Leaks(mustBeClean, secrets);
        var belowSinkLevel = LogPolicy.Leaks(entries.Where(e => !LogPolicy.MustBeClean(e)), secrets);
        foreach (var note in belowSinkLevel.Distinct().Take(5))
        {
            TestContext.Out.WriteLine("Below the sink level (not written with the shipped Serilog levels): " + note);
        }

        Assert.Multiple(() =>
        {
            // The capture works and sees the flows: otherwise "nothing leaked" would prove nothing.
            Assert.That(secrets.Values, Does.Contain("state").And.Contain("code").And.Contain("access token").And.Contain("refresh token"));
            Assert.That(mustBeClean.Count(e => e.Category.StartsWith("Wearables.", StringComparison.Ordinal)), Is.GreaterThan(20));
            Assert.That(entries.Select(e => e.Message), Has.Some.StartsWith("Connected strava for project " + Env.Tenant.ProjectId));
            Assert.That(entries.Select(e => e.Message), Has.Some.StartsWith("Connected polar for project " + Env.Tenant.ProjectId));
            Assert.That(leaks, Is.Empty);
        });
    }

    private async Task RunEveryOutcomeAsync()
    {
        // Successes, with and without a redirect, both providers; a reconnect.
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId, Env.Dashboard.Url("done").ToString())).Response.Content.ReadAsStringAsync();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        await (await Env.CompleteFlowAsync("polar", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);

        // Replay, unknown state, crossed provider, provider error, missing code, rejected code.
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var url = Env.CallbackUrl("strava", flow.State, Env.IssueCode(flow));
        await Env.Anonymous.GetAsync(url);
        Assert.That((await Env.Anonymous.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var guessed = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "guessed-state";
        Env.Secrets.Add("state", guessed);
        Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", guessed, "x"))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var crossed = await Env.ConnectAsync("strava", NewPatientId());
        Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", crossed.State, Env.IssueCode(crossed)))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var denied = await Env.ConnectAsync("polar", NewPatientId());
        Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", denied.State, error: "access_denied"))).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var noCode = await Env.ConnectAsync("polar", NewPatientId());
        Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", noCode.State))).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        foreach (var provider in new[] { "strava", "polar" })
        {
            var rejected = await Env.ConnectAsync(provider, NewPatientId());
            var bogus = "rejected-code-" + Guid.NewGuid().ToString("N");
            Env.Secrets.Add("code", bogus);
            Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, rejected.State, bogus))).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        }

        // Upstream failures: 5xx, garbage, unreachable.
        foreach (var mode in new[] { FakeMode.ServerError, FakeMode.Garbage })
        {
            var failing = await Env.ConnectAsync("strava", NewPatientId());
            var code = Env.IssueCode(failing);
            Env.Strava.Mode = mode;
            Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", failing.State, code))).StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
            Env.Strava.Mode = FakeMode.Normal;
        }

        var down = await Env.ConnectAsync("polar", NewPatientId());
        var downCode = Env.IssueCode(down);
        await Env.Polar.StopAsync();
        Assert.That((await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", down.State, downCode))).StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        await Env.Polar.StartAsync();

        // Concurrent callbacks with one state.
        var raced = await Env.ConnectAsync("strava", NewPatientId());
        var racedUrl = Env.CallbackUrl("strava", raced.State, Env.IssueCode(raced));
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Env.Anonymous.GetAsync(racedUrl)));

        // Refused callers: a key the service does not know, and a patient key acting for another patient.
        var unknownKey = ServiceHost.NewApiKey();
        var stranger = Env.NewClient(unknownKey);
        Assert.That((await Env.PostConnectAsync(stranger, "strava", new { patientId = NewPatientId() })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var patient = Env.NewClient(await Env.IssueKeyAsync(Env.Tenant.ProjectId, Wearables.Domain.Security.Role.Patient, NewPatientId()));
        Assert.That((await Env.PostConnectAsync(patient, "strava", new { patientId = NewPatientId() })).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/v1/wearables/strava/connect") { Content = Http.Json(new { patientId = NewPatientId() }) };
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", unknownKey);
        Assert.That((await Env.Anonymous.SendAsync(bearer)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
