using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>The OAuth callback (the OAuth callback contract) without a browser: codes come from the fakes, the callback URL is called directly.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class CallbackTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WithoutRedirectUri_Returns200OkWithProviderAndPatient(string provider)
    {
        var patientId = NewPatientId();
        var (_, response) = await Env.CompleteFlowAsync(provider, patientId);

        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("ok").ValueKind, Is.EqualTo(JsonValueKind.True));
            Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo(provider));
            Assert.That(body.GetProperty("patientId").GetString(), Is.EqualTo(patientId));
            AssertNoReferrerNoStore(response);
        });
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WithRedirectUri_Redirects302ToIt(string provider)
    {
        var redirectUri = Env.Dashboard.Url("wearables/done?tab=devices&lang=en").ToString();
        var (_, response) = await Env.CompleteFlowAsync(provider, NewPatientId(), redirectUri);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo(redirectUri));
            AssertNoReferrerNoStore(response);
        });
    }

    [Test]
    public async Task Callback_WithPercentEncodedNonAsciiRedirectUri_Redirects302ToIt_Unchanged()
    {
        // Non-ASCII is refused at connect; its percent-encoded form is what a client sends instead.
        var redirectUri = Env.Dashboard.Url("caf%C3%A9?name=Zo%C3%AB").AbsoluteUri;
        var (_, response) = await Env.CompleteFlowAsync("strava", NewPatientId(), redirectUri);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo(redirectUri));
    }

    [Test]
    public async Task Callback_Replayed_Returns401StateInvalid()
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var url = Env.CallbackUrl("strava", flow.State, Env.IssueCode(flow));
        await (await Env.Anonymous.GetAsync(url)).ExpectJsonAsync(HttpStatusCode.OK);
        var tokenRequests = TokenRequests("strava").Count;

        var replay = await Env.Anonymous.GetAsync(url);

        await replay.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        AssertNoReferrerNoStore(replay);
        Assert.That(TokenRequests("strava"), Has.Count.EqualTo(tokenRequests), "a replay must not reach the provider");
    }

    [Test]
    public async Task Callback_WithoutState_Returns401()
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", state: null, code: Env.IssueCode(flow)));
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        AssertNoReferrerNoStore(response);
    }

    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("x")]
    [TestCase("")]
    public async Task Callback_WithUnknownState_Returns401(string state)
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", state, Env.IssueCode(flow)));
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");

        // The real flow is untouched by the failed guess.
        var real = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, Env.IssueCode(flow)));
        await real.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Callback_WithOverlongState_Returns401()
    {
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", new string('A', 5000), "c0de"));
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
    }

    [Test]
    public async Task Callback_StateOfAnotherProvider_Returns401AndSpendsTheState()
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync("strava", patientId);
        var code = Env.IssueCode(flow);
        var stravaMark = Env.Strava.Requests.Count;
        var polarMark = Env.Polar.Requests.Count;

        var crossed = await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", flow.State, code));
        await crossed.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        AssertNoReferrerNoStore(crossed);

        var proper = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, code));
        await proper.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");

        Assert.Multiple(async () =>
        {
            Assert.That(FlowEnvironment.RequestsSince(Env.Strava, stravaMark), Is.Empty, "no exchange for a spent state");
            Assert.That(FlowEnvironment.RequestsSince(Env.Polar, polarMark), Is.Empty, "no exchange with the wrong provider");
            Assert.That(await Env.FindConnectionAsync("strava", patientId), Is.Null);
            Assert.That(await Env.FindConnectionAsync("polar", patientId), Is.Null);
        });
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WithProviderError_Returns400AndSpendsTheState(string provider)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId);

        var denied = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, error: "access_denied"));
        var problem = await denied.ExpectProblemAsync(HttpStatusCode.BadRequest);
        AssertNoReferrerNoStore(denied);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("access_denied"));

        var after = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, Env.IssueCode(flow)));
        await after.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
    }

    [Test]
    public async Task Callback_WithProviderErrorText_DoesNotEchoIt()
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, error: "<script>alert(1)</script>"));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.ToString(), Does.Not.Contain("<script>"));
    }

    [Test]
    public async Task Callback_WithoutCode_Returns400AndSpendsTheState()
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());

        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State));
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "code_missing");
        AssertNoReferrerNoStore(response);

        var after = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, Env.IssueCode(flow)));
        await after.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WithCodeTheProviderRejects_Returns400CodeRejected(string provider)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId);
        var bogus = "bogus-" + Guid.NewGuid().ToString("N");
        Env.Secrets.Add("code", bogus);

        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, bogus));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "code_rejected");
        AssertNoReferrerNoStore(response);
        Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WithAlreadyUsedCode_Returns400CodeRejected(string provider)
    {
        var patientId = NewPatientId();
        var first = await Env.ConnectAsync(provider, patientId);
        var code = Env.IssueCode(first);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, first.State, code))).ExpectJsonAsync(HttpStatusCode.OK);

        var second = await Env.ConnectAsync(provider, NewPatientId());
        var reused = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, second.State, code));

        await reused.ExpectProblemAsync(HttpStatusCode.BadRequest, "code_rejected");
        Assert.That(await Env.FindConnectionAsync(provider, second.PatientId), Is.Null);
    }

    [Test]
    public async Task Callback_WhenProviderAnswers5xx_Returns502AndStoresNothing(
        [Values("strava", "polar")] string provider,
        [Values(FakeMode.ServerError, FakeMode.Garbage)] FakeMode mode)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId);
        var code = Env.IssueCode(flow);
        Env.Fake(provider).Mode = mode;

        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, code));

        await response.ExpectProblemAsync(HttpStatusCode.BadGateway);
        AssertNoReferrerNoStore(response);
        Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WhenProviderIsSlow_Returns502WithinTheTimeout(string provider)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId);
        var code = Env.IssueCode(flow);
        Env.Fake(provider).Mode = FakeMode.Slow;

        var watch = Stopwatch.StartNew();
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, code));
        watch.Stop();

        await response.ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_unavailable");
        Assert.That(watch.Elapsed, Is.LessThan(FlowEnvironment.SlowDelay), "bounded by Wearables:Providers:TimeoutSeconds (2 s), not by the provider");
        Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_WhenProviderIsUnreachable_Returns502(string provider)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId);
        var code = Env.IssueCode(flow);
        await Env.Fake(provider).StopAsync();

        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, code));

        await response.ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_unavailable");
        AssertNoReferrerNoStore(response);
        Assert.That(await Env.FindConnectionAsync(provider, patientId), Is.Null);
    }

    [Test]
    public async Task Callback_AfterStateExpired_Returns401()
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync("strava", patientId);
        var code = Env.IssueCode(flow);
        var mark = Env.Strava.Requests.Count;

        Env.Host.Clock.Advance(TimeSpan.FromSeconds(601));
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, code));

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        Assert.That(FlowEnvironment.RequestsSince(Env.Strava, mark), Is.Empty);
        Assert.That(await Env.FindConnectionAsync("strava", patientId), Is.Null);
    }

    [Test]
    public async Task Callback_JustBeforeStateExpires_Succeeds()
    {
        var flow = await Env.ConnectAsync("polar", NewPatientId());
        var code = Env.IssueCode(flow);

        Env.Host.Clock.Advance(TimeSpan.FromSeconds(590));
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", flow.State, code));

        await response.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Callback_Strava_ExchangesWithTheSameRedirectUriAndSecretInTheFormBody()
    {
        var mark = Env.Strava.Requests.Count;
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var code = Env.IssueCode(flow);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl("strava", flow.State, code))).ExpectJsonAsync(HttpStatusCode.OK);

        var exchange = FlowEnvironment.RequestsSince(Env.Strava, mark).Single(r => r.Method == "POST" && r.Path == "/oauth/token");
        Assert.Multiple(() =>
        {
            Assert.That(exchange.Form["grant_type"], Is.EqualTo("authorization_code"));
            Assert.That(exchange.Form["code"], Is.EqualTo(code));
            Assert.That(exchange.Form["redirect_uri"], Is.EqualTo(flow.CallbackUri), "identical to the authorize request's redirect_uri");
            Assert.That(exchange.Form["client_id"], Is.EqualTo(Env.Strava.ClientId));
            Assert.That(exchange.Form["client_secret"], Is.EqualTo(Env.Strava.ClientSecret));
            Assert.That(exchange.Header("Authorization"), Is.Null);
            Assert.That(exchange.Query, Is.Empty, "nothing secret in the token request's URL");
        });
    }

    [Test]
    public async Task Callback_Polar_ExchangesWithTheSameRedirectUriAndHttpBasicClientAuth()
    {
        var mark = Env.Polar.Requests.Count;
        var flow = await Env.ConnectAsync("polar", NewPatientId());
        var code = Env.IssueCode(flow);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl("polar", flow.State, code))).ExpectJsonAsync(HttpStatusCode.OK);

        var exchange = FlowEnvironment.RequestsSince(Env.Polar, mark).Single(r => r.Method == "POST" && r.Path == "/v2/oauth2/token");
        var authorization = exchange.Header("Authorization");
        Assert.That(authorization, Does.StartWith("Basic "));
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization!["Basic ".Length..]));
        Assert.Multiple(() =>
        {
            Assert.That(decoded, Is.EqualTo($"{Env.Polar.ClientId}:{Env.Polar.ClientSecret}"));
            Assert.That(exchange.Form["grant_type"], Is.EqualTo("authorization_code"));
            Assert.That(exchange.Form["code"], Is.EqualTo(code));
            Assert.That(exchange.Form["redirect_uri"], Is.EqualTo(flow.CallbackUri));
            Assert.That(exchange.Form.ContainsKey("client_secret"), Is.False, "Basic auth only: no secret in the body");
            Assert.That(exchange.Query, Is.Empty);
        });
    }

    [Test]
    public async Task Callback_Polar_RegistersTheUserOnce()
    {
        var userId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = userId;
        var patientId = NewPatientId();
        var mark = Env.Polar.Requests.Count;

        var (_, response) = await Env.CompleteFlowAsync("polar", patientId);
        await response.ExpectJsonAsync(HttpStatusCode.OK);

        var connection = await Env.FindConnectionAsync("polar", patientId);
        var registrations = Env.Polar.Registrations.Where(r => r.PolarUserId == userId).ToList();
        var registration = FlowEnvironment.RequestsSince(Env.Polar, mark).Single(r => r.Method == "POST" && r.Path == "/v3/users");
        Assert.Multiple(() =>
        {
            Assert.That(registrations, Has.Count.EqualTo(1));
            Assert.That(registrations[0].MemberId, Is.EqualTo(connection!.Id.ToString("D")));
            Assert.That(registration.Header("Authorization"), Is.EqualTo("Bearer " + Env.Polar.IssuedAccessTokens.Last()));
        });
    }

    [Test]
    public async Task Callback_Polar_SecondConnectForTheSamePatient_SucceedsDespite409AndUpdatesTheOneConnection()
    {
        var userId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = userId;
        var patientId = NewPatientId();
        var (_, first) = await Env.CompleteFlowAsync("polar", patientId);
        await first.ExpectJsonAsync(HttpStatusCode.OK);
        var before = await Env.FindConnectionAsync("polar", patientId);
        var mark = Env.Polar.Requests.Count;

        var (_, second) = await Env.CompleteFlowAsync("polar", patientId);
        await second.ExpectJsonAsync(HttpStatusCode.OK);

        var after = await Env.FindConnectionAsync("polar", patientId);
        var connections = await Env.ListConnectionsAsync(patientId);
        Assert.Multiple(() =>
        {
            Assert.That(FlowEnvironment.RequestsSince(Env.Polar, mark).Count(r => r.Method == "POST" && r.Path == "/v3/users"), Is.EqualTo(1), "registration tried again");
            Assert.That(Env.Polar.Registrations.Count(r => r.PolarUserId == userId), Is.EqualTo(1), "the fake answered 409: already registered");
            Assert.That(connections, Has.Count.EqualTo(1));
            Assert.That(after!.Id, Is.EqualTo(before!.Id));
            Assert.That(after.Status, Is.EqualTo(Wearables.Domain.Connections.ConnectionStatus.Active));
            Assert.That(after.AccessTokenEnvelope, Is.Not.EqualTo(before.AccessTokenEnvelope), "new tokens stored");
            Assert.That(after.Version, Is.Not.EqualTo(before.Version));
        });
    }

    [Test]
    public async Task Callback_UnknownProvider_Returns404WithNoReferrerNoStore()
    {
        var flow = await Env.ConnectAsync("strava", NewPatientId());
        var response = await Env.Anonymous.GetAsync(Env.CallbackUrl("garmin-x", flow.State, "c"));
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        AssertNoReferrerNoStore(response);
    }

    [TestCase("strava", false)]
    [TestCase("polar", true)]
    public async Task Callback_TwentyConcurrentCallsWithOneState_ExactlyOneWinsAndOneExchangeHappens(string provider, bool withRedirect)
    {
        var patientId = NewPatientId();
        var flow = await Env.ConnectAsync(provider, patientId, withRedirect ? Env.Dashboard.Url("done").ToString() : null);
        var url = Env.CallbackUrl(provider, flow.State, Env.IssueCode(flow));
        var mark = Env.Fake(provider).Requests.Count;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.Task;
            return await Env.Anonymous.GetAsync(url);
        }).ToList();
        start.SetResult();
        var responses = await Task.WhenAll(calls);

        var statuses = responses.Select(r => r.StatusCode).ToList();
        var success = withRedirect ? HttpStatusCode.Redirect : HttpStatusCode.OK;
        var tokenPath = provider == "strava" ? "/oauth/token" : "/v2/oauth2/token";
        Assert.Multiple(async () =>
        {
            Assert.That(statuses.Count(s => s == success), Is.EqualTo(1), string.Join(",", statuses));
            Assert.That(statuses.Count(s => s == HttpStatusCode.Unauthorized), Is.EqualTo(19), string.Join(",", statuses));
            Assert.That(FlowEnvironment.RequestsSince(Env.Fake(provider), mark).Count(r => r.Path == tokenPath), Is.EqualTo(1));
            Assert.That(await Env.ListConnectionsAsync(patientId), Has.Count.EqualTo(1));
        });
    }

    [TestCase("strava")]
    [TestCase("polar")]
    public async Task Callback_TwoFlowsForTheSamePatientFinishingTogether_BothSucceedIntoOneConnection(string provider)
    {
        var patientId = NewPatientId();
        var first = await Env.ConnectAsync(provider, patientId);
        var second = await Env.ConnectAsync(provider, patientId);
        var urls = new[] { Env.CallbackUrl(provider, first.State, Env.IssueCode(first)), Env.CallbackUrl(provider, second.State, Env.IssueCode(second)) };

        // The loser of the create race retries after a delay on the service's (fake) clock.
        var both = Task.WhenAll(urls.Select(url => Env.Anonymous.GetAsync(url)));
        var responses = await Env.Host.AdvanceClockUntilDoneAsync(both, TimeSpan.FromMilliseconds(200));

        Assert.Multiple(async () =>
        {
            Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(await Env.ListConnectionsAsync(patientId), Has.Count.EqualTo(1));
            Assert.That((await Env.FindConnectionAsync(provider, patientId))!.Status, Is.EqualTo(Wearables.Domain.Connections.ConnectionStatus.Active));
        });
        if (Connections == ConnectionsMode.Fhir)
        {
            Assert.That(FhirDirect.EntryCount(await FhirDirect.SearchByPatientAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId)), Is.EqualTo(1), "one Endpoint resource");
        }
    }

    private static void AssertNoReferrerNoStore(HttpResponseMessage response)
    {
        Assert.That(response.Header("Referrer-Policy"), Is.EqualTo("no-referrer"), $"Referrer-Policy on {(int)response.StatusCode}");
        Assert.That(response.Header("Cache-Control"), Does.Contain("no-store"), $"Cache-Control on {(int)response.StatusCode}");
    }

    private IReadOnlyList<RecordedRequest> TokenRequests(string provider) =>
        Env.Fake(provider).Requests.Where(r => r.Method == "POST" && r.Path is "/oauth/token" or "/v2/oauth2/token").ToList();
}
