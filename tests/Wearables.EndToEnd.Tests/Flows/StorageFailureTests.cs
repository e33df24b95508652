using System.Net;
using Microsoft.Extensions.Logging;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// The provider issued tokens but the FHIR server is gone: the service retries, then parks the sealed
/// grant and answers success with <c>"pending": true</c>, and says so in its logs without the tokens.
/// A FHIR server of its own, since this fixture stops it.
/// </summary>
[TestFixture]
public sealed class StorageFailureTests
{
    private FlowEnvironment env = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        env = await FlowEnvironment.StartAsync(StorageMode.Embedded, ConnectionsMode.Fhir, await FhirServer.StartNewAsync());

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (env is not null)
        {
            await env.DisposeAsync();
        }
    }

    [Test]
    public async Task Callback_WhenFhirServerIsDownAfterTheExchange_ParksTheGrantAfterRetries_AnswersPending_AndLogsNoTokens()
    {
        var patientId = FlowEnvironment.NewPatientId();

        // Proves the store works before it is taken away.
        await (await env.CompleteFlowAsync("strava", FlowEnvironment.NewPatientId())).Response.ExpectJsonAsync(HttpStatusCode.OK);

        var flow = await env.ConnectAsync("strava", patientId);
        var code = env.IssueCode(flow);
        var stravaMark = env.Strava.Requests.Count;
        var logMark = env.Host.Logs.Entries.Count;
        await env.StopOwnedFhirAsync();

        // The retry delays run on the service's (fake) clock: move it along while the callback waits.
        var response = await env.Host.AdvanceClockUntilDoneAsync(env.Anonymous.GetAsync(env.CallbackUrl("strava", flow.State, code)), TimeSpan.FromMilliseconds(250));

        var answer = await response.ExpectJsonAsync(HttpStatusCode.OK);
        var logs = env.Host.Logs.Entries.Skip(logMark).ToList();
        var handlerLogs = logs.Where(l => l.Category.Contains("HandleCallback", StringComparison.Ordinal) && !l.Category.Contains("ParkedGrants", StringComparison.Ordinal)).ToList();
        var parkLogs = logs.Where(l => l.Category.Contains("ParkedGrants", StringComparison.Ordinal)).ToList();
        var secrets = env.AllSecrets();
        Assert.Multiple(() =>
        {
            Assert.That(FlowEnvironment.RequestsSince(env.Strava, stravaMark).Count(r => r.Path == "/oauth/token"), Is.EqualTo(1), "the provider did issue tokens");
            Assert.That(handlerLogs.Count(l => l.Level == LogLevel.Warning), Is.EqualTo(3), "three retries: " + string.Join(" | ", handlerLogs));
            Assert.That(handlerLogs.Count(l => l.Level == LogLevel.Error), Is.Zero, "no final failure: " + string.Join(" | ", handlerLogs));
            Assert.That(parkLogs.Count(l => l.Level == LogLevel.Warning && l.AllText.Contains("parked", StringComparison.Ordinal)), Is.EqualTo(1), "the grant was parked: " + string.Join(" | ", parkLogs));
            Assert.That(answer.GetProperty("pending").GetBoolean(), Is.True, "the answer says the connection will appear");
            Assert.That(handlerLogs.Select(l => l.AllText), Has.All.Contain(env.Tenant.ProjectId).And.All.Contain("strava"));
            Assert.That(LogPolicy.Leaks(logs.Where(LogPolicy.MustBeClean), secrets), Is.Empty);
            Assert.That(secrets.Keys.Where(s => answer.ToString().Contains(s, StringComparison.Ordinal)), Is.Empty, "nothing secret in the answer");
        });
    }
}
