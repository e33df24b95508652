using System.Net;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>What a successful callback leaves behind: the connection as the service reads it, and (Fhir mode) the Endpoint resource itself.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class StoredConnectionTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task StravaConnection_IsStoredActiveWithAthleteScopeAndEncryptedTokens()
    {
        var athleteId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Strava.AthleteId = athleteId;
        Env.Strava.AthleteUsername = "runner_" + athleteId;
        var patientId = NewPatientId();

        var (_, response) = await Env.CompleteFlowAsync("strava", patientId);
        await response.ExpectJsonAsync(HttpStatusCode.OK);
        var accessToken = Env.Strava.IssuedAccessTokens.Last();
        var refreshToken = Env.Strava.IssuedRefreshTokens.Last();

        var connection = await Env.FindConnectionAsync("strava", patientId);
        Assert.That(connection, Is.Not.Null);
        Assert.Multiple(async () =>
        {
            Assert.That(connection!.Id, Is.EqualTo(Connection.IdFor(Env.Tenant.ProjectId, patientId, "strava")));
            Assert.That(connection.ProjectId, Is.EqualTo(Env.Tenant.ProjectId));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.Source, Is.EqualTo(ConnectionSource.OAuth));
            Assert.That(connection.ProviderUserId, Is.EqualTo(athleteId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(connection.ProviderUsername, Is.EqualTo("runner_" + athleteId));
            Assert.That(connection.Scope, Is.EqualTo(FlowEnvironment.StravaScope));
            Assert.That(connection.Address.TrimEnd('/'), Is.EqualTo(Env.Strava.ApiBaseUrl.ToString().TrimEnd('/')));
            Assert.That(connection.TokenExpiresAt, Is.Not.Null);
            Assert.That(connection.AccessTokenEnvelope, Is.Not.Null.And.Not.Empty);
            Assert.That(connection.AccessTokenEnvelope, Does.Not.Contain(accessToken));
            Assert.That(connection.RefreshTokenEnvelope, Is.Not.Null.And.Not.Empty);
            Assert.That(connection.RefreshTokenEnvelope, Does.Not.Contain(refreshToken));
            Assert.That(await OpenAccessTokenAsync(connection), Is.EqualTo(accessToken), "the envelope holds the provider's token");
        });
    }

    [Test]
    public async Task PolarConnection_IsStoredActiveWithXUserIdAndNoRefreshToken()
    {
        var userId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = userId;
        var patientId = NewPatientId();

        var (_, response) = await Env.CompleteFlowAsync("polar", patientId);
        await response.ExpectJsonAsync(HttpStatusCode.OK);
        var accessToken = Env.Polar.IssuedAccessTokens.Last();

        var connection = await Env.FindConnectionAsync("polar", patientId);
        Assert.That(connection, Is.Not.Null);
        Assert.Multiple(async () =>
        {
            Assert.That(connection!.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.ProviderUserId, Is.EqualTo(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(connection.Scope, Is.EqualTo(Wearables.Fakes.FakePolar.Scope));
            Assert.That(connection.Address.TrimEnd('/'), Is.EqualTo(Env.Polar.ApiBaseUrl.ToString().TrimEnd('/')));
            Assert.That(connection.AccessTokenEnvelope, Is.Not.Null.And.Not.Empty);
            Assert.That(connection.AccessTokenEnvelope, Does.Not.Contain(accessToken));
            Assert.That(connection.RefreshTokenEnvelope, Is.Null, "Polar issues no refresh token");
            Assert.That(connection.TokenExpiresAt, Is.GreaterThan(Env.Host.Clock.GetUtcNow().AddDays(300)), "expires_in of about a year");
            Assert.That(await OpenAccessTokenAsync(connection), Is.EqualTo(accessToken));
        });
    }

    [Test]
    public async Task Connection_IsListedForThePatient_WithoutTokens()
    {
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        await (await Env.CompleteFlowAsync("polar", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);

        var response = await Env.Tenant.Service.GetAsync($"/api/v1/users/{patientId}/connections");
        var text = await response.Content.ReadAsStringAsync();
        var list = await response.ExpectJsonAsync(HttpStatusCode.OK);

        Assert.Multiple(() =>
        {
            Assert.That(list.EnumerateArray().Select(c => c.GetProperty("provider").GetString()), Is.EquivalentTo(new[] { "strava", "polar" }));
            Assert.That(list.EnumerateArray().Select(c => c.GetProperty("status").GetString()), Is.All.EqualTo("active"));
            foreach (var token in Env.IssuedTokens)
            {
                Assert.That(text, Does.Not.Contain(token));
            }
        });
    }

    [Test]
    public async Task Reconnect_ReplacesTheTokensAndKeepsOneConnection()
    {
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        var first = await Env.FindConnectionAsync("strava", patientId);
        var firstToken = Env.Strava.IssuedAccessTokens.Last();

        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        var second = await Env.FindConnectionAsync("strava", patientId);
        var secondToken = Env.Strava.IssuedAccessTokens.Last();

        Assert.Multiple(async () =>
        {
            Assert.That(secondToken, Is.Not.EqualTo(firstToken));
            Assert.That(second!.Id, Is.EqualTo(first!.Id));
            Assert.That(second.AccessTokenEnvelope, Is.Not.EqualTo(first.AccessTokenEnvelope));
            Assert.That(second.RefreshTokenEnvelope, Is.Not.EqualTo(first.RefreshTokenEnvelope));
            Assert.That(await OpenAccessTokenAsync(second), Is.EqualTo(secondToken));
            Assert.That(second.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(await Env.ListConnectionsAsync(patientId), Has.Count.EqualTo(1));
        });

        if (Connections == ConnectionsMode.Fhir)
        {
            var bundle = await FhirDirect.SearchByPatientAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId);
            Assert.That(FhirDirect.EntryCount(bundle), Is.EqualTo(1), "one Endpoint resource");
            var (_, resource) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, "strava");
            Assert.That(resource.GetProperty("status").GetString(), Is.EqualTo("active"));
        }
    }

    private Task<string> OpenAccessTokenAsync(Connection connection) => Env.OpenAccessTokenAsync(connection);
}
