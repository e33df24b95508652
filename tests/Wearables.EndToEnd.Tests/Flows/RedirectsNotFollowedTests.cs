using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// Issue 12, item 6, live: each outbound client (Junction, a provider's token endpoint, a provider's
/// revocation endpoint) gets a 3xx that points at another loopback host (127.0.0.2), which must never
/// see a request, let alone our <c>x-vital-api-key</c> or <c>Authorization</c>.
/// </summary>
[TestFixture]
public sealed class RedirectsNotFollowedTests
{
    private readonly string junctionKey = "junction-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
    private FakeRedirector otherHost = null!;
    private FakeRedirector junction = null!;
    private FakeRedirector polarToken = null!;
    private FakeRedirector stravaRevoke = null!;
    private FlowEnvironment env = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        otherHost = new FakeRedirector(null) { ListenAddress = "127.0.0.2" };
        await otherHost.StartAsync();
        junction = new FakeRedirector(otherHost.BaseUrl, StatusCodes.Status307TemporaryRedirect);
        polarToken = new FakeRedirector(otherHost.BaseUrl, StatusCodes.Status302Found);
        stravaRevoke = new FakeRedirector(otherHost.BaseUrl, StatusCodes.Status307TemporaryRedirect);
        await Task.WhenAll(junction.StartAsync(), polarToken.StartAsync(), stravaRevoke.StartAsync());
        env = await FlowEnvironment.StartAsync(StorageMode.Embedded, ConnectionsMode.Embedded, settings: new Dictionary<string, string?>
        {
            ["Wearables:Junction:BaseUrl"] = junction.BaseUrl.ToString(),
            ["Wearables:Junction:ApiKey"] = junctionKey,
            ["Wearables:Providers:polar:TokenUrl"] = new Uri(polarToken.BaseUrl, "v2/oauth2/token").ToString(),
            ["Wearables:Providers:strava:RevokeUrl"] = new Uri(stravaRevoke.BaseUrl, "oauth/deauthorize").ToString(),
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (env is not null)
        {
            await env.DisposeAsync();
        }

        await junction.DisposeAsync();
        await polarToken.DisposeAsync();
        await stravaRevoke.DisposeAsync();
        await otherHost.DisposeAsync();
    }

    [Test]
    public async Task Junction_307ToAnotherHost_Is502_AndTheOtherHostSeesNothing()
    {
        using var body = new StringContent(JsonSerializer.Serialize(new { link_token = "lt-" + Guid.NewGuid().ToString("N"), provider = "oura" }), System.Text.Encoding.UTF8, "application/json");

        var response = await env.Tenant.Service.PostAsync("/v1/wearables/link/exchange", body);

        await response.ExpectProblemAsync(HttpStatusCode.BadGateway);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(junction.Requests.Select(r => r.Header("x-vital-api-key")), Is.EqualTo(new[] { junctionKey }), "the call went out once, with the key");
            Assert.That(otherHost.Requests, Is.Empty, "the redirect was not followed");
        }
    }

    [Test]
    public async Task ProviderToken_302ToAnotherHost_FailsTheCallback_AndTheOtherHostSeesNothing()
    {
        var flow = await env.ConnectAsync("polar", FlowEnvironment.NewPatientId());

        var callback = await env.Anonymous.GetAsync(env.CallbackUrl("polar", flow.State, env.IssueCode(flow)));

        Assert.That((int)callback.StatusCode, Is.EqualTo(502), await callback.Content.ReadAsStringAsync());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(polarToken.Requests.Select(r => r.Header("Authorization")), Has.Exactly(1).StartsWith("Basic "), "the exchange went out once, with the client credentials");
            Assert.That(otherHost.Requests, Is.Empty, "the redirect was not followed");
        }

        Assert.That(await env.FindConnectionAsync("polar", flow.PatientId), Is.Null);
    }

    [Test]
    public async Task ProviderRevoke_307ToAnotherHost_IsNotFollowed_AndTheOtherHostSeesNothing()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var (_, callback) = await env.CompleteFlowAsync("strava", patientId);
        Assert.That((int)callback.StatusCode, Is.LessThan(400), await callback.Content.ReadAsStringAsync());

        var response = await env.Tenant.Service.DeleteAsync($"/api/v1/users/{patientId}/connections/strava");

        Assert.That((int)response.StatusCode, Is.LessThan(500), await response.Content.ReadAsStringAsync());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stravaRevoke.Requests, Is.Not.Empty, "the revocation went out");
            Assert.That(otherHost.Requests, Is.Empty, "the redirect was not followed");
        }
    }
}
