using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Wearables.Connections.Tests.Support;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;

namespace Wearables.Connections.Tests.Http;

/// <summary>GET /api/v1/users/{user_id}/connections (the Open Wearables connection shape) over every store combination.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class ListConnectionsTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    private static readonly string[] SeedFields =
        ["created_at", "id", "last_synced_at", "provider", "provider_user_id", "provider_username", "scope", "status", "updated_at", "user_id"];

    [Test]
    public async Task List_ReturnsTheConnectionShapeFieldsExactly_WithTheirTypes()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var grant = DummyGrant(username: "john_runner", scope: "read,activity:read_all");
        var seeded = await SeedOAuthAsync(ProjectA, patient, "strava", grant, c => ConnectionStates.Synced(c, new DateTimeOffset(2024, 3, 15, 10, 30, 0, TimeSpan.Zero)));

        var body = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(body.GetArrayLength(), Is.EqualTo(1));
        var item = body[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(item.PropertyNames(), Is.EqualTo(SeedFields), item.GetRawText());
            Assert.That(Guid.TryParseExact(item.Str("id"), "D", out var id), Is.True, "id is a UUID string");
            Assert.That(id, Is.EqualTo(seeded.Id));
            Assert.That(item.Str("user_id"), Is.EqualTo(patient));
            Assert.That(item.Str("provider"), Is.EqualTo("strava"));
            Assert.That(item.Str("provider_user_id"), Is.EqualTo(grant.ProviderUserId));
            Assert.That(item.Str("provider_username"), Is.EqualTo("john_runner"));
            Assert.That(item.Str("scope"), Is.EqualTo("read,activity:read_all"));
            Assert.That(item.Str("status"), Is.EqualTo("active"));
            Assert.That(Json.ParseUtc(item.Str("last_synced_at")), Is.EqualTo(new DateTimeOffset(2024, 3, 15, 10, 30, 0, TimeSpan.Zero)));
            Assert.That(Json.ParseUtc(item.Str("created_at")), Is.EqualTo(seeded.CreatedAt).Within(TimeSpan.FromSeconds(1)));
            Assert.That(Json.ParseUtc(item.Str("updated_at")), Is.EqualTo(seeded.UpdatedAt).Within(TimeSpan.FromSeconds(1)));
        }
    }

    [Test]
    public async Task List_UnknownUsernameAndNeverSynced_AreJsonNull()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "polar", DummyGrant(username: null, scope: null));

        var item = (await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK))[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(item.PropertyNames(), Is.EqualTo(SeedFields), "null fields are present, not omitted");
            Assert.That(item.GetProperty("provider_username").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(item.GetProperty("last_synced_at").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(item.GetProperty("scope").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
    }

    [Test]
    public async Task List_MapsStatusesToActiveRevokedExpired()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var now = DateTimeOffset.UtcNow;
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await SeedOAuthAsync(ProjectA, patient, "polar", change: c => ConnectionStates.Revoked(c, now));
        await SeedOAuthAsync(ProjectA, patient, "garmin", change: c => ConnectionStates.Expired(c, now));

        var body = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        var statuses = body.EnumerateArray().ToDictionary(c => c.Str("provider")!, c => c.Str("status"));
        Assert.That(statuses, Is.EquivalentTo(new Dictionary<string, string?> { ["strava"] = "active", ["polar"] = "revoked", ["garmin"] = "expired" }));
    }

    [Test]
    public async Task List_ShowsOAuthAndJunctionConnectionsTogether()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        var linked = await LinkAsync(patient, "oura");

        var body = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(body.EnumerateArray().Select(c => c.Str("provider")), Is.EquivalentTo(new[] { "strava", "oura" }));
        var oura = body.EnumerateArray().Single(c => c.Str("provider") == "oura");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(oura.PropertyNames(), Is.EqualTo(SeedFields));
            Assert.That(oura.Str("id"), Is.EqualTo(linked.Str("id")));
            Assert.That(oura.Str("provider_user_id"), Is.EqualTo(linked.Str("junction_user_id")));
            Assert.That(oura.Str("status"), Is.EqualTo("active"), "a pending Junction link is an existing connection");
        }
    }

    [Test]
    public async Task List_NeverContainsTokensOrEnvelopes()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var grants = new[] { DummyGrant(), DummyGrant(), DummyGrant() };
        await SeedOAuthAsync(ProjectA, patient, "strava", grants[0]);
        await SeedOAuthAsync(ProjectA, patient, "polar", grants[1], c => ConnectionStates.Expired(c, DateTimeOffset.UtcNow));
        await SeedOAuthAsync(ProjectA, patient, "whoop", grants[2], c => ConnectionStates.Synced(c, DateTimeOffset.UtcNow));
        await LinkAsync(patient, "oura");

        var response = await ListAsync(ServiceClientA, patient);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Not.Contain("wv1."));
            foreach (var grant in grants)
            {
                Assert.That(text, Does.Not.Contain(grant.AccessTokenEnvelope));
                Assert.That(text, Does.Not.Contain(grant.RefreshTokenEnvelope!));
                Assert.That(text, Does.Not.Contain(grant.AccessTokenEnvelope["wv1.k1.".Length..]), "not even the envelope body");
            }

            Assert.That(text, Does.Not.Contain("token").IgnoreCase);
            Assert.That(text, Does.Not.Contain("secret").IgnoreCase);
            Assert.That(text, Does.Not.Contain(JunctionApiKey));
        }
    }

    [TestCase("none")]
    [TestCase("wrong")]
    [TestCase("malformed")]
    [TestCase("revoked")]
    [TestCase("wrong-bearer")]
    public async Task List_WithoutAValidKey_Returns401InvalidOrMissingApiKey(string credential)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        using var client = Factory.Anonymous();
        switch (credential)
        {
            case "wrong":
                client.DefaultRequestHeaders.Add("X-API-Key", "wk_abcdefgh_" + new string('A', 43));
                break;
            case "malformed":
                client.DefaultRequestHeaders.Add("X-API-Key", "not-a-key");
                break;
            case "revoked":
                var key = await Factory.IssueKeyAsync(ProjectA, Role.Service);
                using (var before = Factory.WithApiKey(key.Key))
                {
                    Assert.That((await ListAsync(before, patient)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the key works before it is revoked");
                }

                await Factory.RevokeKeyAsync(key);
                client.DefaultRequestHeaders.Add("X-API-Key", key.Key);
                break;
            case "wrong-bearer":
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wk_abcdefgh_" + new string('B', 43));
                break;
        }

        var body = await (await ListAsync(client, patient)).ExpectErrorAsync(HttpStatusCode.Unauthorized);
        Assert.That(body.Str("detail"), Is.EqualTo("Invalid or missing API key"));
        Assert.That(body.GetRawText(), Does.Not.Contain("strava"), "nothing of the user leaks");
    }

    [Test]
    public async Task List_WithAnApiKeyAsBearer_IsAccepted()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        using var client = Factory.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceA.Key);

        await (await ListAsync(client, patient)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [TestCase("pat-never-seen")]
    [TestCase("550e8400-e29b-41d4-a716-446655440000")]
    [TestCase("not a fhir id")]
    public async Task List_UnknownUser_Returns404UserNotFound(string userId)
    {
        var body = await (await ListAsync(ServiceClientA, userId)).ExpectErrorAsync(HttpStatusCode.NotFound);
        Assert.That(body.Str("detail"), Is.EqualTo("User not found"));
    }

    [Test]
    public async Task List_AnotherProjectsUser_Returns404NeverForbidden()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");

        var body = await (await ListAsync(AdminClientB, patient)).ExpectErrorAsync(HttpStatusCode.NotFound);
        Assert.That(body.Str("detail"), Is.EqualTo("User not found"));
    }

    [Test]
    public async Task List_SamePatientIdInTwoProjects_EachProjectSeesOnlyItsOwn()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await SeedOAuthAsync(ProjectB, patient, "polar");
        await SeedOAuthAsync(ProjectB, patient, "whoop");

        var a = await (await ListAsync(AdminClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        var b = await (await ListAsync(AdminClientB, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(a.EnumerateArray().Select(c => c.Str("provider")), Is.EquivalentTo(new[] { "strava" }));
        Assert.That(b.EnumerateArray().Select(c => c.Str("provider")), Is.EquivalentTo(new[] { "polar", "whoop" }));
    }

    [Test]
    public async Task List_PatientKey_SeesItselfAndGets404ForAnotherUser()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var other = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await SeedOAuthAsync(ProjectA, other, "strava");
        var key = await Factory.IssueKeyAsync(ProjectA, Role.Patient, patient);
        using var client = Factory.WithApiKey(key.Key);

        var own = await (await ListAsync(client, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(own.EnumerateArray().Select(c => c.Str("user_id")), Is.All.EqualTo(patient));

        var body = await (await ListAsync(client, other)).ExpectErrorAsync(HttpStatusCode.NotFound);
        Assert.That(body.Str("detail"), Is.EqualTo("User not found"), "another user does not exist for a patient (no 403)");
    }

    [Test]
    public async Task List_ServiceAndAdminKeys_AreAllowed()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");

        var service = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        var admin = await (await ListAsync(AdminClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(service.GetRawText(), Is.EqualTo(admin.GetRawText()));
    }

    [Test]
    public async Task List_ReflectsRepositoryChanges()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var connection = await SeedOAuthAsync(ProjectA, patient, "strava");
        var before = (await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK))[0];

        var loaded = ConnectionStates.Revoked((await FindAsync(ProjectA, patient, "strava"))!, connection.UpdatedAt.AddMinutes(5));
        await Factory.WithRepositoryAsync(async r =>
        {
            await r.SaveAsync(loaded, CancellationToken.None);
            return true;
        });

        var after = (await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK))[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.Str("status"), Is.EqualTo("revoked"));
            Assert.That(after.Str("id"), Is.EqualTo(before.Str("id")));
            Assert.That(after.Str("created_at"), Is.EqualTo(before.Str("created_at")));
            Assert.That(Json.ParseUtc(after.Str("updated_at")), Is.GreaterThan(Json.ParseUtc(before.Str("updated_at"))));
        }
    }

    [Test]
    public async Task List_JunctionLinkStatuses_MapToSeedStatuses()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var now = DateTimeOffset.UtcNow;
        foreach (var (provider, status) in new[] { ("oura", LinkStatus.Connected), ("whoop", LinkStatus.Pending), ("dexcom", LinkStatus.Disconnected), ("garmin", LinkStatus.Error) })
        {
            var connection = Connection.Create(ProjectA, patient, provider, ConnectionSource.Junction, now);
            connection.LinkThroughJunction(Guid.NewGuid().ToString(), status, Junction.BaseUrl.ToString(), now);
            await Factory.WithRepositoryAsync(async r =>
            {
                await r.SaveAsync(connection, CancellationToken.None);
                return true;
            });
        }

        var body = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        var statuses = body.EnumerateArray().ToDictionary(c => c.Str("provider")!, c => c.Str("status"));
        Assert.That(statuses, Is.EquivalentTo(new Dictionary<string, string?> { ["oura"] = "active", ["whoop"] = "active", ["dexcom"] = "revoked", ["garmin"] = "expired" }));
    }
}
