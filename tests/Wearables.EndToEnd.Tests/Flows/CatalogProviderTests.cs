using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// The catalog's further providers (Garmin, WHOOP, Oura, Fitbit, Withings, Suunto, Dexcom) over real HTTP against
/// their fakes, one test per behaviour over every provider: connect → callback → the connection listed with the
/// provider's user id (read the provider's way), refresh as the provider rotates, and disconnect with the provider's
/// revocation (or none) and the tokens wiped.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
public sealed class CatalogProviderTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    /// <summary>Live, but within the default minimum validity of a token request (300 s), so the service refreshes it.</summary>
    private static readonly TimeSpan DueLifetime = TimeSpan.FromSeconds(120);

    private static IEnumerable<FakeProviderFacts> Providers => FakeProviderFacts.All;

    [TestCaseSource(nameof(Providers))]
    public async Task ConnectAndCallback_StoreTheConnection_WithTheProvidersUserId_AndListIt(FakeProviderFacts facts)
    {
        var fake = NewUser(facts);
        var patient = NewPatientId();
        var flow = await Env.ConnectAsync(facts.Provider, patient);
        var code = Env.IssueCode(flow);
        var mark = fake.Requests.Count;
        var callback = await Env.Anonymous.GetAsync(Env.CallbackUrl(facts.Provider, flow.State, code));
        await callback.ExpectJsonAsync(HttpStatusCode.OK);

        var connection = (await Env.FindConnectionAsync(facts.Provider, patient))!;
        var list = await (await Env.Tenant.Service.GetAsync($"/api/v1/users/{patient}/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        var listed = list.EnumerateArray().Single();
        var token = FlowEnvironment.RequestsSince(fake, mark).Single(r => r.Path == fake.TokenUrl.AbsolutePath);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(flow.AuthorizationUrl.GetLeftPart(UriPartial.Path), Is.EqualTo(fake.AuthorizeUrl.ToString()));
            Assert.That(flow.Query["client_id"], Is.EqualTo(fake.ClientId));
            Assert.That(flow.Query.ContainsKey("code_challenge"), Is.EqualTo(facts.Provider is "garmin" or "fitbit"), "PKCE where required or supported");
            Assert.That(flow.Query.GetValueOrDefault("code_challenge_method"), Is.EqualTo(flow.Query.ContainsKey("code_challenge") ? "S256" : null));
            Assert.That(flow.Query.GetValueOrDefault("scope"), Is.EqualTo(ExpectedScope(facts.Provider)));
            Assert.That(token.Form.ContainsKey("client_secret"), Is.EqualTo(facts.ClientAuth == FakeClientAuth.FormBody), "the provider's client authentication");
            Assert.That(token.Form.GetValueOrDefault("action"), Is.EqualTo(facts.WithingsDialect ? "requesttoken" : null));

            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.ProviderUserId, Is.EqualTo(fake.UserId));
            Assert.That(connection.ProviderUsername, Is.EqualTo(facts.UserIdSource == FakeUserIdSource.AccessTokenClaims ? fake.Username : null));
            Assert.That(connection.TokenExpiresAt, Is.Not.Null, "the provider's token lifetime");
            Assert.That(await Env.OpenAccessTokenAsync(connection), Is.EqualTo(fake.CurrentAccessToken(fake.UserId)));
            Assert.That(listed.GetProperty("provider").GetString(), Is.EqualTo(facts.Provider));
            Assert.That(listed.GetProperty("provider_user_id").GetString(), Is.EqualTo(fake.UserId));
            Assert.That(listed.GetProperty("status").GetString(), Is.EqualTo("active"));
        }
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Refresh_OfADueToken_StoresTheProvidersNewPair_AndTheNextRefreshUsesIt(FakeProviderFacts facts)
    {
        var (fake, patient) = await ConnectAsync(facts, expired: true);
        var first = fake.CurrentRefreshToken(fake.UserId)!;

        // Refreshed tokens are due again at once: the second refresh must present the rotated token
        // (with strict rotation the old one would be refused).
        fake.AccessTokenLifetime = DueLifetime;
        try
        {
            await RefreshTwiceAsync(facts, fake, patient, first);
        }
        finally
        {
            fake.AccessTokenLifetime = TimeSpan.FromSeconds(facts.AccessTokenLifetimeSeconds);
        }
    }

    private async Task RefreshTwiceAsync(FakeProviderFacts facts, FakeCatalogProvider fake, string patient, string first)
    {
        var body = await (await TokenAsync(patient, facts.Provider)).ExpectJsonAsync(HttpStatusCode.OK);
        var second = fake.CurrentRefreshToken(fake.UserId)!;
        var stored = (await Env.FindConnectionAsync(facts.Provider, patient))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("access_token").GetString(), Is.EqualTo(fake.CurrentAccessToken(fake.UserId)));
            Assert.That(body.GetProperty("provider_user_id").GetString(), Is.EqualTo(fake.UserId), "kept across the refresh");
            Assert.That(fake.RefreshCallsFor(first), Is.EqualTo(1));
            Assert.That(fake.IsRefreshTokenValid(first), Is.EqualTo(facts.Rotation != RefreshRotation.RotateStrict), "WHOOP's old refresh token dies at once");
            Assert.That(await OpenRefreshTokenAsync(stored), Is.EqualTo(second), "the rotated refresh token is stored");
        }

        var again = await (await TokenAsync(patient, facts.Provider)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(fake.RefreshCallsFor(second), Is.EqualTo(1));
        Assert.That(again.GetProperty("access_token").GetString(), Is.EqualTo(fake.CurrentAccessToken(fake.UserId)));
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Refresh_RefusedByTheProvider_ExpiresTheConnection(FakeProviderFacts facts)
    {
        var (fake, patient) = await ConnectAsync(facts, expired: true);
        fake.RevokeUser(fake.UserId);

        await (await TokenAsync(patient, facts.Provider)).ExpectProblemAsync(HttpStatusCode.Conflict, "connection_expired");
        Assert.That((await Env.FindConnectionAsync(facts.Provider, patient))!.Status, Is.EqualTo(ConnectionStatus.Expired));
    }

    [TestCase(FakeCatalogProvider.WithingsInvalidToken, true)]
    [TestCase(283, true)]
    [TestCase(601, false)]
    [TestCase(FakeCatalogProvider.WithingsInvalidParams, false)]
    [TestCase(2555, false)]
    public async Task Withings_RefreshErrorInsideHttp200_IsExpiredOnlyForAnInvalidTokenStatus(int status, bool expired)
    {
        var (fake, patient) = await ConnectAsync(FakeProviderFacts.Withings, expired: true);
        fake.WithingsRefreshStatus = status;

        var answer = await TokenAsync(patient, "withings");
        if (expired)
        {
            await answer.ExpectProblemAsync(HttpStatusCode.Conflict, "connection_expired");
        }
        else
        {
            await answer.ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_unavailable");
        }

        Assert.Multiple(async () =>
        {
            Assert.That(fake.RefreshCalls, Is.GreaterThanOrEqualTo(1));
            Assert.That((await Env.FindConnectionAsync("withings", patient))!.Status, Is.EqualTo(expired ? ConnectionStatus.Expired : ConnectionStatus.Active));
        });
    }

    [TestCaseSource(nameof(Providers))]
    public async Task Disconnect_RevokesTheWayTheProviderDoes_OrNotAtAll_AndWipesTheTokens(FakeProviderFacts facts)
    {
        var (fake, patient) = await ConnectAsync(facts, expired: false);
        var accessToken = fake.CurrentAccessToken(fake.UserId)!;
        var refreshToken = fake.CurrentRefreshToken(fake.UserId);
        var mark = fake.Revocations.Count;

        var body = await (await Env.Tenant.Service.DeleteAsync($"/api/v1/users/{patient}/connections/{facts.Provider}")).ExpectJsonAsync(HttpStatusCode.OK);

        var connection = (await Env.FindConnectionAsync(facts.Provider, patient))!;
        var calls = fake.Revocations.Skip(mark).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            if (facts.Revocation == FakeRevocation.None)
            {
                Assert.That(calls, Is.Empty, "the provider has no revocation");
                Assert.That(fake.IsAccessTokenValid(accessToken), Is.True, "only wiped on our side");
            }
            else
            {
                Assert.That(calls, Has.Count.EqualTo(1));
                Assert.That(calls[0].Path, Is.EqualTo(fake.RevokeUrl!.AbsolutePath));
                Assert.That(calls[0].AccessToken, Is.EqualTo(accessToken));
                Assert.That(calls[0].StatusCode, Is.InRange(200, 204));
                Assert.That(fake.IsAccessTokenValid(accessToken), Is.False, "dead at the provider");
                Assert.That(refreshToken is null || !fake.IsRefreshTokenValid(refreshToken), Is.True, "the grant is gone");
            }

            // Oura's revocation carries the token in its query: no log line at any level may show it (nor any other token).
            var tokens = fake.IssuedAccessTokens.Concat(fake.IssuedRefreshTokens).Distinct().ToDictionary(t => t, _ => "provider token");
            Assert.That(LogPolicy.Leaks(Env.Host.Logs.Entries, tokens), Is.Empty);
        }
    }

    /// <summary>The scopes the catalog asks for, in the provider's separator (none where the provider takes none in the URL).</summary>
    private static string? ExpectedScope(string provider) => provider switch
    {
        "whoop" => "offline read:recovery read:cycles read:workout read:sleep read:profile read:body_measurement",
        "oura" => "personal daily heartrate workout session spo2Daily",
        "fitbit" => "activity heartrate sleep profile weight",
        "withings" => "user.info,user.metrics,user.activity,user.sleepevents",
        "dexcom" => "offline_access",
        _ => null,
    };

    /// <summary>A fresh user at the provider's fake, so that connections of different tests never share one.</summary>
    private FakeCatalogProvider NewUser(FakeProviderFacts facts)
    {
        var fake = Env.Catalog[facts.Provider];
        var number = Random.Shared.NextInt64(1_000_000, 9_000_000_000).ToString(CultureInfo.InvariantCulture);
        fake.UserId = facts.NumericUserId ? number : $"{facts.Provider}-{number}";
        fake.Username = "user_" + number;
        return fake;
    }

    private async Task<(FakeCatalogProvider Fake, string Patient)> ConnectAsync(FakeProviderFacts facts, bool expired)
    {
        var fake = NewUser(facts);

        // Still valid (a profile call needs it) but due for a refresh at the next token request.
        fake.InitialAccessTokenLifetime = expired ? DueLifetime : null;
        var patient = NewPatientId();
        var (_, response) = await Env.CompleteFlowAsync(facts.Provider, patient);
        await response.ExpectJsonAsync(HttpStatusCode.OK);
        fake.InitialAccessTokenLifetime = null;
        return (fake, patient);
    }

    private Task<HttpResponseMessage> TokenAsync(string patient, string provider) =>
        Env.Tenant.Service.PostAsync($"/api/v1/users/{patient}/connections/{provider}/token", null);

    private async Task<string> OpenRefreshTokenAsync(Connection connection)
    {
        await using var scope = Env.Host.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<Application.Connections.ConnectionTokens>().OpenRefreshToken(connection) ?? "(none)";
    }
}
