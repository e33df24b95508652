using System.Net;
using System.Text.Json;
using Wearables.Connections.Tests.Support;
using Wearables.Domain.Security;
using Wearables.Fakes;

namespace Wearables.Connections.Tests.Http;

/// <summary>POST /v1/wearables/link/exchange (the Junction Link exchange contract) against a fake Junction, over every store combination.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
public sealed class ExchangeLinkTokenTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    private static readonly string[] ExchangeFields = ["connected_at", "id", "junction_user_id", "last_synced_at", "patient_id", "provider", "status"];

    public static IEnumerable<string> AllowedProviders => ["apple_health_kit", "google_fit", "oura", "whoop", "eight_sleep", "dexcom", "freestyle_libre", "garmin"];

    [Test]
    public async Task Exchange_ValidToken_Returns201WithTheExchangeShape()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var response = await ExchangeAsync(ServiceClientA, token, "oura");

        var body = await response.ExpectJsonAsync(HttpStatusCode.Created);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(body.PropertyNames(), Is.EqualTo(ExchangeFields), body.GetRawText());
            Assert.That(Guid.TryParseExact(body.Str("id"), "D", out _), Is.True, "id is a UUID");
            Assert.That(body.Str("patient_id"), Is.EqualTo(patient), "Junction's client_user_id");
            Assert.That(body.Str("provider"), Is.EqualTo("oura"));
            Assert.That(body.Str("junction_user_id"), Is.EqualTo(junctionUserId));
            Assert.That(body.Str("status"), Is.EqualTo("pending"), "Junction does not list oura as connected yet");
            Assert.That(Json.ParseUtc(body.Str("connected_at")), Is.InRange(before, DateTimeOffset.UtcNow.AddSeconds(1)));
            Assert.That(body.GetProperty("last_synced_at").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(response.Headers.Location, Is.Not.Null, "Location header");
            Assert.That(response.Headers.Location?.OriginalString, Does.Contain(patient));
        }

        // The Location names a resource the same caller can read.
        var listed = await (await ServiceClientA.GetAsync(response.Headers.Location)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed.EnumerateArray().Select(c => c.Str("id")), Does.Contain(body.Str("id")));
    }

    [Test]
    public async Task Exchange_ProviderConnectedAtJunction_StatusConnected()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);
        Junction.SetProvider(junctionUserId, "whoop", "WHOOP", "connected");
        Junction.SetProvider(junctionUserId, "oura", "Oura", "error");

        var whoop = await (await ExchangeAsync(ServiceClientA, token, "whoop")).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(whoop.Str("status"), Is.EqualTo("connected"));

        var oura = await (await ExchangeAsync(ServiceClientA, Junction.AddLinkToken(junctionUserId), "oura")).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(oura.Str("status"), Is.EqualTo("pending"), "listed but not connected");
    }

    [TestCaseSource(nameof(AllowedProviders))]
    public async Task Exchange_EveryAllowedProvider_IsAccepted(string provider)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);

        var body = await (await ExchangeAsync(ServiceClientA, token, provider)).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(body.Str("provider"), Is.EqualTo(provider));
    }

    [TestCase("""{"provider":"oura"}""", TestName = "{m}(link_token missing)")]
    [TestCase("""{"link_token":"","provider":"oura"}""", TestName = "{m}(link_token empty)")]
    [TestCase("""{"link_token":"   ","provider":"oura"}""", TestName = "{m}(link_token whitespace)")]
    [TestCase("""{"link_token":null,"provider":"oura"}""", TestName = "{m}(link_token null)")]
    [TestCase("""{"link_token":"abc\u0000def","provider":"oura"}""", TestName = "{m}(link_token with a control character)")]
    [TestCase("""{"link_token":"TOKEN","provider":"fitbit"}""", TestName = "{m}(provider not allowed (fitbit))")]
    [TestCase("""{"link_token":"TOKEN","provider":"strava"}""", TestName = "{m}(provider not allowed (strava))")]
    [TestCase("""{"link_token":"TOKEN","provider":"OURA"}""", TestName = "{m}(provider in the wrong case)")]
    [TestCase("""{"link_token":"TOKEN","provider":""}""", TestName = "{m}(provider empty)")]
    [TestCase("""{"link_token":123,"provider":"oura"}""", TestName = "{m}(link_token a number)")]
    [TestCase("""{"link_token":["a"],"provider":"oura"}""", TestName = "{m}(link_token an array)")]
    [TestCase("""{"link_token":"TOKEN","provider":5}""", TestName = "{m}(provider a number)")]
    [TestCase("""{"link_token":"TOKEN","provider":{"slug":"oura"}}""", TestName = "{m}(provider an object)")]
    [TestCase("""["TOKEN"]""", TestName = "{m}(body an array)")]
    [TestCase("""{"link_token":"TOKEN","provider":"oura",}""", TestName = "{m}(trailing comma)")]
    [TestCase("""{"link_token":"TOKEN" "provider":"oura"}""", TestName = "{m}(malformed JSON)")]
    [TestCase("""{"link_token":""", TestName = "{m}(truncated JSON)")]
    [TestCase("", TestName = "{m}(empty body)")]
    [TestCase("null", TestName = "{m}(JSON null)")]
    public async Task Exchange_InvalidRequest_Returns400WithErrorAndMessage_AndCallsNoOne(string rawBody)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        Junction.ClearRequests();

        var response = await ServiceClientA.PostAsync(ExchangePath, Json.Raw(rawBody.Replace("TOKEN", token, StringComparison.Ordinal)));

        await response.ExpectErrorAsync(HttpStatusCode.BadRequest);
        Assert.That(Junction.Requests, Is.Empty, "an invalid request never reaches Junction");
        Assert.That(await FindAsync(ProjectA, patient, "oura"), Is.Null);
    }

    [Test]
    public async Task Exchange_OverlongLinkToken_Returns400()
    {
        var response = await ExchangeAsync(ServiceClientA, new string('a', 2049), "oura");
        await response.ExpectErrorAsync(HttpStatusCode.BadRequest);
    }

    [TestCase("used")]
    [TestCase("junction-says-invalid")]
    [TestCase("unknown")]
    public async Task Exchange_InvalidOrUsedToken_Returns400AndStoresNothing(string kind)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        switch (kind)
        {
            case "used":
                Junction.MarkUsed(token);
                break;
            case "junction-says-invalid":
                Junction.InvalidTokens = true;
                break;
            case "unknown":
                token = "unknown-" + Guid.NewGuid().ToString("N");
                break;
        }

        var body = await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectErrorAsync(HttpStatusCode.BadRequest);

        Assert.That(body.GetRawText(), Does.Not.Contain(token), "the token is not echoed");
        await AssertNothingStoredAsync(patient, "oura");
    }

    [TestCase(FakeMode.ServerError)]
    [TestCase(FakeMode.Garbage)]
    [TestCase(FakeMode.Slow)]
    public async Task Exchange_JunctionFailing_Returns502AndStoresNothing(FakeMode mode)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        Junction.Mode = mode;
        var started = DateTime.UtcNow;

        var body = await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectErrorAsync(HttpStatusCode.BadGateway);

        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(4.5)), "bounded by the configured 2 s timeout, not the fake's 5 s delay");
        Assert.That(body.GetRawText(), Does.Not.Contain(token));
        Junction.Mode = FakeMode.Normal;
        await AssertNothingStoredAsync(patient, "oura");
    }

    [Test]
    public async Task Exchange_JunctionUnreachable_Returns502AndStoresNothing()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        await Junction.StopAsync();

        await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectErrorAsync(HttpStatusCode.BadGateway);

        await Junction.StartAsync();
        await AssertNothingStoredAsync(patient, "oura");
    }

    [Test]
    public async Task Exchange_SendsTheConfiguredApiKeyToJunction()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);
        Junction.ClearRequests();

        await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectJsonAsync(HttpStatusCode.Created);

        var requests = Junction.Requests;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(requests.Select(r => $"{r.Method} {r.Path}"), Is.EquivalentTo(new[]
            {
                "POST /v2/link/token/isValid",
                $"GET /v2/user/{junctionUserId}",
                $"GET /v2/user/providers/{junctionUserId}",
            }));
            Assert.That(requests.Select(r => r.Header(FakeJunction.ApiKeyHeader)), Is.All.EqualTo(JunctionApiKey));
            var isValid = requests.Single(r => r.Path == "/v2/link/token/isValid");
            Assert.That(JsonDocument.Parse(isValid.Body).RootElement.GetProperty("token").GetString(), Is.EqualTo(token));
        }
    }

    [Test]
    public async Task Exchange_WithAWrongConfiguredJunctionKey_Returns502()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        await using var misconfigured = NewFactory("not-the-team-key");
        var key = await misconfigured.IssueKeyAsync(ProjectA, Role.Service);
        using var client = misconfigured.WithApiKey(key.Key);
        Junction.ClearRequests();

        await (await ExchangeAsync(client, token, "oura")).ExpectErrorAsync(HttpStatusCode.BadGateway);

        Assert.That(Junction.Requests.Select(r => r.Header(FakeJunction.ApiKeyHeader)), Is.EqualTo(new[] { "not-the-team-key" }), "Junction refused the key (401) at the first call");
        await AssertNothingStoredAsync(patient, "oura");
    }

    [Test]
    public async Task Exchange_PatientKeyForAnotherPatient_Returns403AndStoresNothing()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var intruder = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        var key = await Factory.IssueKeyAsync(ProjectA, Role.Patient, intruder);
        using var client = Factory.WithApiKey(key.Key);

        await (await ExchangeAsync(client, token, "oura")).ExpectErrorAsync(HttpStatusCode.Forbidden);

        await AssertNothingStoredAsync(patient, "oura");
        Assert.That(await FindAsync(ProjectA, intruder, "oura"), Is.Null);
    }

    [Test]
    public async Task Exchange_PatientKeyForItself_Returns201()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        var key = await Factory.IssueKeyAsync(ProjectA, Role.Patient, patient);
        using var client = Factory.WithApiKey(key.Key);

        var body = await (await ExchangeAsync(client, token, "garmin")).ExpectJsonAsync(HttpStatusCode.Created);

        Assert.That(body.Str("patient_id"), Is.EqualTo(patient));
        var listed = await (await ListAsync(client, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed.EnumerateArray().Select(c => c.Str("provider")), Is.EquivalentTo(new[] { "garmin" }));
    }

    [Test]
    public async Task Exchange_Unauthenticated_Returns401AndCallsNoOne()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, token) = NewJunctionUser(patient);
        Junction.ClearRequests();
        using var client = Factory.Anonymous();

        var body = await (await ExchangeAsync(client, token, "oura")).ExpectErrorAsync(HttpStatusCode.Unauthorized);

        Assert.That(body.Str("detail"), Is.EqualTo("Invalid or missing API key"));
        Assert.That(Junction.Requests, Is.Empty);
    }

    [Test]
    public async Task Exchange_Repeated_UpdatesTheOneConnection()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);

        var first = await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(first.Str("status"), Is.EqualTo("pending"));

        Junction.SetProvider(junctionUserId, "oura", "Oura", "connected");
        var second = await (await ExchangeAsync(ServiceClientA, Junction.AddLinkToken(junctionUserId), "oura")).ExpectJsonAsync(HttpStatusCode.Created);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Str("id"), Is.EqualTo(first.Str("id")), "same connection");
            Assert.That(second.Str("status"), Is.EqualTo("connected"), "pending → connected");
            Assert.That(second.Str("connected_at"), Is.EqualTo(first.Str("connected_at")), "the same link keeps its connected_at");
        }

        var listed = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed.GetArrayLength(), Is.EqualTo(1), listed.GetRawText());
        var stored = await FindAsync(ProjectA, patient, "oura");
        Assert.That(stored?.LinkStatus, Is.EqualTo(Domain.Connections.LinkStatus.Connected));
    }

    [Test]
    public async Task Exchange_ForAProviderThePatientIsConnectedToDirectly_Returns409AndKeepsTheGrant()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var direct = await SeedOAuthAsync(ProjectA, patient, "oura");
        var (_, token) = NewJunctionUser(patient);

        await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectErrorAsync(HttpStatusCode.Conflict, "connected_directly");

        var stored = await FindAsync(ProjectA, patient, "oura");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored?.Source, Is.EqualTo(Domain.Connections.ConnectionSource.OAuth), "still the direct connection");
            Assert.That(stored?.AccessTokenEnvelope, Is.EqualTo(direct.AccessTokenEnvelope), "its tokens are kept");
            Assert.That(stored?.RefreshTokenEnvelope, Is.EqualTo(direct.RefreshTokenEnvelope));
        }
    }

    [Test]
    public async Task Exchange_AfterTheDirectConnectionWasRevoked_LinksIt()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "whoop", change: c =>
        {
            c.Revoke(DateTimeOffset.UtcNow);
            return c;
        });
        var (junctionUserId, token) = NewJunctionUser(patient);

        var linked = await (await ExchangeAsync(ServiceClientA, token, "whoop")).ExpectJsonAsync(HttpStatusCode.Created);

        Assert.That(linked.Str("junction_user_id"), Is.EqualTo(junctionUserId));
        var stored = await FindAsync(ProjectA, patient, "whoop");
        Assert.That(stored?.Source, Is.EqualTo(Domain.Connections.ConnectionSource.Junction));
    }

    [Test]
    public async Task Exchange_RepeatedConcurrently_LeavesOneConnection()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, _) = NewJunctionUser(patient);
        var tokens = Enumerable.Range(0, 3).Select(_ => Junction.AddLinkToken(junctionUserId)).ToArray();

        var responses = await Task.WhenAll(tokens.Select(t => ExchangeAsync(ServiceClientA, t, "oura")));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync()).Str("id")));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
        var listed = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed.GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Exchange_LinkedConnection_AppearsInList()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);
        Junction.SetProvider(junctionUserId, "dexcom", "Dexcom", "connected");

        var linked = await (await ExchangeAsync(ServiceClientA, token, "dexcom")).ExpectJsonAsync(HttpStatusCode.Created);
        var listed = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        var item = listed.EnumerateArray().Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(item.Str("id"), Is.EqualTo(linked.Str("id")));
            Assert.That(item.Str("user_id"), Is.EqualTo(patient));
            Assert.That(item.Str("provider"), Is.EqualTo("dexcom"));
            Assert.That(item.Str("provider_user_id"), Is.EqualTo(junctionUserId));
            Assert.That(item.Str("status"), Is.EqualTo("active"));
            Assert.That(item.GetProperty("last_synced_at").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
    }

    [Test]
    public async Task Exchange_OtherProject_CannotListTheLinkedUser()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await LinkAsync(patient, "oura");

        var body = await (await ListAsync(AdminClientB, patient)).ExpectErrorAsync(HttpStatusCode.NotFound);

        Assert.That(body.Str("detail"), Is.EqualTo("User not found"));
        Assert.That(await FindAsync(ProjectB, patient, "oura"), Is.Null);
    }

    [Test]
    public async Task Exchange_TheSameJunctionUserInTwoProjects_MakesTwoSeparateConnections()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);

        var a = await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectJsonAsync(HttpStatusCode.Created);
        var b = await (await ExchangeAsync(AdminClientB, Junction.AddLinkToken(junctionUserId), "oura")).ExpectJsonAsync(HttpStatusCode.Created);

        Assert.That(b.Str("id"), Is.Not.EqualTo(a.Str("id")));
        var listedA = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listedA.EnumerateArray().Select(c => c.Str("id")), Is.EqualTo(new[] { a.Str("id") }));
    }

    [Test]
    public async Task Exchange_WithoutProvider_UsesTheProviderJunctionReportsConnected()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (junctionUserId, token) = NewJunctionUser(patient);
        Junction.SetProvider(junctionUserId, "whoop", "WHOOP", "connected");

        var body = await (await ExchangeAsync(ServiceClientA, token, null)).ExpectJsonAsync(HttpStatusCode.Created);

        Assert.That(body.Str("provider"), Is.EqualTo("whoop"));
        Assert.That(body.Str("status"), Is.EqualTo("connected"));
    }

    [Test]
    public async Task Exchange_JunctionUserWithoutUsableClientUserId_Returns502()
    {
        var junctionUserId = Guid.NewGuid().ToString();
        Junction.AddUser(junctionUserId, "not a fhir id!");
        var token = Junction.AddLinkToken(junctionUserId);

        await (await ExchangeAsync(ServiceClientA, token, "oura")).ExpectErrorAsync(HttpStatusCode.BadGateway);
    }

    private async Task AssertNothingStoredAsync(string patient, string provider)
    {
        Assert.That(await FindAsync(ProjectA, patient, provider), Is.Null, "repository holds nothing");
        var body = await (await ListAsync(ServiceClientA, patient)).ExpectErrorAsync(HttpStatusCode.NotFound);
        Assert.That(body.Str("detail"), Is.EqualTo("User not found"));
    }
}
