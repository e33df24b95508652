using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Credentials;
using Wearables.Connections.Tests.Support;
using Wearables.Domain.Security;
using Wearables.Fakes;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Http;

/// <summary>
/// PUT|GET|DELETE /v1/wearables/junction/credentials: each project its own Junction team. Two fake
/// Junction teams (A: the operator's base URL, B: an allowed base URL), each knowing only its key.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class JunctionCredentialsTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    private const string Path = "/v1/wearables/junction/credentials";
    private static readonly string[] StatusFields = ["apiKeyLast4", "baseUrl", "configured", "operatorFallback", "region"];

    private readonly string teamKeyA = "team-a-" + RandomNumberGenerator.GetHexString(24, lowercase: true);
    private readonly string teamKeyB = "team-b-" + RandomNumberGenerator.GetHexString(24, lowercase: true);
    private FakeJunction teamB = null!;
    private ConnectionsServiceFactory service = null!;

    [OneTimeSetUp]
    public async Task StartTeamsAsync()
    {
        teamB = new FakeJunction(teamKeyB);
        await teamB.StartAsync();
        service = NewFactory(JunctionApiKey, new Dictionary<string, string?> { ["Wearables:Junction:AllowedBaseUrls:0"] = teamB.BaseUrl.ToString() });
    }

    [OneTimeTearDown]
    public async Task StopTeamsAsync()
    {
        await service.DisposeAsync();
        await teamB.DisposeAsync();
    }

    [Test]
    public async Task Put_ThenGet_ShowsTheStatusButNeverTheKey()
    {
        var (admin, _) = await NewProjectAsync();

        var put = await (await admin.PutAsync(Path, Json.Of(new { apiKey = teamKeyB, baseUrl = teamB.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);
        var get = await (await admin.GetAsync(Path)).ExpectJsonAsync(HttpStatusCode.OK);

        foreach (var body in new[] { put, get })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(body.PropertyNames(), Is.EqualTo(StatusFields), body.GetRawText());
                Assert.That(body.GetProperty("configured").GetBoolean(), Is.True);
                Assert.That(body.Str("apiKeyLast4"), Is.EqualTo(teamKeyB[^4..]));
                Assert.That(body.Str("baseUrl"), Is.EqualTo(teamB.BaseUrl.ToString()));
                Assert.That(body.Str("region"), Is.Null, "a test double is no Junction region");
                Assert.That(body.GetProperty("operatorFallback").GetBoolean(), Is.True);
                Assert.That(body.GetRawText(), Does.Not.Contain(teamKeyB[..12]), "the key is never returned");
            }
        }
    }

    [TestCase("us", "https://api.tryvital.io/")]
    [TestCase("eu", "https://api.eu.tryvital.io/")]
    [TestCase("eu-sandbox", "https://api.sandbox.eu.tryvital.io/")]
    public async Task Put_Region_StoresJunctionsBaseUrlForIt(string region, string baseUrl)
    {
        var (admin, _) = await NewProjectAsync();

        var body = await (await admin.PutAsync(Path, Json.Of(new { apiKey = "sk_eu_" + RandomNumberGenerator.GetHexString(20), region }))).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That((body.Str("region"), body.Str("baseUrl")), Is.EqualTo((region, baseUrl)));
    }

    [Test]
    public async Task Key_IsSealedAtRest()
    {
        var (admin, project) = await NewProjectAsync();
        await (await admin.PutAsync(Path, Json.Of(new { apiKey = teamKeyB, baseUrl = teamB.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);

        await using var scope = service.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IProjectSecretStore>().GetAsync(project, "junction", CancellationToken.None);

        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.ClientSecretEnvelope + stored.ClientIdEnvelope, Does.Not.Contain(teamKeyB).And.Not.Contain(teamB.BaseUrl.Authority));
    }

    [Test]
    public async Task Exchange_LinkTokenOfAnotherProjectsTeam_IsUnknownToThisProjectsTeam()
    {
        // Project A's patients link through team A, project B's through team B.
        var (adminA, projectA) = await NewProjectAsync();
        var (adminB, projectB) = await NewProjectAsync();
        await (await adminA.PutAsync(Path, Json.Of(new { apiKey = JunctionApiKey, baseUrl = Junction.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await adminB.PutAsync(Path, Json.Of(new { apiKey = teamKeyB, baseUrl = teamB.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);
        var patient = ConnectionsServiceFactory.NewPatientId();
        var (_, tokenOfA) = NewJunctionUser(patient);
        Junction.ClearRequests();
        teamB.ClearRequests();

        await (await ExchangeAsync(adminB, tokenOfA, "oura")).ExpectErrorAsync(HttpStatusCode.BadRequest, "link_token_invalid");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Junction.Requests, Is.Empty, "project B never calls team A");
            Assert.That(teamB.Requests.Select(r => r.Header(FakeJunction.ApiKeyHeader)), Is.EqualTo(new[] { teamKeyB }), "project B asks its own team, with its own key");
            Assert.That(await service.WithRepositoryAsync(r => r.FindAsync(projectB, patient, "oura", CancellationToken.None)), Is.Null);
        }

        var linked = await (await ExchangeAsync(adminA, tokenOfA, "oura")).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(linked.Str("patient_id"), Is.EqualTo(patient), "the token still works in its own project");
        Assert.That(await service.WithRepositoryAsync(r => r.FindAsync(projectA, patient, "oura", CancellationToken.None)), Is.Not.Null);
    }

    [Test]
    public async Task Exchange_WithoutProjectCredentials_UsesTheOperatorKey_AndAgainAfterDelete()
    {
        var (admin, _) = await NewProjectAsync();
        Junction.ClearRequests();

        await (await ExchangeAsync(admin, NewJunctionUser(ConnectionsServiceFactory.NewPatientId()).LinkToken, "oura")).ExpectJsonAsync(HttpStatusCode.Created);
        Assert.That(Junction.Requests.Select(r => r.Header(FakeJunction.ApiKeyHeader)), Is.All.EqualTo(JunctionApiKey));

        await (await admin.PutAsync(Path, Json.Of(new { apiKey = teamKeyB, baseUrl = teamB.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await ExchangeAsync(admin, NewJunctionUser(ConnectionsServiceFactory.NewPatientId()).LinkToken, "oura")).ExpectErrorAsync(HttpStatusCode.BadRequest, "link_token_invalid");

        var deleted = await (await admin.DeleteAsync(Path)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That((deleted.GetProperty("configured").GetBoolean(), deleted.Str("apiKeyLast4"), deleted.Str("baseUrl")), Is.EqualTo((false, (string?)null, (string?)null)));
        await (await ExchangeAsync(admin, NewJunctionUser(ConnectionsServiceFactory.NewPatientId()).LinkToken, "oura")).ExpectJsonAsync(HttpStatusCode.Created);
    }

    [Test]
    public async Task Exchange_NeitherProjectNorOperatorKey_Returns422WithoutCallingJunction()
    {
        await using var keyless = NewFactory(string.Empty);
        var key = await keyless.IssueKeyAsync(ConnectionsServiceFactory.NewProjectId(), Role.Admin);
        using var admin = keyless.WithApiKey(key.Key);
        Junction.ClearRequests();

        await (await ExchangeAsync(admin, NewJunctionUser(ConnectionsServiceFactory.NewPatientId()).LinkToken, "oura")).ExpectErrorAsync(HttpStatusCode.UnprocessableEntity, "junction_not_configured");

        Assert.That(Junction.Requests, Is.Empty);
        var status = await (await admin.GetAsync(Path)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(status.GetProperty("operatorFallback").GetBoolean(), Is.False);
    }

    [TestCase("""{"region":"us"}""", TestName = "{m}(apiKey missing)")]
    [TestCase("""{"apiKey":"  ","region":"us"}""", TestName = "{m}(apiKey blank)")]
    [TestCase("""{"apiKey":"sk us key","region":"us"}""", TestName = "{m}(apiKey with spaces)")]
    [TestCase("""{"apiKey":"sk_caf\u00e9","region":"us"}""", TestName = "{m}(apiKey not ASCII)")]
    [TestCase("""{"apiKey":"sk_1"}""", TestName = "{m}(neither region nor baseUrl)")]
    [TestCase("""{"apiKey":"sk_1","region":"us","baseUrl":"https://api.tryvital.io"}""", TestName = "{m}(both region and baseUrl)")]
    [TestCase("""{"apiKey":"sk_1","region":"apac"}""", TestName = "{m}(unknown region)")]
    [TestCase("""{"apiKey":"sk_1","region":"US"}""", TestName = "{m}(region in the wrong case)")]
    [TestCase("""{"apiKey":"sk_1","baseUrl":"http://127.0.0.1:9/"}""", TestName = "{m}(baseUrl not allowed)")]
    [TestCase("""{"apiKey":"sk_1","baseUrl":"https://user:pw@api.tryvital.io/"}""", TestName = "{m}(baseUrl with user info)")]
    [TestCase("""{"apiKey":"sk_1","baseUrl":"https://api.tryvital.io/?x=1"}""", TestName = "{m}(baseUrl with a query)")]
    [TestCase("""{"apiKey":"sk_1","baseUrl":"file:///etc/passwd"}""", TestName = "{m}(baseUrl not http)")]
    [TestCase("""{"apiKey":"sk_1","baseUrl":"api.tryvital.io"}""", TestName = "{m}(baseUrl relative)")]
    public async Task Put_Invalid_Returns422AndChangesNothing(string raw)
    {
        var (admin, _) = await NewProjectAsync();
        await (await admin.PutAsync(Path, Json.Of(new { apiKey = teamKeyB, baseUrl = teamB.BaseUrl.ToString() }))).ExpectJsonAsync(HttpStatusCode.OK);

        await (await admin.PutAsync(Path, Json.Raw(raw))).ExpectErrorAsync(HttpStatusCode.UnprocessableEntity);

        var status = await (await admin.GetAsync(Path)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That((status.Str("apiKeyLast4"), status.Str("baseUrl")), Is.EqualTo((teamKeyB[^4..], teamB.BaseUrl.ToString())));
    }

    [TestCase("""{"apiKey":"sk_1","region":""", TestName = "{m}(truncated JSON)")]
    [TestCase("""["sk_1"]""", TestName = "{m}(an array)")]
    [TestCase("""{"apiKey":"sk_1","apiKey":"sk_2","region":"us"}""", TestName = "{m}(duplicate key)")]
    [TestCase("""{"apiKey":1,"region":"us"}""", TestName = "{m}(apiKey a number)")]
    public async Task Put_Malformed_Returns400AndChangesNothing(string raw)
    {
        var (admin, _) = await NewProjectAsync();

        await (await admin.PutAsync(Path, Json.Raw(raw))).ExpectErrorAsync(HttpStatusCode.BadRequest);

        var status = await (await admin.GetAsync(Path)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(status.GetProperty("configured").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Route_IsTheJunctionOne_NotTheOAuthProviderRoute()
    {
        var (admin, _) = await NewProjectAsync();

        // The OAuth shape is not accepted here, and "junction" is never an unknown OAuth provider (404).
        var oauthShaped = await admin.PutAsync(Path, Json.Of(new { clientId = "id", clientSecret = "secret" }));
        Assert.That(oauthShaped.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), await oauthShaped.Content.ReadAsStringAsync());

        foreach (var path in new[] { Path, "/v1/wearables/Junction/credentials", "/v1/wearables/JUNCTION/credentials/" })
        {
            var status = await (await admin.GetAsync(path)).ExpectJsonAsync(HttpStatusCode.OK);
            Assert.That(status.PropertyNames(), Is.EqualTo(StatusFields), path);
        }

        // Not an OAuth provider anywhere else either.
        await (await admin.PostAsync("/v1/wearables/junction/connect", Json.Of(new { patientId = "p1", redirectUri = "https://app.example/done" })))
            .ExpectErrorAsync(HttpStatusCode.NotFound, "provider_not_found");
    }

    [Test]
    public async Task NonAdmin_Returns403_Anonymous401()
    {
        var project = ConnectionsServiceFactory.NewProjectId();
        var serviceKey = await service.IssueKeyAsync(project, Role.Service);
        using var client = service.WithApiKey(serviceKey.Key);
        using var anonymous = service.Anonymous();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await client.GetAsync(Path)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await client.PutAsync(Path, Json.Of(new { apiKey = "k", region = "us" }))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await client.DeleteAsync(Path)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await anonymous.GetAsync(Path)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
    }

    private async Task<(HttpClient Admin, string ProjectId)> NewProjectAsync()
    {
        var project = ConnectionsServiceFactory.NewProjectId();
        var key = await service.IssueKeyAsync(project, Role.Admin);
        var client = service.WithApiKey(key.Key);
        clients.Add(client);
        return (client, project);
    }

    private readonly List<HttpClient> clients = [];

    [TearDown]
    public void DisposeClients()
    {
        clients.ForEach(c => c.Dispose());
        clients.Clear();
    }
}
