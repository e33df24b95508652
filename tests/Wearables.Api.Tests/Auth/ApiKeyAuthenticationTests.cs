using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Application.ApiKeys;

namespace Wearables.Api.Tests.Auth;

/// <summary>API keys: X-API-Key or Bearer, unknown / malformed / revoked keys, roles.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class ApiKeyAuthenticationTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Credentials = "/v1/wearables/strava/credentials";

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path) { Content = body is null ? null : Http.RawJson(body) };

    [Test]
    public async Task BootstrapAdminKey_FromConfiguration_Works()
    {
        var response = await Factory.BootstrapAdmin().GetAsync(Credentials);

        await response.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [TestCaseSource(typeof(AdminEndpoints), nameof(AdminEndpoints.Cases))]
    public async Task NoKey_Returns401_WithSeedWording(string method, string path, string? body)
    {
        var response = await Factory.Anonymous().SendAsync(Request(method, path, body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Invalid or missing API key"));
        Assert.That(response.Headers.WwwAuthenticate, Is.Not.Empty, "a 401 names its schemes");
    }

    public static IEnumerable<TestCaseData> BadKeys()
    {
        yield return new TestCaseData(WearablesApiFactory.NewApiKey()).SetName("{m}(well-formed but unknown)");
        yield return new TestCaseData("not-a-key").SetName("{m}(garbage)");
        yield return new TestCaseData(string.Empty).SetName("{m}(empty)");
        yield return new TestCaseData("wk_abcdefgh_").SetName("{m}(prefix only)");
        yield return new TestCaseData("wk_abcdefgh_" + new string('A', 42)).SetName("{m}(one character short)");
        yield return new TestCaseData("wk_abcdefgh_" + new string('A', 44)).SetName("{m}(one character long)");
        yield return new TestCaseData("wk_abcdefgh_" + new string('A', 42) + "!").SetName("{m}(bad character)");
        yield return new TestCaseData(new string('x', 4000)).SetName("{m}(very long)");
    }

    [TestCaseSource(nameof(BadKeys))]
    public async Task BadKey_Returns401(string key)
    {
        var client = Factory.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Get, Credentials);
        request.Headers.TryAddWithoutValidation("X-API-Key", key);

        var response = await client.SendAsync(request);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Invalid or missing API key"));
    }

    [Test]
    public async Task AdminKeyWithOneCharacterChanged_Returns401()
    {
        var key = Factory.BootstrapAdminKey;
        var tampered = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');

        var response = await Factory.WithApiKey(tampered).GetAsync(Credentials);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Test]
    public async Task KeyOfAnotherCase_Returns401()
    {
        var response = await Factory.WithApiKey(Factory.BootstrapAdminKey.ToUpperInvariant()).GetAsync(Credentials);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Test]
    public async Task TwoApiKeyHeaders_Return401()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Credentials);
        request.Headers.TryAddWithoutValidation("X-API-Key", [Factory.BootstrapAdminKey, Factory.BootstrapAdminKey]);

        var response = await Factory.Anonymous().SendAsync(request);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Test]
    public async Task BearerKey_WorksLikeXApiKey()
    {
        var tenant = await Factory.NewTenantAsync();
        var bearer = Factory.WithBearer(tenant.Admin.Key);

        var put = await bearer.PutAsync(Credentials, Http.Json(new { clientId = "bearer-client-BR12", clientSecret = "s" }));
        var viaHeader = await tenant.AdminClient().GetAsync(Credentials);

        await put.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That((await viaHeader.ExpectJsonAsync(HttpStatusCode.OK)).GetProperty("clientIdLast4").GetString(), Is.EqualTo("BR12"),
            "the bearer key acted on the same project as the header key");
    }

    [TestCase("bearer")]
    [TestCase("BEARER")]
    public async Task BearerScheme_IsCaseInsensitive(string scheme)
    {
        var client = Factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, Factory.BootstrapAdminKey);

        await (await client.GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [TestCase("Basic")]
    [TestCase("ApiKey")]
    public async Task KeyUnderAnotherAuthorizationScheme_Returns401(string scheme)
    {
        var client = Factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, Factory.BootstrapAdminKey);

        await (await client.GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [TestCase("api_key")]
    [TestCase("apiKey")]
    [TestCase("X-API-Key")]
    public async Task KeyInTheQueryString_IsNotAccepted(string parameter)
    {
        var response = await Factory.Anonymous().GetAsync($"{Credentials}?{parameter}={Uri.EscapeDataString(Factory.BootstrapAdminKey)}");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Test]
    public async Task WrongBearerKey_Returns401()
    {
        var response = await Factory.WithBearer(WearablesApiFactory.NewApiKey()).GetAsync(Credentials);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Test]
    public async Task RevokedKey_Returns401_AtOnce()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        var second = await ApiKeys.CreateAsync(admin, "admin");
        var secondClient = Factory.WithApiKey(second.Key);
        await (await secondClient.GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);

        await ApiKeys.RevokeAsync(admin, second.Id);

        await (await secondClient.GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await Factory.WithBearer(second.Key).GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await admin.GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task RevokingTwice_Returns404_AndRevokingAnUnknownId_Returns404()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var key = await ApiKeys.CreateAsync(admin, "service");
        await ApiKeys.RevokeAsync(admin, key.Id);

        await (await admin.DeleteAsync($"/v1/api-keys/{key.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        await (await admin.DeleteAsync("/v1/api-keys/wk_zzzzzzzz")).ExpectProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
    }

    [Test]
    public async Task AdminMayRevokeItsOwnKey_WhichThenStopsWorking()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();

        var response = await admin.DeleteAsync($"/v1/api-keys/{tenant.Admin.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await admin.GetAsync("/v1/api-keys")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [TestCaseSource(typeof(AdminEndpoints), nameof(AdminEndpoints.Cases))]
    public async Task ServiceKey_Returns403_OnAdminEndpoints(string method, string path, string? body)
    {
        var tenant = await Factory.NewTenantAsync();
        var service = await ApiKeys.CreateAsync(tenant.AdminClient(), "service");

        var response = await Factory.WithApiKey(service.Key).SendAsync(Request(method, path, body));

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [TestCaseSource(typeof(AdminEndpoints), nameof(AdminEndpoints.Cases))]
    public async Task PatientKey_Returns403_OnAdminEndpoints(string method, string path, string? body)
    {
        var tenant = await Factory.NewTenantAsync();
        var patient = await ApiKeys.CreateAsync(tenant.AdminClient(), "patient", patientId: "pat-1");

        var response = await Factory.WithBearer(patient.Key).SendAsync(Request(method, path, body));

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Test]
    public async Task ServiceKey_CannotChangeCredentialsOrSettings_EvenThough403()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        var service = Factory.WithApiKey((await ApiKeys.CreateAsync(admin, "service")).Key);

        await service.PutAsync(Credentials, Http.Json(new { clientId = "svc-client-SV12", clientSecret = "s" }));
        await service.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }));
        await service.PostAsync("/v1/api-keys", Http.Json(new { name = "sneaky", role = "admin" }));

        CredentialsStatusIsEmpty(await (await admin.GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK));
        var settings = await (await admin.GetAsync("/v1/project/settings")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(settings.GetProperty("WEARABLE_STRAVA_ENABLED").ValueKind, Is.EqualTo(JsonValueKind.False));
        Assert.That((await ApiKeys.ListAsync(admin)).Select(k => k.GetProperty("name").GetString()), Does.Not.Contain("sneaky"));
    }

    private static void CredentialsStatusIsEmpty(JsonElement body) =>
        Assert.That(body.GetProperty("configured").GetBoolean(), Is.False, body.GetRawText());

    [Test]
    public async Task CreateKey_Returns201_WithTheKeyOnce()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PostAsync("/v1/api-keys", Http.Json(new { name = "backend", role = "service" }));

        var body = await response.ExpectJsonAsync(HttpStatusCode.Created);
        var id = body.GetProperty("id").GetString()!;
        var key = body.GetProperty("key").GetString()!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(id, Does.Match("^wk_[a-z2-9]{8}$"));
            Assert.That(key, Does.Match("^wk_[a-z2-9]{8}_[A-Za-z0-9_-]{43}$"));
            Assert.That(key, Does.StartWith(id + "_"));
            Assert.That(body.GetProperty("role").GetString(), Is.EqualTo("service"));
            Assert.That(body.GetProperty("name").GetString(), Is.EqualTo("backend"));
            Assert.That(response.Headers.Location?.OriginalString, Does.EndWith($"/v1/api-keys/{id}"));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "a response with a key must not be cached");
            Assert.That(body.TryGetProperty("hash", out _), Is.False);
        }

        // Works at once, with the role it was given.
        await (await Factory.WithApiKey(key).GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task CreatedKeys_AreRandom()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var first = await ApiKeys.CreateAsync(admin, "service", name: "same");
        var second = await ApiKeys.CreateAsync(admin, "service", name: "same");

        Assert.That(first.Key, Is.Not.EqualTo(second.Key));
        Assert.That(first.Id, Is.Not.EqualTo(second.Id));
    }

    [Test]
    public async Task ListKeys_ShowsIdsAndMetadata_NeverTheKeyOrItsHash()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        var service = await ApiKeys.CreateAsync(admin, "service", name: "backend");
        var patient = await ApiKeys.CreateAsync(admin, "patient", patientId: "pat-7", name: "app");
        await ApiKeys.RevokeAsync(admin, service.Id);

        var response = await admin.GetAsync("/v1/api-keys");
        var text = await response.Content.ReadAsStringAsync();
        var keys = (await response.ExpectJsonAsync(HttpStatusCode.OK)).EnumerateArray().ToArray();

        Assert.That(keys.Select(k => k.GetProperty("id").GetString()), Is.EquivalentTo(new[] { tenant.Admin.Id, service.Id, patient.Id }));
        foreach (var secret in new[] { tenant.Admin.Key, service.Key, patient.Key })
        {
            Assert.That(text, Does.Not.Contain(secret));
            Assert.That(text, Does.Not.Contain(ApiKeyIssuer.Hash(secret)).IgnoreCase);
            Assert.That(text, Does.Not.Contain(secret[12..]), "not even the secret part");
        }

        foreach (var key in keys)
        {
            Assert.That(key.PropertyNames(), Does.Not.Contain("key").And.Not.Contain("hash"), key.GetRawText());
            Assert.That(key.GetProperty("id").GetString(), Does.Match("^wk_[a-z2-9]{8}$"));
        }

        var revoked = keys.Single(k => k.GetProperty("id").GetString() == service.Id);
        var patientKey = keys.Single(k => k.GetProperty("id").GetString() == patient.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(revoked.GetProperty("active").GetBoolean(), Is.False);
            Assert.That(revoked.GetProperty("revokedAt").ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(revoked.GetProperty("role").GetString(), Is.EqualTo("service"));
            Assert.That(patientKey.GetProperty("active").GetBoolean(), Is.True);
            Assert.That(patientKey.GetProperty("patientId").GetString(), Is.EqualTo("pat-7"));
            Assert.That(patientKey.GetProperty("role").GetString(), Is.EqualTo("patient"));
        }
    }

    [Test]
    public async Task ListKeys_OfTheBootstrapProject_ShowsTheBootstrapKeyByItsPrefix()
    {
        var keys = await ApiKeys.ListAsync(Factory.BootstrapAdmin());

        var bootstrap = keys.Single(k => k.GetProperty("id").GetString() == Factory.BootstrapAdminKeyId);
        Assert.That(bootstrap.GetProperty("role").GetString(), Is.EqualTo("admin"));
    }

    [TestCase("""{"name":"x","role":"root"}""", "role")]
    [TestCase("""{"name":"x","role":"Admin"}""", "role")]
    [TestCase("""{"name":"x"}""", "role")]
    [TestCase("""{"name":"x","role":"patient"}""", "patientId")]
    [TestCase("""{"name":"x","role":"patient","patientId":"a b"}""", "patientId")]
    [TestCase("""{"name":"x","role":"service","patientId":"pat-1"}""", "patientId")]
    [TestCase("""{"name":" ","role":"service"}""", "name")]
    [TestCase("""{"role":"service"}""", "name")]
    [TestCase("""{"name":"a\u0000b","role":"service"}""", "name")]
    public async Task CreateKey_WithInvalidFields_Returns422(string body, string field)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var before = (await ApiKeys.ListAsync(admin)).Length;

        var response = await admin.PostAsync("/v1/api-keys", Http.RawJson(body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(problem.ErrorFields(), Does.Contain(field), problem.GetRawText());
        Assert.That(await ApiKeys.ListAsync(admin), Has.Length.EqualTo(before), "no key was created");
    }

    [TestCase("""{"name":"x","role":""")]
    [TestCase("[]")]
    [TestCase("")]
    public async Task CreateKey_WithMalformedJson_Returns400(string body)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PostAsync("/v1/api-keys", Http.RawJson(body));

        Assert.That(await ApiKeys.ListAsync(admin), Has.Length.EqualTo(1), "no key was created");
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }
}
