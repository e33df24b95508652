using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// POST /api/v1/users/{user_id}/connections/{provider}/token against the fake providers over
/// loopback: refresh with a rotating refresh token (the old one dies at once), single-flight inside
/// one instance, invalid_grant → expired, transient failures → 502 with a backoff, and no token in
/// any log or other answer.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
public sealed class AccessTokenTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task Token_WithAValidAccessToken_IsAnsweredWithoutARefresh_NoStore()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: false);
        var calls = Env.Strava.RefreshCalls;

        using var response = await TokenAsync(Env.Tenant.Service, patient);
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);

        Assert.Multiple(() =>
        {
            Assert.That(body.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "provider", "user_id", "provider_user_id", "access_token", "token_type", "expires_at", "scope" }));
            Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo("strava"));
            Assert.That(body.GetProperty("user_id").GetString(), Is.EqualTo(patient));
            Assert.That(body.GetProperty("provider_user_id").GetString(), Is.EqualTo(athlete.ToString(CultureInfo.InvariantCulture)));
            Assert.That(body.GetProperty("access_token").GetString(), Is.EqualTo(Env.Strava.CurrentAccessToken(athlete)));
            Assert.That(body.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
            Assert.That(body.GetProperty("expires_at").GetString(), Does.Match(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"));
            Assert.That(body.GetProperty("scope").GetString(), Is.EqualTo(FlowEnvironment.StravaScope));
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "Cache-Control: no-store");
            Assert.That(Env.Strava.RefreshCalls, Is.EqualTo(calls), "no refresh for a token valid 6 h");
        });
    }

    [Test]
    public async Task Token_WhenTheAccessTokenExpired_IsRefreshedStoredWithTheRotatedRefreshTokenAndAnswered()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: true);
        var oldRefresh = Env.Strava.CurrentRefreshToken(athlete)!;

        var body = await (await TokenAsync(Env.Tenant.Service, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        var stored = (await Env.FindConnectionAsync("strava", patient))!;
        var newAccess = Env.Strava.CurrentAccessToken(athlete);
        Assert.Multiple(async () =>
        {
            Assert.That(Env.Strava.RefreshCallsFor(oldRefresh), Is.EqualTo(1));
            Assert.That(newAccess, Is.Not.Null, "the fake handed out a live token");
            Assert.That(body.GetProperty("access_token").GetString(), Is.EqualTo(newAccess));
            Assert.That(Env.Strava.IsRefreshTokenValid(oldRefresh), Is.False, "strict rotation killed the old refresh token");
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(await OpenRefreshTokenAsync(stored), Is.EqualTo(Env.Strava.CurrentRefreshToken(athlete)), "the rotated refresh token is stored");
            Assert.That(await Env.OpenAccessTokenAsync(stored), Is.EqualTo(newAccess));
        });

        // The next call answers the stored token: no second refresh.
        var again = await (await TokenAsync(Env.Tenant.Service, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(again.GetProperty("access_token").GetString(), Is.EqualTo(newAccess));
        Assert.That(Env.Strava.RefreshCallsFor(Env.Strava.CurrentRefreshToken(athlete)!), Is.Zero);
    }

    [Test]
    public async Task Token_MinValidityWithinTheTokensLife_IsAnsweredWithoutARefresh()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: false);
        var first = Env.Strava.CurrentAccessToken(athlete);

        // 3600 s is within a 6 h token's life: no refresh.
        var body = await (await TokenAsync(Env.Tenant.Service, patient, new { min_validity_seconds = 3600 })).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.GetProperty("access_token").GetString(), Is.EqualTo(first));
        Assert.That(Env.Strava.RefreshCallsFor(Env.Strava.CurrentRefreshToken(athlete)!), Is.Zero);
    }

    [Test]
    public async Task Token_FiftyConcurrentCallersOnAnExpiredToken_OneRefreshUpstream_AllGetTheSameNewToken()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: true);
        var oldRefresh = Env.Strava.CurrentRefreshToken(athlete)!;
        var callsBefore = Env.Strava.RefreshCalls;

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await TokenAsync(Env.Tenant.Service, patient);
            return await response.ExpectJsonAsync(HttpStatusCode.OK);
        }));

        var stored = (await Env.FindConnectionAsync("strava", patient))!;
        Assert.Multiple(async () =>
        {
            Assert.That(Env.Strava.RefreshCalls - callsBefore, Is.EqualTo(1), "exactly one refresh call upstream");
            Assert.That(Env.Strava.RefreshCallsFor(oldRefresh), Is.EqualTo(1));
            Assert.That(answers.Select(a => a.GetProperty("access_token").GetString()).Distinct(), Is.EqualTo(new[] { Env.Strava.CurrentAccessToken(athlete) }));
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(await OpenRefreshTokenAsync(stored), Is.EqualTo(Env.Strava.CurrentRefreshToken(athlete)));
        });
    }

    [Test]
    public async Task Token_WhenTheProviderRejectsTheRefreshToken_ConnectionExpires_409_AndTheListSaysExpired()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: true);
        Env.Strava.RevokeUser(athlete.ToString(CultureInfo.InvariantCulture));

        var problem = await (await TokenAsync(Env.Tenant.Service, patient)).ExpectProblemAsync(HttpStatusCode.Conflict, "connection_expired");
        var list = await (await Env.Tenant.Service.GetAsync($"/api/v1/users/{patient}/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        var again = await TokenAsync(Env.Tenant.Service, patient);
        var calls = Env.Strava.RefreshCalls;

        Assert.Multiple(async () =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("connect again"));
            Assert.That(list[0].GetProperty("status").GetString(), Is.EqualTo("expired"));
            Assert.That((await Env.FindConnectionAsync("strava", patient))!.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(Env.Strava.RefreshCalls, Is.EqualTo(calls), "an expired connection is not refreshed again");
        });

        if (Connections == ConnectionsMode.Fhir)
        {
            var (_, endpoint) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Env.Tenant.ProjectId, patient, "strava");
            Assert.That(endpoint.GetProperty("status").GetString(), Is.EqualTo("error"), "the FHIR Endpoint shows expired as error");
        }
    }

    [TestCase(FakeMode.ServerError)]
    [TestCase(FakeMode.TooManyRequests)]
    [TestCase(FakeMode.Slow)]
    [TestCase(FakeMode.Garbage)]
    public async Task Token_WhenTheRefreshFailsForNow_502_StaysActive_AndBacksOff(FakeMode mode)
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: true);
        var oldRefresh = Env.Strava.CurrentRefreshToken(athlete)!;
        Env.Strava.RefreshFaults.Mode = mode;

        var problem = await (await TokenAsync(Env.Tenant.Service, patient)).ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_unavailable");
        var calls = Env.Strava.RefreshCalls;
        Env.Strava.RefreshFaults.Mode = FakeMode.Normal;
        var duringBackoff = await TokenAsync(Env.Tenant.Service, patient);

        var stored = (await Env.FindConnectionAsync("strava", patient))!;
        Assert.Multiple(async () =>
        {
            Assert.That(problem.GetProperty("detail").GetString(), Is.Not.Empty);
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active), "a transient failure never expires a connection");
            Assert.That(await OpenRefreshTokenAsync(stored), Is.EqualTo(oldRefresh), "the stored refresh token is untouched");
            Assert.That(duringBackoff.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway), "within the backoff: 502 at once");
            Assert.That(Env.Strava.RefreshCalls, Is.EqualTo(calls), "no provider call during the backoff");
            Assert.That(Env.Strava.RefreshCallsFor(oldRefresh), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Token_AfterTheBackoff_RefreshesAgain()
    {
        var (patient, athlete) = await ConnectStravaAsync(expired: true);
        Env.Strava.RefreshFaults.FailNext(1);
        await (await TokenAsync(Env.Tenant.Service, patient)).ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_unavailable");

        Env.Host.Clock.Advance(TimeSpan.FromSeconds(31));
        var body = await (await TokenAsync(Env.Tenant.Service, patient)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(body.GetProperty("access_token").GetString(), Is.EqualTo(Env.Strava.CurrentAccessToken(athlete)));
    }

    [Test]
    public async Task Token_ForAPatientCaller_403_AndForAnotherProjectsUser_404()
    {
        var (patient, _) = await ConnectStravaAsync(expired: false);
        using var patientClient = Env.NewClient(await Env.IssueKeyAsync(Env.Tenant.ProjectId, Domain.Security.Role.Patient, patient));
        var other = await Env.NewTenantAsync(credentials: false, enabled: false, redirectOrigins: null);

        await (await TokenAsync(patientClient, patient)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await TokenAsync(other.Admin, patient)).ExpectProblemAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await TokenAsync(Env.Tenant.Admin, patient)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Tokens_NeverAppearInLogsOrInOtherAnswers()
    {
        var (patient, _) = await ConnectStravaAsync(expired: true);
        await (await TokenAsync(Env.Tenant.Service, patient)).ExpectJsonAsync(HttpStatusCode.OK);
        var (expiring, expiringAthlete) = await ConnectStravaAsync(expired: true);
        Env.Strava.RevokeUser(expiringAthlete.ToString(CultureInfo.InvariantCulture));
        var refused = await (await TokenAsync(Env.Tenant.Service, expiring)).Content.ReadAsStringAsync();
        var list = await (await Env.Tenant.Service.GetAsync($"/api/v1/users/{patient}/connections")).Content.ReadAsStringAsync();
        var one = await (await Env.Tenant.Service.GetAsync($"/api/v1/users/{patient}/connections/strava")).Content.ReadAsStringAsync();

        var tokens = Env.IssuedTokens.ToList();
        var entries = Env.Host.Logs.Entries;
        var leaks = LogPolicy.Leaks(entries.Where(LogPolicy.MustBeClean), Env.AllSecrets())
            .Concat(LogPolicy.Leaks(entries, tokens.ToDictionary(t => t, _ => "provider token")))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Env.Host.Logs.Entries.Select(e => e.Message), Has.Some.StartsWith("Refreshed the strava tokens of project " + Env.Tenant.ProjectId));
            Assert.That(Env.Host.Logs.Entries.Select(e => e.Message), Has.Some.StartsWith("The strava connection of project " + Env.Tenant.ProjectId + " expired"));
            Assert.That(leaks, Is.Empty, "no provider token in any captured entry at any level, no other secret where the policy says");
            foreach (var token in tokens)
            {
                Assert.That(list + one + refused, Does.Not.Contain(token));
            }
        });
    }

    private async Task<(string Patient, long Athlete)> ConnectStravaAsync(bool expired)
    {
        var athlete = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Strava.AthleteId = athlete;
        Env.Strava.AthleteUsername = "runner_" + athlete.ToString(CultureInfo.InvariantCulture);

        // Already expired an hour ago by the provider's clock, which is at or after the service's (it never moves unless a test moves it).
        Env.Strava.InitialAccessTokenLifetime = expired ? TimeSpan.FromHours(-1) : null;
        var patient = NewPatientId();
        var (_, response) = await Env.CompleteFlowAsync("strava", patient);
        await response.ExpectJsonAsync(HttpStatusCode.OK);
        Env.Strava.InitialAccessTokenLifetime = null;
        return (patient, athlete);
    }

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string patient, object? body = null) =>
        client.PostAsync($"/api/v1/users/{patient}/connections/strava/token", body is null ? null : Http.Json(body));

    private async Task<string> OpenRefreshTokenAsync(Connection connection)
    {
        await using var scope = Env.Host.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<Application.Connections.ConnectionTokens>();
        return tokens.OpenRefreshToken(connection) ?? "(none)";
    }
}
