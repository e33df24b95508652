using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.Application.Providers;
using Wearables.Connections.Tests.Support;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;

namespace Wearables.Connections.Tests.Http;

/// <summary>
/// GET /api/v1/users/{user_id}/connections/{provider}, and the token route's answers that need no
/// provider call (valid token, revoked, expired, Polar past its expiry, Junction, roles, validation),
/// over every store combination. Refreshes against fake providers: EndToEnd AccessTokenTests.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class OneConnectionTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    [Test]
    public async Task Get_AnswersTheListsItemForThatProvider()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await SeedOAuthAsync(ProjectA, patient, "polar", change: c => ConnectionStates.Expired(c, DateTimeOffset.UtcNow));
        await LinkAsync(patient, "oura");

        var list = await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        foreach (var provider in new[] { "strava", "polar", "oura" })
        {
            var one = await (await GetAsync(ServiceClientA, patient, provider)).ExpectJsonAsync(HttpStatusCode.OK);
            var item = list.EnumerateArray().Single(c => c.Str("provider") == provider);
            Assert.That(one.GetRawText(), Is.EqualTo(item.GetRawText()), provider);
        }
    }

    [Test]
    public async Task Get_NoConnectionToThatProvider_404ConnectionNotFound_UnknownUser_404UserNotFound()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");

        var none = await (await GetAsync(ServiceClientA, patient, "polar")).ExpectErrorAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await GetAsync(ServiceClientA, patient, "no-such-provider")).ExpectErrorAsync(HttpStatusCode.NotFound, "connection_not_found");
        var unknown = await (await GetAsync(ServiceClientA, ConnectionsServiceFactory.NewPatientId(), "strava")).ExpectErrorAsync(HttpStatusCode.NotFound, "user_not_found");
        var otherProject = await (await GetAsync(AdminClientB, patient, "strava")).ExpectErrorAsync(HttpStatusCode.NotFound, "user_not_found");

        Assert.Multiple(() =>
        {
            Assert.That(none.Str("detail"), Is.Not.EqualTo("User not found"));
            Assert.That(unknown.Str("detail"), Is.EqualTo("User not found"));
            Assert.That(otherProject.Str("detail"), Is.EqualTo("User not found"));
        });
    }

    [Test]
    public async Task Get_PatientKey_SeesItsOwnAndNoOtherUser()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var other = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await SeedOAuthAsync(ProjectA, other, "strava");
        using var client = Factory.WithApiKey((await Factory.IssueKeyAsync(ProjectA, Role.Patient, patient)).Key);

        await (await GetAsync(client, patient, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        await (await GetAsync(client, other, "strava")).ExpectErrorAsync(HttpStatusCode.NotFound, "user_not_found");
        using var anonymous = Factory.Anonymous();
        Assert.That((await GetAsync(anonymous, patient, "strava")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Token_ValidToken_IsOpenedAndAnswered_NoStore()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var accessToken = "at-" + Guid.NewGuid().ToString("N");
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds());
        var seeded = await SeedOAuthAsync(ProjectA, patient, "strava", await SealAsync(ProjectA, patient, "strava", accessToken, "rt-" + Guid.NewGuid().ToString("N"), expiresAt));

        using var response = await TokenAsync(ServiceClientA, patient, "strava", "{}");
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);

        Assert.Multiple(() =>
        {
            Assert.That(body.Str("access_token"), Is.EqualTo(accessToken));
            Assert.That(body.Str("user_id"), Is.EqualTo(patient));
            Assert.That(body.Str("provider_user_id"), Is.EqualTo(seeded.ProviderUserId));
            Assert.That(Json.ParseUtc(body.Str("expires_at")), Is.EqualTo(expiresAt));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        });

        // No body at all is the default (300 s).
        using var withoutBody = await ServiceClientA.PostAsync($"/api/v1/users/{patient}/connections/strava/token", null);
        Assert.That((await withoutBody.ExpectJsonAsync(HttpStatusCode.OK)).Str("access_token"), Is.EqualTo(accessToken));
    }

    [Test]
    public async Task Token_RevokedOrExpiredConnection_409_TheUserMustConnectAgain()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava", change: c => ConnectionStates.Revoked(c, DateTimeOffset.UtcNow));
        await SeedOAuthAsync(ProjectA, patient, "polar", change: c => ConnectionStates.Expired(c, DateTimeOffset.UtcNow));

        var revoked = await (await TokenAsync(ServiceClientA, patient, "strava")).ExpectErrorAsync(HttpStatusCode.Conflict, "connection_revoked");
        var expired = await (await TokenAsync(ServiceClientA, patient, "polar")).ExpectErrorAsync(HttpStatusCode.Conflict, "connection_expired");
        Assert.Multiple(() =>
        {
            Assert.That(revoked.Str("detail"), Does.Contain("connect again"));
            Assert.That(expired.Str("detail"), Does.Contain("connect again"));
        });
    }

    [Test]
    public async Task Token_PolarPastItsExpiry_Expires_409_AndTheListSaysExpired()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var grant = await SealAsync(ProjectA, patient, "polar", "polar-at-" + Guid.NewGuid().ToString("N"), null, DateTimeOffset.UtcNow.AddMinutes(-1));
        await SeedOAuthAsync(ProjectA, patient, "polar", grant);

        await (await TokenAsync(ServiceClientA, patient, "polar")).ExpectErrorAsync(HttpStatusCode.Conflict, "connection_expired");
        var item = (await (await ListAsync(ServiceClientA, patient)).ExpectJsonAsync(HttpStatusCode.OK))[0];
        var stored = await FindAsync(ProjectA, patient, "polar");

        Assert.Multiple(() =>
        {
            Assert.That(item.Str("status"), Is.EqualTo("expired"));
            Assert.That(stored!.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(stored.AccessTokenEnvelope, Is.Null, "a dead token is not kept");
        });
    }

    [Test]
    public async Task Token_PolarValidButShorterThanAsked_IsAnsweredAsItIs()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        var grant = await SealAsync(ProjectA, patient, "polar", "polar-at-" + Guid.NewGuid().ToString("N"), null, DateTimeOffset.UtcNow.AddSeconds(120));
        await SeedOAuthAsync(ProjectA, patient, "polar", grant);

        var body = await (await TokenAsync(ServiceClientA, patient, "polar")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.Str("access_token"), Does.StartWith("polar-at-"), "Polar issues no refresh token: the token it has is the best there is");
    }

    [Test]
    public async Task Token_NoConnection_JunctionLink_OtherProject_UnknownProvider_404()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        await LinkAsync(patient, "oura");

        await (await TokenAsync(ServiceClientA, patient, "polar")).ExpectErrorAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await TokenAsync(AdminClientB, patient, "strava")).ExpectErrorAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await TokenAsync(ServiceClientA, ConnectionsServiceFactory.NewPatientId(), "strava")).ExpectErrorAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await TokenAsync(ServiceClientA, patient, "oura")).ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Token_PatientCaller_403_EvenForItself()
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");
        using var client = Factory.WithApiKey((await Factory.IssueKeyAsync(ProjectA, Role.Patient, patient)).Key);

        await (await TokenAsync(client, patient, "strava")).ExpectErrorAsync(HttpStatusCode.Forbidden);
    }

    [TestCase("{\"min_validity_seconds\":-1}")]
    [TestCase("{\"min_validity_seconds\":3601}")]
    [TestCase("{\"min_validity_seconds\":99999999999}")]
    public async Task Token_MinValidityOutOfRange_422WithTheField(string body)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");

        var problem = await (await TokenAsync(ServiceClientA, patient, "strava", body)).ExpectErrorAsync(HttpStatusCode.UnprocessableEntity, "min_validity_invalid");
        Assert.That(problem.GetProperty("errors").TryGetProperty("min_validity_seconds", out _), Is.True, problem.GetRawText());
    }

    [TestCase("{\"min_validity_seconds\":\"soon\"}")]
    [TestCase("{\"min_validity_seconds\":")]
    public async Task Token_MalformedBody_400(string body)
    {
        var patient = ConnectionsServiceFactory.NewPatientId();
        await SeedOAuthAsync(ProjectA, patient, "strava");

        await (await TokenAsync(ServiceClientA, patient, "strava", body)).ExpectErrorAsync(HttpStatusCode.BadRequest);
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string patient, string provider) =>
        client.GetAsync($"/api/v1/users/{Uri.EscapeDataString(patient)}/connections/{provider}");

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string patient, string provider, string body = "{}") =>
        client.PostAsync($"/api/v1/users/{Uri.EscapeDataString(patient)}/connections/{provider}/token", Json.Raw(body));

    /// <summary>Tokens sealed as the service seals them (its own key ring), for a connection that does not need a provider call.</summary>
    private async Task<OAuthGrant> SealAsync(string projectId, string patient, string provider, string accessToken, string? refreshToken, DateTimeOffset expiresAt)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ConnectionTokens>();
        return tokens.Seal(projectId, Connection.IdFor(projectId, patient, provider),
            new ProviderTokens(accessToken, refreshToken, expiresAt, "read", "pu-" + Guid.NewGuid().ToString("N")[..8], null));
    }
}
