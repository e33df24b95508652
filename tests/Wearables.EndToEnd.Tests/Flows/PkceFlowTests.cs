using System.Net;
using System.Text.Json;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// PKCE end to end over loopback, against fakes that enforce S256 (<see cref="OAuthFake.RequirePkce"/>):
/// an environment of its own where Strava has <c>Wearables:Providers:strava:UsePkce</c> on and Polar
/// keeps its default (off).
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class PkceFlowTests(StorageMode storage, ConnectionsMode connections)
{
    private FlowEnvironment env = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync() =>
        env = await FlowEnvironment.StartAsync(storage, connections, settings: new Dictionary<string, string?> { ["Wearables:Providers:strava:UsePkce"] = "true" });

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        if (env is not null)
        {
            await env.DisposeAsync();
        }
    }

    [SetUp]
    public async Task EnforcePkceAtStravaOnlyAsync()
    {
        await env.ResetFakesAsync();
        env.Strava.RequirePkce = true;
        env.Polar.RequirePkce = false;
    }

    [Test]
    public async Task WithPkce_ConnectAuthorizeCallback_Succeeds_AndTheVerifierSentMatchesTheChallenge()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var flow = await env.ConnectAsync("strava", patientId);
        var challenge = flow.Query["code_challenge"];
        var mark = env.Strava.Requests.Count;

        var code = env.Strava.IssueCode(flow.CallbackUri, flow.Query["scope"], challenge);
        var response = await env.Anonymous.GetAsync(env.CallbackUrl("strava", flow.State, code));

        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        var verifier = TokenRequests(env.Strava, mark).Single().Form["code_verifier"];
        var connection = await env.FindConnectionAsync("strava", patientId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(flow.Query["code_challenge_method"], Is.EqualTo("S256"));
            Assert.That(challenge, Does.Match("^[A-Za-z0-9_-]{43}$"));
            Assert.That(verifier, Does.Match("^[A-Za-z0-9_-]{43,128}$"));
            Assert.That(Pkce.Challenge(verifier), Is.EqualTo(challenge), "S256 as the fake computes it");
            Assert.That(flow.AuthorizationUrl.ToString(), Does.Not.Contain(verifier), "the verifier never travels through the browser");
            Assert.That(body.GetProperty("ok").ValueKind, Is.EqualTo(JsonValueKind.True));
            Assert.That(connection?.Status, Is.EqualTo(ConnectionStatus.Active));
        }
    }

    [Test]
    public async Task WithPkce_TheConsentPageTakesTheAuthorizationUrl()
    {
        var flow = await env.ConnectAsync("strava", FlowEnvironment.NewPatientId());
        using var http = new HttpClient();

        var consent = await http.GetAsync(flow.AuthorizationUrl);

        Assert.That(consent.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the S256-enforcing fake accepts the challenge on our URL");
        Assert.That(env.Strava.CodeChallenges, Does.Contain(flow.Query["code_challenge"]));
    }

    [Test]
    public async Task WithPkce_InTheBrowser_TheUserAuthorizes_AndLandsOnTheDashboardConnected()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var redirectUri = env.Dashboard.Url($"wearables/connected?patient={patientId}&provider=strava").ToString();
        var flow = await env.ConnectAsync("strava", patientId, redirectUri);
        var mark = env.Strava.Requests.Count;
        await using var browser = await Browser.LaunchAsync();
        var (context, page) = await browser.NewPageAsync();
        await using var _ = context;

        var consent = await page.GotoAsync(flow.AuthorizationUrl.ToString());
        Assert.That(consent!.Status, Is.EqualTo(200), "the S256-enforcing consent page takes our challenge");
        await page.ClickAsync("#authorize");
        await Browser.ReachesAsync(page, redirectUri);

        var verifier = TokenRequests(env.Strava, mark).Single().Form["code_verifier"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await page.TextContentAsync("#status"), Is.EqualTo(Dashboard.Heading));
            Assert.That(Pkce.Challenge(verifier), Is.EqualTo(flow.Query["code_challenge"]));
            Assert.That((await env.FindConnectionAsync("strava", patientId))?.Status, Is.EqualTo(ConnectionStatus.Active));
        }
    }

    [Test]
    public async Task WithPkce_AWrongVerifier_IsA400CodeRejected_AndNothingIsStored()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var flow = await env.ConnectAsync("strava", patientId);
        var mark = env.Strava.Requests.Count;

        // A code bound to another verifier's challenge: the one the service holds does not match it.
        var code = env.Strava.IssueCode(flow.CallbackUri, flow.Query["scope"], PkceVerifiers.ChallengeOf(PkceVerifiers.NewVerifier()));
        var response = await env.Anonymous.GetAsync(env.CallbackUrl("strava", flow.State, code));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "code_rejected");
        Assert.That(TokenRequests(env.Strava, mark).Single().Form.ContainsKey("code_verifier"), Is.True, "the exchange was tried with the service's verifier");
        Assert.That(await env.FindConnectionAsync("strava", patientId), Is.Null);
    }

    [Test]
    public async Task AMissingVerifier_WhereTheProviderRequiresPkce_IsA400CodeRejected()
    {
        // Polar keeps PKCE off in the service while this fake demands it: a code bound to a challenge, redeemed without a verifier.
        env.Polar.RequirePkce = true;
        var patientId = FlowEnvironment.NewPatientId();
        var flow = await env.ConnectAsync("polar", patientId);
        var mark = env.Polar.Requests.Count;

        var code = env.Polar.IssueCode(flow.CallbackUri, PkceVerifiers.ChallengeOf(PkceVerifiers.NewVerifier()));
        var response = await env.Anonymous.GetAsync(env.CallbackUrl("polar", flow.State, code));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "code_rejected");
        Assert.That(TokenRequests(env.Polar, mark).Single().Form.ContainsKey("code_verifier"), Is.False);
        Assert.That(await env.FindConnectionAsync("polar", patientId), Is.Null);
    }

    [Test]
    public async Task WithoutPkce_NothingChanges_NoChallengeOnTheUrl_NoVerifierAtTheExchange()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var flow = await env.ConnectAsync("polar", patientId);
        var mark = env.Polar.Requests.Count;

        var response = await env.Anonymous.GetAsync(env.CallbackUrl("polar", flow.State, env.IssueCode(flow)));

        await response.ExpectJsonAsync(HttpStatusCode.OK);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(flow.Query.Keys, Has.None.StartsWith("code_challenge"));
            Assert.That(TokenRequests(env.Polar, mark).Single().Form.ContainsKey("code_verifier"), Is.False);
            Assert.That((await env.FindConnectionAsync("polar", patientId))?.Status, Is.EqualTo(ConnectionStatus.Active));
        }
    }

    [Test]
    public async Task Logs_NeverCarryTheVerifier()
    {
        var flow = await env.ConnectAsync("strava", FlowEnvironment.NewPatientId());
        var mark = env.Strava.Requests.Count;
        var code = env.Strava.IssueCode(flow.CallbackUri, flow.Query["scope"], flow.Query["code_challenge"]);
        await (await env.Anonymous.GetAsync(env.CallbackUrl("strava", flow.State, code))).ExpectJsonAsync(HttpStatusCode.OK);
        var verifier = TokenRequests(env.Strava, mark).Single().Form["code_verifier"];

        var entries = env.Host.Logs.Entries;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries.Select(e => e.Message), Has.Some.StartsWith("Connected strava for project"), "the capture sees the flow");
            Assert.That(env.Host.Logs.Containing([verifier]), Is.Empty, "at no level, in no category");
            Assert.That(LogPolicy.Leaks(entries.Where(LogPolicy.MustBeClean), env.AllSecrets()), Is.Empty, "nor a state, code or token at the levels the service writes");
        }
    }

    private static List<RecordedRequest> TokenRequests(OAuthFake fake, int mark) =>
        FlowEnvironment.RequestsSince(fake, mark).Where(r => r.Method == "POST" && r.Path == fake.TokenUrl.AbsolutePath).ToList();
}
