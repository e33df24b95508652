using System.Net;
using System.Text.Json;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Credentials;

/// <summary>The credentials contract: PUT / GET / DELETE <c>/v1/wearables/{provider}/credentials</c> and the status view.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class CredentialsEndpointTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Strava = "/v1/wearables/strava/credentials";
    private const string Polar = "/v1/wearables/polar/credentials";

    /// <summary>Asserts the seed's WearableCredentialsStatusDto literally: exactly these four properties, with these JSON types.</summary>
    public static void AssertStatusView(JsonElement body, bool configured, string? clientIdLast4, bool hasSecret, bool hasWebhookSecret)
    {
        var text = body.GetRawText();
        Assert.That(body.PropertyNames(), Is.EqualTo(new[] { "clientIdLast4", "configured", "hasSecret", "hasWebhookSecret" }), text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("configured").ValueKind, Is.EqualTo(configured ? JsonValueKind.True : JsonValueKind.False), text);
            Assert.That(body.GetProperty("hasSecret").ValueKind, Is.EqualTo(hasSecret ? JsonValueKind.True : JsonValueKind.False), text);
            Assert.That(body.GetProperty("hasWebhookSecret").ValueKind, Is.EqualTo(hasWebhookSecret ? JsonValueKind.True : JsonValueKind.False), text);
            if (clientIdLast4 is null)
            {
                Assert.That(body.GetProperty("clientIdLast4").ValueKind, Is.EqualTo(JsonValueKind.Null), text);
            }
            else
            {
                Assert.That(body.GetProperty("clientIdLast4").ValueKind, Is.EqualTo(JsonValueKind.String), text);
                Assert.That(body.GetProperty("clientIdLast4").GetString(), Is.EqualTo(clientIdLast4), text);
            }
        }
    }

    private static object SeedBody(bool withWebhook = true, string clientId = "my-strava-client-XY34") => withWebhook
        ? new { clientId, clientSecret = "s3cr3t-client-secret-value", webhookSecret = "whsec-webhook-secret-value" }
        : new { clientId, clientSecret = "s3cr3t-client-secret-value" };

    private static async Task<JsonElement> PutAsync(HttpClient client, string path, object body) =>
        await (await client.PutAsync(path, Http.Json(body))).ExpectJsonAsync(HttpStatusCode.OK);

    private static async Task<JsonElement> GetAsync(HttpClient client, string path) =>
        await (await client.GetAsync(path)).ExpectJsonAsync(HttpStatusCode.OK);

    [Test]
    public async Task Put_WithSeedBody_ReturnsConfiguredStatusView()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var body = await PutAsync(admin, Strava, SeedBody());

        AssertStatusView(body, configured: true, clientIdLast4: "XY34", hasSecret: true, hasWebhookSecret: true);
    }

    [Test]
    public async Task Put_WithoutWebhookSecret_ReportsNoWebhookSecret()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var body = await PutAsync(admin, Strava, SeedBody(withWebhook: false));

        AssertStatusView(body, configured: true, clientIdLast4: "XY34", hasSecret: true, hasWebhookSecret: false);
    }

    [Test]
    public async Task Put_WithExplicitNullWebhookSecret_ReportsNoWebhookSecret()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PutAsync(Strava, Http.Json("""{"clientId":"abcdXY34","clientSecret":"sec","webhookSecret":null}"""));

        AssertStatusView(await response.ExpectJsonAsync(HttpStatusCode.OK), true, "XY34", true, false);
    }

    [Test]
    public async Task Get_AfterPut_ReturnsTheSameView()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody());

        var body = await GetAsync(admin, Strava);

        AssertStatusView(body, configured: true, clientIdLast4: "XY34", hasSecret: true, hasWebhookSecret: true);
    }

    [TestCase(Strava)]
    [TestCase(Polar)]
    public async Task Get_BeforeAnyPut_ReturnsEmptyView(string path)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var body = await GetAsync(admin, path);

        AssertStatusView(body, configured: false, clientIdLast4: null, hasSecret: false, hasWebhookSecret: false);
    }

    [Test]
    public async Task Delete_AfterPut_ReturnsEmptyView_AndGetIsEmptyAfterwards()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody());

        var deleted = await (await admin.DeleteAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);
        var after = await GetAsync(admin, Strava);

        AssertStatusView(deleted, false, null, false, false);
        AssertStatusView(after, false, null, false, false);
    }

    [Test]
    public async Task Delete_WhenNothingIsOnFile_IsIdempotent()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var first = await (await admin.DeleteAsync(Polar)).ExpectJsonAsync(HttpStatusCode.OK);
        var second = await (await admin.DeleteAsync(Polar)).ExpectJsonAsync(HttpStatusCode.OK);

        AssertStatusView(first, false, null, false, false);
        AssertStatusView(second, false, null, false, false);
    }

    [Test]
    public async Task Put_Again_ReplacesEveryField()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody(withWebhook: true, clientId: "first-client-AB12"));

        var replaced = await PutAsync(admin, Strava, SeedBody(withWebhook: false, clientId: "second-client-ZZ99"));
        var read = await GetAsync(admin, Strava);

        // A replace, not a merge: the webhook secret of the first PUT is gone.
        AssertStatusView(replaced, true, "ZZ99", true, false);
        AssertStatusView(read, true, "ZZ99", true, false);
    }

    [Test]
    public async Task Providers_AreIndependent()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody());
        await PutAsync(admin, Polar, SeedBody(withWebhook: false, clientId: "polar-client-PL77"));

        await admin.DeleteAsync(Strava);

        AssertStatusView(await GetAsync(admin, Strava), false, null, false, false);
        AssertStatusView(await GetAsync(admin, Polar), true, "PL77", true, false);
    }

    [Test]
    public async Task Responses_NeverContainTheSecretsOrTheClientId()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var clientId = "client-id-" + Guid.NewGuid().ToString("N");
        var clientSecret = "client-secret-" + Guid.NewGuid().ToString("N");
        var webhookSecret = "webhook-secret-" + Guid.NewGuid().ToString("N");
        var body = new { clientId, clientSecret, webhookSecret };

        var texts = new List<string>
        {
            await (await admin.PutAsync(Strava, Http.Json(body))).Content.ReadAsStringAsync(),
            await (await admin.GetAsync(Strava)).Content.ReadAsStringAsync(),
            await (await admin.PutAsync(Strava, Http.Json(body))).Content.ReadAsStringAsync(),
            await (await admin.DeleteAsync(Strava)).Content.ReadAsStringAsync(),
        };

        foreach (var text in texts)
        {
            Assert.That(text, Does.Not.Contain(clientSecret).And.Not.Contain(webhookSecret).And.Not.Contain(clientId));
        }

        Assert.That(texts[0], Does.Contain(clientId[^4..]), "the PUT answer shows the last 4 characters");
    }

    [TestCase("coros")] // outside the catalog (garmin and fitbit joined it)
    [TestCase("STRAVA")]
    [TestCase("Strava")]
    [TestCase("..%2Fx")]
    [TestCase("strava%20")]
    [TestCase("zepp")]
    public async Task UnknownProvider_Returns404ProviderNotFound_ForPutGetAndDelete(string provider)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var path = $"/v1/wearables/{provider}/credentials";

        await (await admin.PutAsync(path, Http.Json(SeedBody()))).ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
        await (await admin.GetAsync(path)).ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
        await (await admin.DeleteAsync(path)).ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
    }

    [Test]
    public async Task UnknownProvider_WinsOverAnInvalidBody()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PutAsync("/v1/wearables/coros/credentials", Http.Json(new { clientId = " ", clientSecret = "" }));

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "provider_not_found");
    }

    public static IEnumerable<TestCaseData> MalformedBodies()
    {
        yield return new TestCaseData("""{"clientId":"abcd","clientSecret":"x""").SetName("{m}(truncated)");
        yield return new TestCaseData("[]").SetName("{m}(array)");
        yield return new TestCaseData("\"str\"").SetName("{m}(string)");
        yield return new TestCaseData("42").SetName("{m}(number)");
        yield return new TestCaseData("null").SetName("{m}(null)");
        yield return new TestCaseData("""{"clientId":123,"clientSecret":"x"}""").SetName("{m}(clientId is a number)");
        yield return new TestCaseData("""{"clientId":"abcd","clientSecret":{"a":1}}""").SetName("{m}(clientSecret is an object)");
        yield return new TestCaseData("""{"clientId":"abcd","clientSecret":"x",}""").SetName("{m}(trailing comma)");
        yield return new TestCaseData("""{"clientId":"abcd" "clientSecret":"x"}""").SetName("{m}(missing comma)");
        yield return new TestCaseData(string.Empty).SetName("{m}(empty body)");
        yield return new TestCaseData("   ").SetName("{m}(whitespace body)");
        yield return new TestCaseData("clientId=abcd&clientSecret=x").SetName("{m}(form text)");
    }

    [TestCaseSource(nameof(MalformedBodies))]
    public async Task Put_WithMalformedJson_Returns400_AndStoresNothing(string raw)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody());

        var response = await admin.PutAsync(Strava, Http.RawJson(raw));

        AssertStatusView(await GetAsync(admin, Strava), true, "XY34", true, true);
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }

    [Test]
    public async Task Put_WithMalformedJson_OnEmptyProvider_LeavesItEmpty()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PutAsync(Polar, Http.RawJson("""{"clientId":"""));

        AssertStatusView(await GetAsync(admin, Polar), false, null, false, false);
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }

    [Test]
    public async Task Put_ChunkedWithoutLength_LongerThanTheFirstBuffer_IsReadWhole()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var padded = $$"""{"clientId":"chunked-client-CH42",{{new string(' ', 5000)}}"clientSecret":"s3cr3t"}""";

        var response = await admin.PutAsync(Polar, new ChunkedJsonContent(System.Text.Encoding.UTF8.GetBytes(padded), 700));

        await response.ExpectJsonAsync(HttpStatusCode.OK);
        AssertStatusView(await GetAsync(admin, Polar), true, "CH42", true, false);
    }

    [Test]
    public async Task Put_ChunkedWithoutLength_WithBadUtf8PastTheFirstBuffer_Returns400_AndStoresNothing()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        byte[] body = [.. System.Text.Encoding.UTF8.GetBytes($$"""{"clientId":"chunked-client-CH42","clientSecret":"s3cr3t",{{new string(' ', 3000)}}"x":"""), 0xC3, 0x28, .. "\"}"u8];

        var response = await admin.PutAsync(Polar, new ChunkedJsonContent(body, 700));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        AssertStatusView(await GetAsync(admin, Polar), false, null, false, false);
    }

    // Over the size limit without Content-Length: TestServer enforces no limit, so that case is in
    // Resilience.Tests' KestrelLimitsTests, over real Kestrel.

    public static IEnumerable<TestCaseData> InvalidFields()
    {
        var tenKb = new string('a', 10 * 1024);
        object Body(string? clientId = "valid-client-ID42", string? clientSecret = "valid-secret", string? webhookSecret = null) =>
            new Dictionary<string, string?> { ["clientId"] = clientId, ["clientSecret"] = clientSecret, ["webhookSecret"] = webhookSecret }
                .Where(p => p.Value != "<absent>").ToDictionary(p => p.Key, p => p.Value);

        yield return new TestCaseData(Body(clientId: "<absent>"), "clientId").SetName("{m}(clientId missing)");
        yield return new TestCaseData(Body(clientId: null), "clientId").SetName("{m}(clientId null)");
        yield return new TestCaseData(Body(clientId: string.Empty), "clientId").SetName("{m}(clientId empty)");
        yield return new TestCaseData(Body(clientId: "   \t "), "clientId").SetName("{m}(clientId whitespace)");
        yield return new TestCaseData(Body(clientId: tenKb), "clientId").SetName("{m}(clientId 10 kB)");
        yield return new TestCaseData(Body(clientId: "abc\u0000XY34"), "clientId").SetName("{m}(clientId NUL)");
        yield return new TestCaseData(Body(clientId: "abc\nXY34"), "clientId").SetName("{m}(clientId newline)");
        yield return new TestCaseData(Body(clientId: "abc\u001b[31mXY34"), "clientId").SetName("{m}(clientId escape)");
        yield return new TestCaseData(Body(clientSecret: "<absent>"), "clientSecret").SetName("{m}(clientSecret missing)");
        yield return new TestCaseData(Body(clientSecret: string.Empty), "clientSecret").SetName("{m}(clientSecret empty)");
        yield return new TestCaseData(Body(clientSecret: "  "), "clientSecret").SetName("{m}(clientSecret whitespace)");
        yield return new TestCaseData(Body(clientSecret: tenKb), "clientSecret").SetName("{m}(clientSecret 10 kB)");
        yield return new TestCaseData(Body(clientSecret: "sec\u0000ret"), "clientSecret").SetName("{m}(clientSecret NUL)");
        yield return new TestCaseData(Body(clientSecret: "sec\nret"), "clientSecret").SetName("{m}(clientSecret newline)");
        yield return new TestCaseData(Body(clientSecret: "sec\u001bret"), "clientSecret").SetName("{m}(clientSecret escape)");
        yield return new TestCaseData(Body(webhookSecret: string.Empty), "webhookSecret").SetName("{m}(webhookSecret empty)");
        yield return new TestCaseData(Body(webhookSecret: " "), "webhookSecret").SetName("{m}(webhookSecret whitespace)");
        yield return new TestCaseData(Body(webhookSecret: tenKb), "webhookSecret").SetName("{m}(webhookSecret 10 kB)");
        yield return new TestCaseData(Body(webhookSecret: "wh\u0000k"), "webhookSecret").SetName("{m}(webhookSecret NUL)");
        yield return new TestCaseData(Body(webhookSecret: "wh\r\nk"), "webhookSecret").SetName("{m}(webhookSecret CRLF)");
        yield return new TestCaseData(Body(clientId: "<absent>", clientSecret: "<absent>"), "clientId,clientSecret").SetName("{m}(both missing)");
    }

    [TestCaseSource(nameof(InvalidFields))]
    public async Task Put_WithInvalidField_Returns422NamingTheField_AndChangesNothing(object body, string fields)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        await PutAsync(admin, Strava, SeedBody());
        var sent = JsonSerializer.Serialize(body);

        var response = await admin.PutAsync(Strava, Http.Json(sent));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(problem.ErrorFields(), Is.SupersetOf(fields.Split(',')), problem.GetRawText());
        Assert.That(problem.GetProperty("errors").EnumerateObject().SelectMany(p => p.Value.EnumerateArray()).All(m => m.ValueKind == JsonValueKind.String && m.GetString()!.Length > 0),
            Is.True, "each field lists messages");
        Assert.That(problem.GetRawText(), Does.Not.Contain("valid-secret").And.Not.Contain(new string('a', 300)), "the answer does not echo the input");
        AssertStatusView(await GetAsync(admin, Strava), true, "XY34", true, true);
    }

    [Test]
    public async Task Put_WithFieldsAtTheirLimits_IsAccepted()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var clientId = new string('c', 252) + "LM56";

        var body = await PutAsync(admin, Strava, new { clientId, clientSecret = new string('s', 1024), webhookSecret = new string('w', 1024) });

        AssertStatusView(body, true, "LM56", true, true);
    }

    [Test]
    public async Task Put_WithUnicodeValues_KeepsTheLastFourCharacters()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var body = await PutAsync(admin, Polar, new { clientId = "client-çé€ü", clientSecret = "sécrét-€" });

        AssertStatusView(body, true, "çé€ü", true, false);
        AssertStatusView(await GetAsync(admin, Polar), true, "çé€ü", true, false);
    }

    [Test]
    public async Task Put_WithUnknownExtraProperties_IgnoresThem()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();

        var response = await admin.PutAsync(Strava, Http.Json("""{"clientId":"abcdXY34","clientSecret":"sec","redirectUri":"https://x"}"""));

        AssertStatusView(await response.ExpectJsonAsync(HttpStatusCode.OK), true, "XY34", true, false);
    }
}
