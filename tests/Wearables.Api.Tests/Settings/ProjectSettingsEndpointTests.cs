using System.Net;
using System.Text.Json;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Settings;

/// <summary><c>GET /v1/project/settings</c> and <c>PUT /v1/project/settings/{key}</c> (the per-project settings contract).</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class ProjectSettingsEndpointTests(StorageMode mode) : ApiFixture(mode)
{
    private const string SettingsPath = "/v1/project/settings";
    private const string StravaEnabled = "WEARABLE_STRAVA_ENABLED";
    private const string PolarEnabled = "WEARABLE_POLAR_ENABLED";
    private const string RedirectOrigins = "WEARABLE_REDIRECT_ORIGINS";

    private static async Task<JsonElement> GetAllAsync(HttpClient admin) =>
        await (await admin.GetAsync(SettingsPath)).ExpectJsonAsync(HttpStatusCode.OK);

    private static Task<HttpResponseMessage> PutAsync(HttpClient admin, string key, string rawBody) =>
        admin.PutAsync($"{SettingsPath}/{key}", Http.RawJson(rawBody));

    private static async Task<JsonElement> PutOkAsync(HttpClient admin, string key, string rawBody) =>
        await (await PutAsync(admin, key, rawBody)).ExpectJsonAsync(HttpStatusCode.OK);

    [Test]
    public async Task GetAll_OnANewProject_ReturnsEveryKeyWithItsDefault()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var body = await GetAllAsync(admin);

        // One toggle per provider of the catalog (all nine), then the origins, in key order.
        Assert.That(body.PropertyNames(), Is.EqualTo(new[]
        {
            "WEARABLE_DEXCOM_ENABLED", "WEARABLE_FITBIT_ENABLED", "WEARABLE_GARMIN_ENABLED", "WEARABLE_OURA_ENABLED", PolarEnabled, RedirectOrigins,
            StravaEnabled, "WEARABLE_SUUNTO_ENABLED", "WEARABLE_WHOOP_ENABLED", "WEARABLE_WITHINGS_ENABLED",
        }), body.GetRawText());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty(StravaEnabled).ValueKind, Is.EqualTo(JsonValueKind.False));
            Assert.That(body.GetProperty(PolarEnabled).ValueKind, Is.EqualTo(JsonValueKind.False));
            Assert.That(body.GetProperty(RedirectOrigins).ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(body.GetProperty(RedirectOrigins).GetString(), Is.Empty);
        }
    }

    [TestCase("true", JsonValueKind.True)]
    [TestCase("\"true\"", JsonValueKind.True)]
    [TestCase("\"TRUE\"", JsonValueKind.True)]
    [TestCase("false", JsonValueKind.False)]
    [TestCase("\"false\"", JsonValueKind.False)]
    public async Task PutToggle_AcceptsBooleansAndTheirStrings_AndAnswersABoolean(string value, JsonValueKind expected)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        if (expected == JsonValueKind.False)
        {
            await PutOkAsync(admin, StravaEnabled, """{"value":true}""");
        }

        var put = await PutOkAsync(admin, StravaEnabled, $$"""{"value":{{value}}}""");
        var all = await GetAllAsync(admin);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(put.GetProperty("key").GetString(), Is.EqualTo(StravaEnabled), put.GetRawText());
            Assert.That(put.GetProperty("value").ValueKind, Is.EqualTo(expected), put.GetRawText());
            Assert.That(all.GetProperty(StravaEnabled).ValueKind, Is.EqualTo(expected), all.GetRawText());
            Assert.That(all.GetProperty(PolarEnabled).ValueKind, Is.EqualTo(JsonValueKind.False), "the other toggle is untouched");
        }
    }

    [Test]
    public async Task PutToggle_ThenOff_TurnsItOffAgain()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutOkAsync(admin, PolarEnabled, """{"value":true}""");
        Assert.That((await GetAllAsync(admin)).GetProperty(PolarEnabled).ValueKind, Is.EqualTo(JsonValueKind.True));

        await PutOkAsync(admin, PolarEnabled, """{"value":false}""");

        Assert.That((await GetAllAsync(admin)).GetProperty(PolarEnabled).ValueKind, Is.EqualTo(JsonValueKind.False));
    }

    [TestCase("https://my.dashboard", "https://my.dashboard")]
    [TestCase("https://My.Dashboard/", "https://my.dashboard")]
    [TestCase(" https://a.example , https://b.example:8443 ", "https://a.example,https://b.example:8443")]
    [TestCase("https://a.example,https://A.example:443/,https://a.example", "https://a.example")]
    [TestCase("http://localhost:3000,http://127.0.0.1:8080", "http://localhost:3000,http://127.0.0.1:8080")]
    [TestCase("https://a.example,,", "https://a.example")]
    [TestCase("", "")]
    public async Task PutOrigins_NormalizesToSchemeHostPort(string value, string expected)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var put = await PutOkAsync(admin, RedirectOrigins, JsonSerializer.Serialize(new { value }));
        var all = await GetAllAsync(admin);

        Assert.That(put.GetProperty("value").GetString(), Is.EqualTo(expected), put.GetRawText());
        Assert.That(all.GetProperty(RedirectOrigins).GetString(), Is.EqualTo(expected), all.GetRawText());
    }

    [Test]
    public async Task PutOrigins_WithEmptyString_ClearsThem()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutOkAsync(admin, RedirectOrigins, """{"value":"https://my.dashboard"}""");

        await PutOkAsync(admin, RedirectOrigins, """{"value":""}""");

        Assert.That((await GetAllAsync(admin)).GetProperty(RedirectOrigins).GetString(), Is.Empty);
    }

    [TestCase("NOT_A_SETTING")]
    [TestCase("wearable_strava_enabled")]
    [TestCase("WEARABLE_COROS_ENABLED")] // a provider outside the catalog (Garmin joined it)
    [TestCase("WEARABLE_STRAVA_ENABLED_")]
    public async Task Put_UnknownKey_Returns404(string key)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await PutAsync(admin, key, """{"value":true}""");

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "setting_not_found");
        Assert.That((await GetAllAsync(admin)).PropertyNames(), Has.Length.EqualTo(10), "no key was added (nine toggles and the origins)");
    }

    [TestCase("""{"value":"yes"}""")]
    [TestCase("""{"value":"1"}""")]
    [TestCase("""{"value":1}""")]
    [TestCase("""{"value":0}""")]
    [TestCase("""{"value":null}""")]
    [TestCase("""{"value":{}}""")]
    [TestCase("""{"value":[true]}""")]
    [TestCase("""{"value":""}""")]
    [TestCase("""{}""")]
    [TestCase("""{"Value2":true}""")]
    public async Task PutToggle_WithABadValue_Returns422_AndLeavesItUnchanged(string body)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutOkAsync(admin, StravaEnabled, """{"value":true}""");

        var response = await PutAsync(admin, StravaEnabled, body);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "setting_value_invalid");
        Assert.That(problem.ErrorFields(), Does.Contain("value"));
        Assert.That((await GetAllAsync(admin)).GetProperty(StravaEnabled).ValueKind, Is.EqualTo(JsonValueKind.True));
    }

    [TestCase("https://my.dashboard/path")]
    [TestCase("https://my.dashboard/?q=1")]
    [TestCase("https://my.dashboard/#frag")]
    [TestCase("http://evil.com")]
    [TestCase("https://good.example,http://evil.com")]
    [TestCase("ftp://my.dashboard")]
    [TestCase("javascript:alert(1)")]
    [TestCase("https://user:pw@my.dashboard")]
    [TestCase("my.dashboard")]
    [TestCase("/relative")]
    [TestCase("https://my.dashboard\nhttps://x.example")]
    public async Task PutOrigins_WithSomethingThatIsNotAnOrigin_Returns422_AndLeavesThemUnchanged(string value)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutOkAsync(admin, RedirectOrigins, """{"value":"https://kept.example"}""");

        var response = await PutAsync(admin, RedirectOrigins, JsonSerializer.Serialize(new { value }));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "setting_value_invalid");
        Assert.That(problem.ErrorFields(), Does.Contain("value"));
        Assert.That((await GetAllAsync(admin)).GetProperty(RedirectOrigins).GetString(), Is.EqualTo("https://kept.example"));
    }

    [TestCase("""{"value":true}""")]
    [TestCase("""{"value":123}""")]
    [TestCase("""{"value":null}""")]
    [TestCase("""{"value":["https://a.example"]}""")]
    public async Task PutOrigins_WithANonString_Returns422(string body)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await PutAsync(admin, RedirectOrigins, body);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "setting_value_invalid");
        Assert.That((await GetAllAsync(admin)).GetProperty(RedirectOrigins).GetString(), Is.Empty);
    }

    [Test]
    public async Task PutOrigins_WithTooManyOrigins_Returns422()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var value = string.Join(',', Enumerable.Range(0, 33).Select(i => $"https://o{i}.example"));

        var response = await PutAsync(admin, RedirectOrigins, JsonSerializer.Serialize(new { value }));

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "setting_value_invalid");
    }

    [TestCase("""{"value":tru""")]
    [TestCase("""[true]""")]
    [TestCase("true")]
    [TestCase("")]
    public async Task Put_WithMalformedJson_Returns400_AndLeavesItUnchanged(string body)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutOkAsync(admin, StravaEnabled, """{"value":true}""");

        var response = await PutAsync(admin, StravaEnabled, body);

        Assert.That((await GetAllAsync(admin)).GetProperty(StravaEnabled).ValueKind, Is.EqualTo(JsonValueKind.True));
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }
}
