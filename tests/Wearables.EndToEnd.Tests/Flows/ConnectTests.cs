using System.Net;
using Wearables.Domain.Security;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>Start a flow (the start-a-flow contract) against the real service: the answer, the authorization URL, and the order of refusals.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class ConnectTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task Connect_Strava_AnswersAuthorizationUrlWithClientIdCallbackScopeAndState()
    {
        var response = await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { patientId = NewPatientId() });
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        var flow = await Env.ConnectAsync("strava", NewPatientId());

        Assert.Multiple(() =>
        {
            Assert.That(body.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "provider", "authorizationUrl", "state" }));
            Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo("strava"));
            Assert.That(response.Header("Cache-Control"), Does.Contain("no-store"));
            Assert.That(flow.AuthorizationUrl.GetLeftPart(UriPartial.Path), Is.EqualTo(Env.Strava.AuthorizeUrl.ToString()));
            Assert.That(flow.Query["client_id"], Is.EqualTo(Env.Strava.ClientId));
            Assert.That(flow.Query["redirect_uri"], Is.EqualTo($"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/strava/callback"));
            Assert.That(flow.Query["response_type"], Is.EqualTo("code"));
            Assert.That(flow.Query["scope"], Is.EqualTo(FlowEnvironment.StravaScope), "Strava scopes are comma-separated");
            Assert.That(flow.Query.ContainsKey("approval_prompt"), Is.True);
            Assert.That(flow.Query["state"], Is.EqualTo(flow.State));
            Assert.That(flow.State, Does.Match("^[A-Za-z0-9_-]{43,}$"), "≥ 256 bits, base64url");
        });
    }

    [Test]
    public async Task Connect_Polar_AnswersAuthorizationUrlWithPolarScopeAndCallback()
    {
        var flow = await Env.ConnectAsync("polar", NewPatientId());

        Assert.Multiple(() =>
        {
            Assert.That(flow.AuthorizationUrl.GetLeftPart(UriPartial.Path), Is.EqualTo(Env.Polar.AuthorizeUrl.ToString()));
            Assert.That(flow.Query["client_id"], Is.EqualTo(Env.Polar.ClientId));
            Assert.That(flow.Query["redirect_uri"], Is.EqualTo($"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/polar/callback"));
            Assert.That(flow.Query["response_type"], Is.EqualTo("code"));
            Assert.That(flow.Query["scope"], Is.EqualTo(Wearables.Fakes.FakePolar.Scope));
            Assert.That(flow.Query["state"], Is.EqualTo(flow.State));
            Assert.That(flow.State, Does.Match("^[A-Za-z0-9_-]{43,}$"));
        });
    }

    [Test]
    public async Task Connect_Twice_GivesDifferentStates()
    {
        var patientId = NewPatientId();
        var first = await Env.ConnectAsync("strava", patientId);
        var second = await Env.ConnectAsync("strava", patientId);

        Assert.That(second.State, Is.Not.EqualTo(first.State));
    }

    [Test]
    public async Task Connect_UnknownProvider_Returns404BeforeLookingAtTheBody()
    {
        var bad = await Env.PostConnectAsync(Env.Tenant.Service, "fitbitz", new { patientId = "a/b", redirectUri = "http://evil.example/x" });
        await bad.ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");

        // Even for a project with nothing configured (toggles off, no credentials).
        var empty = await Env.NewTenantAsync(credentials: false, enabled: false, redirectOrigins: null);
        var unknown = await Env.PostConnectAsync(empty.Service, "nope", new { patientId = "" });
        await unknown.ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
    }

    [Test]
    public async Task Connect_UnknownProvider_WithMalformedJson_Returns404()
    {
        using var body = new StringContent("{\"patientId\": ", System.Text.Encoding.UTF8, "application/json");
        var response = await Env.Tenant.Service.PostAsync("/v1/wearables/nope/connect", body);
        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
    }

    [Test]
    public async Task Connect_KnownProvider_WithMalformedJson_Returns400()
    {
        using var body = new StringContent("{\"patientId\": ", System.Text.Encoding.UTF8, "application/json");
        var response = await Env.Tenant.Service.PostAsync("/v1/wearables/strava/connect", body);
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Connect_ToggleOff_Returns422ProviderDisabled_BeforeCredentialsAndBody()
    {
        var tenant = await Env.NewTenantAsync(credentials: false, enabled: false, redirectOrigins: null);
        var response = await Env.PostConnectAsync(tenant.Service, "strava", new { patientId = "a/b", redirectUri = "relative" });
        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "provider_disabled");

        // Switched off again after being on: refused as well.
        var configured = await Env.NewTenantAsync();
        await Env.SetSettingAsync(configured, "WEARABLE_POLAR_ENABLED", false);
        var off = await Env.PostConnectAsync(configured.Service, "polar", new { patientId = NewPatientId() });
        await off.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "provider_disabled");
        var strava = await Env.PostConnectAsync(configured.Service, "strava", new { patientId = NewPatientId() });
        await strava.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Connect_WithoutCredentials_Returns422CredentialsMissing_BeforeBodyChecks()
    {
        var tenant = await Env.NewTenantAsync(credentials: false, enabled: true);
        var response = await Env.PostConnectAsync(tenant.Service, "strava", new { patientId = "a/b", redirectUri = "relative" });
        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "credentials_missing");

        // Credentials deleted after the fact: refused again.
        await Env.PutCredentialsAsync(tenant, "polar");
        var ok = await Env.PostConnectAsync(tenant.Service, "polar", new { patientId = NewPatientId() });
        await ok.ExpectJsonAsync(HttpStatusCode.OK);
        (await tenant.Admin.DeleteAsync("/v1/wearables/polar/credentials")).EnsureSuccessStatusCode();
        var deleted = await Env.PostConnectAsync(tenant.Service, "polar", new { patientId = NewPatientId() });
        await deleted.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "credentials_missing");
    }

    [TestCase("a/b")]
    [TestCase("")]
    [TestCase("has space")]
    [TestCase("pat_underscore")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("....")]
    [TestCase("ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp")] // 65 characters
    public async Task Connect_WithBadPatientId_Returns422PatientIdInvalid(string patientId)
    {
        var response = await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { patientId });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "patient_id_invalid");
        Assert.That(problem.GetProperty("errors").TryGetProperty("patientId", out _), Is.True, problem.ToString());
    }

    [Test]
    public async Task Connect_WithoutPatientId_Returns422PatientIdInvalid()
    {
        var response = await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { });
        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "patient_id_invalid");
    }

    [Test]
    public async Task Connect_With64CharacterFhirId_IsAccepted()
    {
        var patientId = "A-b.9" + new string('x', 59);
        Assert.That(patientId, Has.Length.EqualTo(64));
        var flow = await Env.ConnectAsync("strava", patientId);
        Assert.That(flow.State, Is.Not.Empty);
    }

    [TestCase("/connect-done", "redirect_uri_invalid")]
    [TestCase("connect-done", "redirect_uri_invalid")]
    [TestCase("http://evil.example/connect-done", "redirect_uri_invalid")]
    [TestCase("javascript:alert(1)", "redirect_uri_invalid")]
    [TestCase("https://user:pw@my.dashboard.example/x", "redirect_uri_invalid")]
    [TestCase("https://my.dashboard.example/x#fragment", "redirect_uri_invalid")]
    [TestCase("https://my.dashboard.example/café", "redirect_uri_invalid")]
    [TestCase("https://my.dashboard.example/x?name=Zoë", "redirect_uri_invalid")]
    [TestCase("https://my.dashboard.example/\u202Eevil", "redirect_uri_invalid")]
    [TestCase("https://my.dashboard.example/a b", "redirect_uri_invalid")]
    [TestCase("https://my.dashböard.example/x", "redirect_uri_invalid")]
    [TestCase("https://evil.example/connect-done", "redirect_uri_not_allowed")]
    [TestCase("https://my.dashboard.example.evil.example/x", "redirect_uri_not_allowed")]
    [TestCase("https://my.dashboard.example:8443/x", "redirect_uri_not_allowed")]
    public async Task Connect_WithRedirectUriOutsideThePolicy_Returns422(string redirectUri, string error)
    {
        var response = await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { patientId = NewPatientId(), redirectUri });
        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, error);
    }

    [Test]
    public async Task Connect_WithRedirectUriOnAnAllowedOrigin_IsAccepted()
    {
        var https = await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { patientId = NewPatientId(), redirectUri = FlowEnvironment.AllowedHttpsOrigin + "/connect-done?x=1" });
        await https.ExpectJsonAsync(HttpStatusCode.OK);
        var loopback = await Env.PostConnectAsync(Env.Tenant.Service, "polar", new { patientId = NewPatientId(), redirectUri = Env.Dashboard.Url("done").ToString() });
        await loopback.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Connect_WithRedirectUri_WhileNoOriginIsAllowed_Returns422()
    {
        var tenant = await Env.NewTenantAsync(redirectOrigins: null);
        var refused = await Env.PostConnectAsync(tenant.Service, "strava", new { patientId = NewPatientId(), redirectUri = Env.Dashboard.Url("done").ToString() });
        await refused.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "redirect_uri_not_allowed");

        // Set and then emptied again: refused too. Without a redirectUri the flow still starts.
        await Env.SetSettingAsync(tenant, "WEARABLE_REDIRECT_ORIGINS", Env.Dashboard.Origin);
        await Env.SetSettingAsync(tenant, "WEARABLE_REDIRECT_ORIGINS", "");
        var emptied = await Env.PostConnectAsync(tenant.Service, "strava", new { patientId = NewPatientId(), redirectUri = FlowEnvironment.AllowedHttpsOrigin + "/x" });
        await emptied.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "redirect_uri_not_allowed");
        var plain = await Env.PostConnectAsync(tenant.Service, "strava", new { patientId = NewPatientId() });
        await plain.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Connect_AsAdminOrService_IsAllowed()
    {
        await (await Env.PostConnectAsync(Env.Tenant.Admin, "strava", new { patientId = NewPatientId() })).ExpectJsonAsync(HttpStatusCode.OK);
        await (await Env.PostConnectAsync(Env.Tenant.Service, "strava", new { patientId = NewPatientId() })).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Connect_AsPatient_ForItself_IsAllowed_ForAnotherPatient_Returns403()
    {
        var patientId = NewPatientId();
        var patient = Env.NewClient(await Env.IssueKeyAsync(Env.Tenant.ProjectId, Role.Patient, patientId));

        await (await Env.PostConnectAsync(patient, "strava", new { patientId })).ExpectJsonAsync(HttpStatusCode.OK);
        var other = await Env.PostConnectAsync(patient, "strava", new { patientId = NewPatientId() });
        await other.ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Connect_WithoutKey_Returns401()
    {
        var response = await Env.PostConnectAsync(Env.Anonymous, "strava", new { patientId = NewPatientId() });
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);

        var wrongKey = Env.NewClient(ServiceHost.NewApiKey());
        var unknown = await Env.PostConnectAsync(wrongKey, "strava", new { patientId = NewPatientId() });
        await unknown.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Connect_WithAnotherProjectsKey_UsesThatProjectsSettings()
    {
        // A key of a project with nothing configured must not borrow the main project's setup.
        var stranger = await Env.NewTenantAsync(credentials: false, enabled: false, redirectOrigins: null);
        var response = await Env.PostConnectAsync(stranger.Service, "strava", new { patientId = NewPatientId() });
        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "provider_disabled");
    }
}
