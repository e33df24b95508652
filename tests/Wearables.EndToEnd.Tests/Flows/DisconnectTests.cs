using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Hosting;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// DELETE /api/v1/users/{user_id}/connections/{provider} over real HTTP against the fakes: the
/// connection is revoked and its tokens wiped from every store at once, the grant is revoked at the
/// provider with the right token, and a provider that cannot take it gets retries from a sealed
/// copy (on the service's fake clock) until it does, or until the copy is dropped after 24 h.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class DisconnectTests(StorageMode storage, ConnectionsMode connections)
{
    private static readonly string[] ConnectionFields =
        ["created_at", "id", "last_synced_at", "provider", "provider_user_id", "provider_username", "scope", "status", "updated_at", "user_id"];

    private StorageMode Storage { get; } = storage;

    private ConnectionsMode Connections { get; } = connections;

    /// <summary>An environment of its own, not the shared one: these tests move the service's clock by a day.</summary>
    private FlowEnvironment Env { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync() => Env = await FlowEnvironment.StartAsync(Storage, Connections);

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        if (Env is not null)
        {
            await Env.DisposeAsync();
        }
    }

    [SetUp]
    public async Task ResetFakesAsync()
    {
        await Env.ResetFakesAsync();
        Env.Strava.ResetFaults();
        Env.Polar.ResetFaults();

        // These tests move the service's clock on by days, the fakes keep the real one: a token the
        // service must see as still valid (so revoked as stored, not refreshed first) lives a year.
        Env.Strava.InitialAccessTokenLifetime = TimeSpan.FromDays(365);

        // A revocation ends every token of the provider user: each test has users of its own.
        Env.Strava.AthleteId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
    }

    private static string NewPatientId() => FlowEnvironment.NewPatientId();

    [Test]
    public async Task Disconnect_Strava_DeauthorizesWithTheStoredAccessToken_AndNoStoreKeepsAToken()
    {
        var patientId = NewPatientId();
        var (accessToken, refreshToken) = await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;

        var body = await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);

        var connection = (await Env.FindConnectionAsync("strava", patientId))!;
        var calls = Env.Strava.Revocations.Skip(mark).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), Is.EqualTo(ConnectionFields), body.ToString());
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"));
            Assert.That(body.GetProperty("id").GetString(), Is.EqualTo(connection.Id.ToString("D")));
            Assert.That(body.GetProperty("user_id").GetString(), Is.EqualTo(patientId));
            Assert.That(body.GetProperty("provider_user_id").GetString(), Is.EqualTo(Env.Strava.AthleteId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(body.ToString(), Does.Not.Contain(accessToken).And.Not.Contain(refreshToken).And.Not.Contain("wv1."));

            Assert.That(calls, Has.Count.EqualTo(1), "one deauthorize call");
            Assert.That(calls[0].Path, Is.EqualTo("/oauth/deauthorize"));
            Assert.That(calls[0].AccessToken, Is.EqualTo(accessToken), "the connection's own access token");
            Assert.That(calls[0].StatusCode, Is.EqualTo(200));
            Assert.That(Env.Strava.IsAccessTokenValid(accessToken), Is.False, "the token is dead at the provider");
            Assert.That(Env.Strava.IsRefreshTokenValid(refreshToken), Is.False, "the grant is gone");

            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(connection.TokenExpiresAt, Is.Null);
        }

        await AssertNoTokenStoredAsync(patientId, "strava", connection.Id, accessToken, refreshToken);
        Assert.That(await PendingRawAsync(connection.Id), Is.Null, "nothing is kept for a retry");
    }

    [Test]
    public async Task Disconnect_Strava_WithAnExpiredAccessToken_RefreshesFirst_AndDeauthorizesWithTheFreshToken()
    {
        // An expired token would get Strava's 401, which counts as done while the grant lives on.
        Env.Strava.InitialAccessTokenLifetime = TimeSpan.FromDays(-2);
        var patientId = NewPatientId();
        var (expired, refreshToken) = await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;

        await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);

        var calls = Env.Strava.Revocations.Skip(mark).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Env.Strava.RefreshCallsFor(refreshToken), Is.EqualTo(1), "refreshed once, with the stored refresh token");
            Assert.That(calls, Has.Count.EqualTo(1));
            Assert.That(calls[0].AccessToken, Is.Not.EqualTo(expired), "the fresh token, not the expired one");
            Assert.That(calls[0].StatusCode, Is.EqualTo(200), "the grant itself was revoked");
            Assert.That(Env.Strava.IsRefreshTokenValid(refreshToken), Is.False);
            Assert.That(Env.Strava.CurrentRefreshToken(Env.Strava.AthleteId), Is.Null, "no live grant is left at the provider");
        }
    }

    [Test]
    public async Task Disconnect_Polar_DeletesTheUserWithItsAccessToken_AndNoStoreKeepsAToken()
    {
        var patientId = NewPatientId();
        var accessToken = await ConnectPolarAsync(patientId);
        var mark = Env.Polar.Revocations.Count;

        var body = await (await DeleteAsync(Env.Tenant.Admin, patientId, "polar")).ExpectJsonAsync(HttpStatusCode.OK);

        var calls = Env.Polar.Revocations.Skip(mark).ToList();
        var connection = (await Env.FindConnectionAsync("polar", patientId))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"));
            Assert.That(calls, Has.Count.EqualTo(1));
            Assert.That(calls[0].Method, Is.EqualTo("DELETE"));
            Assert.That(calls[0].Path, Is.EqualTo("/v3/users/" + Env.Polar.XUserId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(calls[0].AccessToken, Is.EqualTo(accessToken));
            Assert.That(calls[0].TokenSource, Is.EqualTo("bearer"));
            Assert.That(calls[0].StatusCode, Is.EqualTo(204));
            Assert.That(Env.Polar.IsAccessTokenValid(accessToken), Is.False);
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
        }

        await AssertNoTokenStoredAsync(patientId, "polar", connection.Id, accessToken, null);
    }

    [Test]
    public async Task Disconnect_Repeated_AnswersTheSame_WithoutASecondProviderCall()
    {
        var patientId = NewPatientId();
        await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;

        var first = await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        var second = await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        var third = await (await DeleteAsync(Env.Tenant.Admin, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.ToString(), Is.EqualTo(first.ToString()));
            Assert.That(third.ToString(), Is.EqualTo(first.ToString()));
            Assert.That(Env.Strava.Revocations.Count - mark, Is.EqualTo(1), "the provider is asked once");
        }
    }

    [Test]
    public async Task Disconnect_Concurrently_AllAnswerRevoked_AndTheProviderIsAskedOnce()
    {
        var patientId = NewPatientId();
        var (accessToken, _) = await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => DeleteAsync(Env.Tenant.Service, patientId, "strava")));

        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            bodies.Add((await answer.ExpectJsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString()!);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bodies, Is.All.EqualTo("revoked"));
            Assert.That(Env.Strava.Revocations.Skip(mark).Select(c => c.AccessToken), Is.EqualTo(new[] { accessToken }), "one wipe wins; only its caller revokes");
            Assert.That(Env.Strava.IsAccessTokenValid(accessToken), Is.False);
            Assert.That(await PendingRawAsync(Connection.IdFor(Env.Tenant.ProjectId, patientId, "strava")), Is.Null);
        }
    }

    [Test]
    public async Task Disconnect_ProviderFailing_RevokesAtOnce_ThenARetryFromTheSealedCopyRevokesAtTheProvider()
    {
        var patientId = NewPatientId();
        var (accessToken, refreshToken) = await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;
        Env.Strava.RevokeFaults.Mode = FakeMode.ServerError;

        var body = await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);

        var connection = (await Env.FindConnectionAsync("strava", patientId))!;
        var pending = await FindPendingAsync(connection.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"), "revoked here whatever the provider said");
            Assert.That(connection.AccessTokenEnvelope, Is.Null, "wiped at once");
            Assert.That(Env.Strava.Revocations.Skip(mark).Where(c => c.AccessToken == accessToken).Select(c => c.StatusCode), Is.EqualTo(new[] { 500 }));
            Assert.That(Env.Strava.IsAccessTokenValid(accessToken), Is.True, "not revoked at the provider yet");
            Assert.That(pending, Is.Not.Null, "a sealed copy waits for the retry");
        }

        // The copy is sealed, for this purpose only: not readable in storage, not openable as a connection's token.
        var raw = await PendingRawAsync(connection.Id);
        Assert.That(raw, Is.Not.Null.And.Contains("wv1.").And.Not.Contains(accessToken).And.Not.Contains(refreshToken));
        Assert.That(await OpensAsync(pending!.AccessTokenEnvelope, new SecretPurpose(connection.ProjectId, ConnectionTokens.ScopeOf(connection.Id), ConnectionTokens.AccessTokenField)), Is.Null);
        Assert.That(await OpensAsync(pending.AccessTokenEnvelope, new SecretPurpose(connection.ProjectId, RevocationTokens.ScopeOf(connection.Id), ConnectionTokens.AccessTokenField)), Is.EqualTo(accessToken));
        await AssertNoTokenStoredAsync(patientId, "strava", connection.Id, accessToken, refreshToken);

        // Not due yet: nothing happens.
        Env.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        await DrainAsync();
        Assert.That(CallsFor(accessToken, mark), Is.EqualTo(1));

        // The provider is back; the retry after the first pause revokes with the same token.
        Env.Strava.RevokeFaults.Reset();
        Env.Host.Clock.Advance(ProviderRevocations.FirstRetryAfter);
        await DrainAsync();
        await EventuallyAsync(async () => await PendingRawAsync(connection.Id) is null && CallsFor(accessToken, mark) == 2, "the retry settles it");

        var retry = Env.Strava.Revocations.Skip(mark).Where(c => c.AccessToken == accessToken).Skip(1).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(retry.AccessToken, Is.EqualTo(accessToken));
            Assert.That(retry.StatusCode, Is.EqualTo(200));
            Assert.That(Env.Strava.IsAccessTokenValid(accessToken), Is.False);
            Assert.That(Env.Host.Logs.Entries.Select(e => e.Message), Has.Some.Contains($"(connection {connection.Id}): Revoked on attempt 2"));
        }

        // Nothing more to do: later drains leave the provider alone.
        Env.Host.Clock.Advance(TimeSpan.FromHours(2));
        await DrainAsync();
        Assert.That(CallsFor(accessToken, mark), Is.EqualTo(2));
        AssertNoSecretInLogs();
    }

    [Test]
    public async Task Disconnect_ProviderUnreachable_TheHostedServiceRetriesWhenTheClockMoves()
    {
        var patientId = NewPatientId();
        var accessToken = await ConnectPolarAsync(patientId);
        var connectionId = Connection.IdFor(Env.Tenant.ProjectId, patientId, "polar");
        await Env.Polar.StopAsync();

        await (await DeleteAsync(Env.Tenant.Service, patientId, "polar")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(await FindPendingAsync(connectionId), Is.Not.Null);

        await Env.Polar.StartAsync();
        var mark = Env.Polar.Revocations.Count;

        // No explicit drain: the service's own background retry wakes on its clock.
        Env.Host.Clock.Advance(ProviderRevocations.FirstRetryAfter + RevocationRetryService.Interval);
        await EventuallyAsync(async () => await PendingRawAsync(connectionId) is null, "the hosted service retried");

        var call = Env.Polar.Revocations.Skip(mark).Single();
        Assert.That(call.AccessToken, Is.EqualTo(accessToken));
        Assert.That(call.StatusCode, Is.EqualTo(204));
        Assert.That(Env.Polar.IsAccessTokenValid(accessToken), Is.False);
    }

    [Test]
    public async Task Disconnect_ProviderFailingFor24Hours_DropsTheSealedCopyFromStorage()
    {
        var patientId = NewPatientId();
        var (accessToken, _) = await ConnectStravaAsync(patientId);
        var connectionId = Connection.IdFor(Env.Tenant.ProjectId, patientId, "strava");
        var mark = Env.Strava.Revocations.Count;
        Env.Strava.RevokeFaults.Mode = FakeMode.ServerError;

        await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        Env.Host.Clock.Advance(ProviderRevocations.FirstRetryAfter);
        await DrainAsync();
        await EventuallyAsync(async () => CallsFor(accessToken, mark) == 2 && (await FindPendingAsync(connectionId))?.Attempts == 2, "a retry, failing too, recorded");
        Assert.That(await FindPendingAsync(connectionId), Has.Property(nameof(PendingRevocation.Attempts)).EqualTo(2));

        Env.Host.Clock.Advance(ProviderRevocations.KeepFor);
        await DrainAsync();
        await EventuallyAsync(async () => await PendingRawAsync(connectionId) is null, "dropped after 24 h");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(CallsFor(accessToken, mark), Is.EqualTo(2), "dropped without asking the provider again");
            Assert.That(Env.Host.Logs.Entries.Select(e => e.Message),
                Has.Some.Contains($"(connection {connectionId}) after 2 attempts: kept for 24 h"));
            Assert.That(Env.Strava.IsAccessTokenValid(accessToken), Is.True, "what 24 h of failures leave: the provider's grant, not our copy");
        }

        AssertNoSecretInLogs();
    }

    [Test]
    public async Task Disconnect_ProviderAnswers401_CountsAsDone_WithoutRetry([Values("strava", "polar")] string provider)
    {
        var patientId = NewPatientId();
        var accessToken = provider == "strava" ? (await ConnectStravaAsync(patientId)).AccessToken : await ConnectPolarAsync(patientId);
        var fake = provider == "strava" ? (OAuthFake)Env.Strava : Env.Polar;
        fake.RevokeUser((provider == "strava" ? Env.Strava.AthleteId : Env.Polar.XUserId).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var mark = fake.Revocations.Count;

        await (await DeleteAsync(Env.Tenant.Service, patientId, provider)).ExpectJsonAsync(HttpStatusCode.OK);

        var connectionId = Connection.IdFor(Env.Tenant.ProjectId, patientId, provider);
        Assert.That(fake.Revocations.Skip(mark).Select(c => (c.AccessToken, c.StatusCode)), Is.EqualTo(new[] { (accessToken, 401) }));
        Assert.That(await PendingRawAsync(connectionId), Is.Null, "nothing left to retry");

        Env.Host.Clock.Advance(ProviderRevocations.FirstRetryAfter);
        await DrainAsync();
        Assert.That(fake.Revocations.Count - mark, Is.EqualTo(1));
    }

    [Test]
    public async Task Reconnect_AfterDisconnect_ReactivatesTheConnectionWithTheNewGrant()
    {
        var patientId = NewPatientId();
        await ConnectStravaAsync(patientId);
        await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);

        var (newAccessToken, _) = await ConnectStravaAsync(patientId);

        var list = await (await Env.Tenant.Service.GetAsync($"/api/v1/users/{patientId}/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        var connection = (await Env.FindConnectionAsync("strava", patientId))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(list.EnumerateArray().Select(c => c.GetProperty("status").GetString()), Is.EqualTo(new[] { "active" }));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(await Env.OpenAccessTokenAsync(connection), Is.EqualTo(newAccessToken));
            Assert.That(Env.Strava.IsAccessTokenValid(newAccessToken), Is.True);
        }

        // And it can be disconnected again.
        var again = await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(again.GetProperty("status").GetString(), Is.EqualTo("revoked"));
        Assert.That(Env.Strava.IsAccessTokenValid(newAccessToken), Is.False);
    }

    [Test]
    public async Task Reconnect_WhileARetryIsPending_DropsTheRetry_SoTheNewGrantSurvives()
    {
        var patientId = NewPatientId();
        await ConnectStravaAsync(patientId);
        var connectionId = Connection.IdFor(Env.Tenant.ProjectId, patientId, "strava");
        Env.Strava.RevokeFaults.Mode = FakeMode.ServerError;
        await (await DeleteAsync(Env.Tenant.Service, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        Env.Strava.RevokeFaults.Reset();
        var (newAccessToken, _) = await ConnectStravaAsync(patientId);
        var mark = Env.Strava.Revocations.Count;

        Env.Host.Clock.Advance(ProviderRevocations.FirstRetryAfter);
        await DrainAsync();
        await EventuallyAsync(async () => await PendingRawAsync(connectionId) is null, "the retry is dropped");

        using (Assert.EnterMultipleScope())
        {
            // Strava's deauthorize ends the athlete's whole grant: revoking the old token now would end the new connection.
            Assert.That(Env.Strava.Revocations.Count, Is.EqualTo(mark), "no call for the old grant");
            Assert.That(Env.Strava.IsAccessTokenValid(newAccessToken), Is.True);
            Assert.That((await Env.FindConnectionAsync("strava", patientId))!.Status, Is.EqualTo(ConnectionStatus.Active));
        }
    }

    [Test]
    public async Task Disconnect_Roles_PatientItself_OtherPatient403_OtherProject404_NoKey401()
    {
        var patientId = NewPatientId();
        await ConnectStravaAsync(patientId);
        var itself = Env.NewClient(await Env.IssueKeyAsync(Env.Tenant.ProjectId, Role.Patient, patientId));
        var other = Env.NewClient(await Env.IssueKeyAsync(Env.Tenant.ProjectId, Role.Patient, NewPatientId()));
        var otherProject = await Env.NewTenantAsync();
        var mark = Env.Strava.Revocations.Count;

        await (await DeleteAsync(other, patientId, "strava")).ExpectProblemAsync(HttpStatusCode.Forbidden, "patient_forbidden");
        var foreign = await (await DeleteAsync(otherProject.Admin, patientId, "strava")).ExpectProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await DeleteAsync(Env.Anonymous, patientId, "strava")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(foreign.GetProperty("detail").GetString(), Is.EqualTo("User not found"));
        Assert.That((await Env.FindConnectionAsync("strava", patientId))!.Status, Is.EqualTo(ConnectionStatus.Active), "refused callers change nothing");
        Assert.That(Env.Strava.Revocations.Count, Is.EqualTo(mark));

        var body = await (await DeleteAsync(itself, patientId, "strava")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"));
    }

    [Test]
    public async Task Disconnect_Unknown_UserOrConnection_Is404()
    {
        var patientId = NewPatientId();
        await ConnectStravaAsync(patientId);

        await (await DeleteAsync(Env.Tenant.Service, patientId, "polar")).ExpectProblemAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await DeleteAsync(Env.Tenant.Service, patientId, "no-such-provider")).ExpectProblemAsync(HttpStatusCode.NotFound, "connection_not_found");
        await (await DeleteAsync(Env.Tenant.Service, NewPatientId(), "strava")).ExpectProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Test]
    public async Task Disconnect_JunctionLink_IsRevokedHereOnly()
    {
        var patientId = NewPatientId();
        var now = Env.Host.Clock.GetUtcNow();
        var link = Connection.Create(Env.Tenant.ProjectId, patientId, "oura", ConnectionSource.Junction, now);
        link.LinkThroughJunction(Guid.NewGuid().ToString(), LinkStatus.Connected, "https://api.junction.example", now);
        await using (var scope = Env.Host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().SaveAsync(link, CancellationToken.None);
        }

        var requests = Env.Strava.Requests.Count + Env.Polar.Requests.Count;

        var body = await (await DeleteAsync(Env.Tenant.Service, patientId, "oura")).ExpectJsonAsync(HttpStatusCode.OK);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("revoked"));
            Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo("oura"));
            Assert.That((await Env.FindConnectionAsync("oura", patientId))!.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(Env.Strava.Requests.Count + Env.Polar.Requests.Count, Is.EqualTo(requests), "no provider was called");
            Assert.That(await PendingRawAsync(link.Id), Is.Null);
        }
    }

    private static Task<HttpResponseMessage> DeleteAsync(HttpClient client, string patientId, string provider) =>
        client.DeleteAsync($"/api/v1/users/{Uri.EscapeDataString(patientId)}/connections/{Uri.EscapeDataString(provider)}");

    private async Task<(string AccessToken, string RefreshToken)> ConnectStravaAsync(string patientId)
    {
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        return (Env.Strava.CurrentAccessToken(Env.Strava.AthleteId)!, Env.Strava.CurrentRefreshToken(Env.Strava.AthleteId)!);
    }

    private async Task<string> ConnectPolarAsync(string patientId)
    {
        await (await Env.CompleteFlowAsync("polar", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        return Env.Polar.CurrentAccessToken(Env.Polar.XUserId)!;
    }

    /// <summary>Runs the service's retry drain once (the hosted service may be draining too: the store's claim keeps them apart).</summary>
    /// <summary>
    /// The revocation calls the fake saw for this access token since <paramref name="mark"/>: the fixture is
    /// shared, so a retry of an earlier test's revocation may run on the same clock advance.
    /// </summary>
    private int CallsFor(string accessToken, int mark) => Env.Strava.Revocations.Skip(mark).Count(c => c.AccessToken == accessToken);

    private Task DrainAsync() => Env.Host.Services.GetRequiredService<RevocationRetryService>().DrainAsync(CancellationToken.None);

    private async Task<PendingRevocation?> FindPendingAsync(Guid connectionId)
    {
        await using var scope = Env.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IPendingRevocationStore>().FindAsync(connectionId, CancellationToken.None);
    }

    private async Task<string?> OpensAsync(string envelope, SecretPurpose purpose)
    {
        await using var scope = Env.Host.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<ISecretProtector>().TryUnprotect(envelope, purpose, out var plaintext) ? plaintext : null;
    }

    /// <summary>The pending revocation of a connection as stored (the SQLite row or the Redis key with its value), or null.</summary>
    private async Task<string?> PendingRawAsync(Guid connectionId)
    {
        var id = connectionId.ToString("D");
        var lines = Storage == StorageMode.Redis
            ? (await StoreDump.RedisEntriesAsync(Env.Host.Options.RedisConnectionString!)).Split('\n').Where(l => l.StartsWith("wearables:{revocations}:revocation:" + id, StringComparison.Ordinal))
            : (await StoreDump.SqliteRowsAsync(Env.Host.DatabasePath)).Split('\n').Where(l => l.StartsWith("pending_revocations:" + id, StringComparison.Ordinal));
        return lines.SingleOrDefault();
    }

    /// <summary>
    /// Read around the service: every SQLite row, every Redis value and (Fhir) the Endpoint resource hold
    /// neither token, and the connection's own record holds no envelope.
    /// </summary>
    private async Task AssertNoTokenStoredAsync(string patientId, string provider, Guid connectionId, string accessToken, string? refreshToken)
    {
        var rows = await StoreDump.SqliteRowsAsync(Env.Host.DatabasePath);
        var redis = Storage == StorageMode.Redis ? await StoreDump.RedisEntriesAsync(Env.Host.Options.RedisConnectionString!) : string.Empty;
        string record;
        if (Connections == ConnectionsMode.Fhir)
        {
            var (raw, resource) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, provider);
            Assert.That(resource.GetProperty("status").GetString(), Is.EqualTo("off"), "FHIR Endpoint status of a revoked connection");
            record = raw;
        }
        else
        {
            record = rows.Split('\n').Single(l => l.StartsWith("connections:" + connectionId.ToString("D"), StringComparison.Ordinal));
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, text) in new[] { ("SQLite", rows), ("Redis", redis), ("connection record", record) })
            {
                Assert.That(text, Does.Not.Contain(accessToken), "access token in " + name);
                if (refreshToken is not null)
                {
                    Assert.That(text, Does.Not.Contain(refreshToken), "refresh token in " + name);
                }
            }

            Assert.That(record, Does.Not.Contain("wv1.").And.Not.Contains("access-token").And.Not.Contains("refresh-token"), "no envelope in " + record);
        }
    }

    private void AssertNoSecretInLogs() =>
        Assert.That(LogPolicy.Leaks(Env.Host.Logs.Entries.Where(LogPolicy.MustBeClean), Env.AllSecrets()), Is.Empty);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting: " + what);
            await Task.Delay(50);
        }
    }
}
