using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Hosting;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// Inbound webhooks over real HTTP against the fakes: the subscriptions the service creates
/// (Strava checks the callback URL with a challenge during the POST; Polar pings it first), the
/// Strava handshake, Polar signatures over the exact bytes, deauthorization (revoked, tokens wiped
/// in every store, a later connect re-activates), tenancy, repeated deliveries applied once, and
/// the edge's 413/415/400. Each test works in a project of its own, the fakes' subscriptions cleared.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
public sealed class WebhookTests(StorageMode storage, ConnectionsMode connections)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private FlowEnvironment Env { get; set; } = null!;

    private Tenant Tenant { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync() => Env = await FlowEnvironment.StartAsync(storage, connections);

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        if (Env is not null)
        {
            await Env.DisposeAsync();
        }
    }

    [SetUp]
    public async Task NewTenantAsync()
    {
        await Env.ResetFakesAsync();
        Env.Strava.ClearPushSubscription();
        Env.Polar.ClearWebhook();
        Env.Strava.AthleteId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Tenant = await Env.NewTenantAsync();
    }

    [Test]
    public async Task StravaSubscription_IsCheckedWithAChallengeDuringThePost_AndGetAndDeleteFollowIt()
    {
        var mark = Env.Strava.Webhooks.Calls.Count;
        var body = await (await Tenant.Admin.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);

        var handshakes = Env.Strava.Webhooks.Calls.Skip(mark).ToList();
        var callbackUrl = $"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/strava/webhooks/{Tenant.ProjectId}";
        var verifyToken = QueryHelpers.ParseQuery(handshakes.Single().Url.Query)["hub.verify_token"].ToString();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo("strava"));
            Assert.That(body.GetProperty("subscribed").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("callbackUrl").GetString(), Is.EqualTo(callbackUrl));
            Assert.That(body.GetProperty("subscriptionId").GetString(), Is.EqualTo(Env.Strava.PushSubscription!.Id.ToString(CultureInfo.InvariantCulture)));
            Assert.That(handshakes.Single().StatusCode, Is.EqualTo(200), "the handshake answered while Strava's POST was open");
            Assert.That(Env.Strava.PushSubscription.CallbackUrl, Is.EqualTo(callbackUrl));
            Assert.That(verifyToken, Has.Length.GreaterThanOrEqualTo(32), "a generated verify token");
            Assert.That(body.ToString(), Does.Not.Contain(verifyToken));
        }

        await AssertNotStoredAsync(verifyToken, "verify token");
        var credentials = await (await Tenant.Admin.GetAsync("/v1/wearables/strava/credentials")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(credentials.GetProperty("hasWebhookSecret").GetBoolean(), Is.True, "the verify token is the project's webhook secret");

        var again = await (await Tenant.Admin.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);
        var read = await (await Tenant.Admin.GetAsync("/v1/wearables/strava/webhook-subscription")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That((again.ToString(), read.ToString()), Is.EqualTo((body.ToString(), body.ToString())), "PUT again and GET answer the same subscription");

        var deleted = await (await Tenant.Admin.DeleteAsync("/v1/wearables/strava/webhook-subscription")).ExpectJsonAsync(HttpStatusCode.OK);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(deleted.GetProperty("subscribed").GetBoolean(), Is.False);
            Assert.That(deleted.GetProperty("subscriptionId").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(deleted.GetProperty("callbackUrl").GetString(), Is.EqualTo(callbackUrl));
            Assert.That(Env.Strava.PushSubscription, Is.Null, "deleted at Strava");
        }

        await (await HandshakeAsync(Tenant.ProjectId, verifyToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "webhook_verify_token_invalid");
    }

    [Test]
    public async Task StravaSubscription_RefusedByStrava_Is502_WithStravasReason_AndNoSecret()
    {
        // One subscription per application: another project of the same app holds it.
        var other = await Env.NewTenantAsync();
        await (await other.Admin.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);

        var problem = await (await Tenant.Admin.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectProblemAsync(HttpStatusCode.BadGateway, "provider_refused");
        var state = await (await Tenant.Admin.GetAsync("/v1/wearables/strava/webhook-subscription")).ExpectJsonAsync(HttpStatusCode.OK);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("already exists"));
            Assert.That(problem.ToString(), Does.Not.Contain(Env.Strava.ClientSecret));
            Assert.That(state.GetProperty("subscribed").GetBoolean(), Is.False);
        }

        await (await Env.Anonymous.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await Tenant.Service.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task StravaHandshake_AnswersTheChallenge_OnlyForTheProjectsVerifyToken()
    {
        var verifyToken = await SubscribeStravaAsync();
        var other = await Env.NewTenantAsync();

        var right = await (await HandshakeAsync(Tenant.ProjectId, verifyToken)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(right.ToString(), Is.EqualTo("{\"hub.challenge\":\"chal-123\"}"));
        await (await HandshakeAsync(Tenant.ProjectId, verifyToken + "x")).ExpectProblemAsync(HttpStatusCode.Forbidden, "webhook_verify_token_invalid");
        await (await HandshakeAsync(Tenant.ProjectId, null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await HandshakeAsync(other.ProjectId, verifyToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "webhook_verify_token_invalid");
        await (await HandshakeAsync(Tenant.ProjectId, verifyToken, mode: "unsubscribe")).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task StravaDeauthorization_RevokesAndWipesTokens_WithoutCallingStrava_AndALaterConnectReactivates()
    {
        await SubscribeStravaAsync();
        var patientId = FlowEnvironment.NewPatientId();
        var athlete = Env.Strava.AthleteId;
        await ConnectAsync(Tenant, "strava", patientId);
        var accessToken = Env.Strava.CurrentAccessToken(athlete)!;
        var refreshToken = Env.Strava.CurrentRefreshToken(athlete)!;
        var revocations = Env.Strava.Revocations.Count;

        var answer = await Env.Strava.SendDeauthorizationAsync(athlete);
        Assert.That((answer.StatusCode, answer.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();

        var connection = (await Env.FindConnectionAsync("strava", patientId, Tenant.ProjectId))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(Env.Strava.Revocations, Has.Count.EqualTo(revocations), "Strava is not called back");
        }

        await AssertNotStoredAsync(accessToken, "access token");
        await AssertNotStoredAsync(refreshToken, "refresh token");
        await AssertRecordHasNoEnvelopeAsync(patientId, "strava", connection.Id);
        var listed = await (await Tenant.Service.GetAsync($"/api/v1/users/{patientId}/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed[0].GetProperty("status").GetString(), Is.EqualTo("revoked"));

        await ConnectAsync(Tenant, "strava", patientId);
        Assert.That((await Env.FindConnectionAsync("strava", patientId, Tenant.ProjectId))!.Status, Is.EqualTo(ConnectionStatus.Active), "a later connect re-activates");

        // Strava retries a delivery it thinks failed: the same bytes again change nothing.
        var replay = await Env.Strava.Webhooks.PostJsonAsync(new Uri(Env.Strava.PushSubscription!.CallbackUrl), Encoding.UTF8.GetBytes(answer.Body!));
        Assert.That(replay.ResponseBody, Is.EqualTo("{\"status\":\"duplicate\"}"));
        await DrainAsync();
        Assert.That((await Env.FindConnectionAsync("strava", patientId, Tenant.ProjectId))!.Status, Is.EqualTo(ConnectionStatus.Active), "the repeat was not applied");
    }

    [Test]
    public async Task StravaEvents_RecordTheLastEventTime_OnlyForTheProjectsOwnAthletesAndSubscription()
    {
        await SubscribeStravaAsync();
        var other = await Env.NewTenantAsync();
        var patientId = FlowEnvironment.NewPatientId();
        var ours = Env.Strava.AthleteId;
        await ConnectAsync(Tenant, "strava", patientId);
        var otherPatient = FlowEnvironment.NewPatientId();
        var theirs = Env.Strava.AthleteId = ours + 1;
        await ConnectAsync(other, "strava", otherPatient);
        var theirsBefore = (await Env.FindConnectionAsync("strava", otherPatient, other.ProjectId))!;

        var eventTime = Env.Host.Clock.GetUtcNow().AddMinutes(-3).ToUnixTimeSeconds();
        Assert.That((await Env.Strava.SendActivityCreatedAsync(ours, 1360128428, eventTime: eventTime)).StatusCode, Is.EqualTo(200));

        // The other project's athlete on this project's URL, and a deauthorization for them: nothing changes anywhere.
        Assert.That((await Env.Strava.SendActivityCreatedAsync(theirs, 99)).ResponseBody, Is.EqualTo("{\"status\":\"queued\"}"));
        Assert.That((await Env.Strava.SendDeauthorizationAsync(theirs)).StatusCode, Is.EqualTo(200));

        // An event of another subscription (not this project's) is ignored.
        var url = new Uri(Env.Strava.PushSubscription!.CallbackUrl);
        var foreign = Env.Strava.EventBody("athlete", "update", ours, ours, new Dictionary<string, string> { ["authorized"] = "false" }, Env.Strava.PushSubscription.Id + 1);
        Assert.That((await Env.Strava.Webhooks.PostJsonAsync(url, foreign)).ResponseBody, Is.EqualTo("{\"status\":\"ignored\"}"));
        await DrainAsync();

        var mine = (await Env.FindConnectionAsync("strava", patientId, Tenant.ProjectId))!;
        var theirsAfter = (await Env.FindConnectionAsync("strava", otherPatient, other.ProjectId))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(mine.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(mine.LastEventAt, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(eventTime)), "the event's time is the connection's last event time");
            Assert.That(theirsAfter.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(theirsAfter.LastEventAt, Is.Null);
            Assert.That(theirsAfter.Version, Is.EqualTo(theirsBefore.Version), "the other project's connection was not written");
        }
    }

    [Test]
    public async Task PolarSubscription_PingsFirst_ThenSignedEvents_RecordTheLastEventTime_AndARepeatIsAppliedOnce()
    {
        var mark = Env.Polar.Webhooks.Calls.Count;
        var body = await (await Tenant.Admin.PutAsync("/v1/wearables/polar/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);
        var webhook = Env.Polar.Webhook!;
        var ping = Env.Polar.Webhooks.Calls.Skip(mark).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.GetProperty("subscribed").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("subscriptionId").GetString(), Is.EqualTo(webhook.Id));
            Assert.That(webhook.Url, Is.EqualTo($"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/polar/webhooks/{Tenant.ProjectId}"));
            Assert.That((ping.StatusCode, ping.ResponseBody), Is.EqualTo((200, "{\"status\":\"ping\"}")), "the PING came first, before the service had the key");
            Assert.That(body.ToString(), Does.Not.Contain(webhook.SignatureSecretKey));
        }

        await AssertNotStoredAsync(webhook.SignatureSecretKey, "Polar signature key");
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "polar", patientId);

        var sent = await Env.Polar.SendEventAsync("EXERCISE", Env.Polar.XUserId, "aQlC83");
        Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();
        var first = (await Env.FindConnectionAsync("polar", patientId, Tenant.ProjectId))!;
        Assert.That(first.LastEventAt, Is.Not.Null, "the event was applied");

        var replay = await Env.Polar.SendSignedAsync(new Uri(webhook.Url), Encoding.UTF8.GetBytes(sent.Body!), webhook.SignatureSecretKey, "EXERCISE");
        Assert.That((replay.StatusCode, replay.ResponseBody), Is.EqualTo((200, "{\"status\":\"duplicate\"}")));
        Assert.That(await DrainAsync(), Is.Zero, "nothing was queued by the repeat");
        Assert.That((await Env.FindConnectionAsync("polar", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(first.Version), "not written again");
    }

    [Test]
    public async Task PolarSignature_MissingWrongOrOverAReserializedBody_Is401_AndAPingIs200WhateverItsSignature()
    {
        await (await Tenant.Admin.PutAsync("/v1/wearables/polar/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);
        var webhook = Env.Polar.Webhook!;
        var url = new Uri(webhook.Url);
        var body = Env.Polar.EventBody("SLEEP", Env.Polar.XUserId, "s1");
        var signature = FakePolar.Sign(webhook.SignatureSecretKey, body);

        var missing = await Env.Polar.Webhooks.PostJsonAsync(url, body, new Dictionary<string, string> { ["Polar-Webhook-Event"] = "SLEEP" });
        var wrong = await Env.Polar.SendSignedAsync(url, body, webhook.SignatureSecretKey + "x", "SLEEP");
        var reserialized = JsonSerializer.SerializeToUtf8Bytes(JsonDocument.Parse(body).RootElement, Indented);
        var moved = await Env.Polar.Webhooks.PostJsonAsync(url, reserialized, new Dictionary<string, string> { ["Polar-Webhook-Event"] = "SLEEP", ["Polar-Webhook-Signature"] = signature });
        var otherProject = await Env.NewTenantAsync();
        var elsewhere = await Env.Polar.SendSignedAsync(new Uri(url.ToString().Replace(Tenant.ProjectId, otherProject.ProjectId, StringComparison.Ordinal)), body, webhook.SignatureSecretKey, "SLEEP");
        var ping = await Env.Polar.SendSignedAsync(url, Encoding.UTF8.GetBytes("{\"event\":\"PING\",\"timestamp\":\"2026-12-01T10:00:00Z\"}"), "not-the-key", "PING");
        var right = await Env.Polar.Webhooks.PostJsonAsync(url, body, new Dictionary<string, string> { ["Polar-Webhook-Event"] = "SLEEP", ["Polar-Webhook-Signature"] = signature.ToUpperInvariant() });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401), "missing");
            Assert.That(wrong.StatusCode, Is.EqualTo(401), "wrong key");
            Assert.That(moved.StatusCode, Is.EqualTo(401), "the signature is over the exact bytes, not their meaning");
            Assert.That(elsewhere.StatusCode, Is.EqualTo(401), "another project's secret");
            Assert.That(missing.ResponseBody, Does.Contain("webhook_signature_invalid"));
            Assert.That(ping.StatusCode, Is.EqualTo(200), "PING");
            Assert.That(right.StatusCode, Is.EqualTo(200), "the right signature (hex in any case)");
        }
    }

    [Test]
    public async Task Edge_OverSizedBody413_WrongContentType415_MalformedJson400_UnknownProvider404()
    {
        await SubscribeStravaAsync();
        await (await Tenant.Admin.PutAsync("/v1/wearables/polar/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);
        var strava = new Uri(Env.Strava.PushSubscription!.CallbackUrl);
        var polar = Env.Polar.Webhook!;

        var big = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('a', 256 * 1024) + "\"}");
        await (await PostAsync(strava, big, "application/json")).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await (await PostAsync(strava, "{}"u8.ToArray(), "text/plain")).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await PostAsync(strava, "{}"u8.ToArray(), null)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await PostAsync(strava, "{\"owner_id\":"u8.ToArray(), "application/json")).ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        await (await PostAsync(strava, "{\"owner_id\":1}"u8.ToArray(), "application/json")).ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");

        var malformed = "[1,2"u8.ToArray();
        var signed = await Env.Polar.SendSignedAsync(new Uri(polar.Url), malformed, polar.SignatureSecretKey, "EXERCISE");
        Assert.That(signed.StatusCode, Is.EqualTo(400), "signed, but not an event");

        await (await PostAsync(new Uri(Env.Host.BaseUrl, "/v1/wearables/nope/webhooks/" + Tenant.ProjectId), "{}"u8.ToArray(), "application/json")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await PostAsync(new Uri(Env.Host.BaseUrl, "/v1/wearables/strava/webhooks/bad%20project"), "{}"u8.ToArray(), "application/json")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>The verify token Strava was given when the project subscribed.</summary>
    private async Task<string> SubscribeStravaAsync()
    {
        var mark = Env.Strava.Webhooks.Calls.Count;
        await (await Tenant.Admin.PutAsync("/v1/wearables/strava/webhook-subscription", null)).ExpectJsonAsync(HttpStatusCode.OK);
        return QueryHelpers.ParseQuery(Env.Strava.Webhooks.Calls.Skip(mark).First().Url.Query)["hub.verify_token"].ToString();
    }

    private Task<HttpResponseMessage> HandshakeAsync(string projectId, string? verifyToken, string mode = "subscribe")
    {
        var query = new Dictionary<string, string?> { ["hub.mode"] = mode, ["hub.challenge"] = "chal-123" };
        if (verifyToken is not null)
        {
            query["hub.verify_token"] = verifyToken;
        }

        return Env.Anonymous.GetAsync(QueryHelpers.AddQueryString($"/v1/wearables/strava/webhooks/{projectId}", query));
    }

    private Task<HttpResponseMessage> PostAsync(Uri url, byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        return Env.Anonymous.PostAsync(url, content);
    }

    private async Task ConnectAsync(Tenant tenant, string provider, string patientId)
    {
        var flow = await Env.ConnectAsync(provider, patientId, client: tenant.Service);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, Env.IssueCode(flow)))).ExpectJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Waits for the work the answers left: the service's own drain, which takes turns with the background one.</summary>
    private Task<int> DrainAsync() => Env.Host.Services.GetRequiredService<WebhookInboxService>().DrainAsync(CancellationToken.None);

    /// <summary>Neither the SQLite file, nor Redis, nor (Fhir) the FHIR server holds <paramref name="secret"/> in plaintext.</summary>
    private async Task AssertNotStoredAsync(string secret, string what)
    {
        var rows = await StoreDump.SqliteRowsAsync(Env.Host.DatabasePath);
        var redis = storage == StorageMode.Redis ? await StoreDump.RedisEntriesAsync(Env.Host.Options.RedisConnectionString!) : string.Empty;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Does.Not.Contain(secret), what + " in SQLite");
            Assert.That(redis, Does.Not.Contain(secret), what + " in Redis");
        }
    }

    private async Task AssertRecordHasNoEnvelopeAsync(string patientId, string provider, Guid connectionId)
    {
        string record;
        if (connections == ConnectionsMode.Fhir)
        {
            var (raw, resource) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Tenant.ProjectId, patientId, provider);
            Assert.That(resource.GetProperty("status").GetString(), Is.EqualTo("off"), "FHIR Endpoint status of a revoked connection");
            record = raw;
        }
        else
        {
            record = (await StoreDump.SqliteRowsAsync(Env.Host.DatabasePath)).Split('\n').Single(l => l.StartsWith("connections:" + connectionId.ToString("D"), StringComparison.Ordinal));
        }

        Assert.That(record, Does.Not.Contain("wv1.").And.Not.Contains("access-token").And.Not.Contains("refresh-token"), "no envelope in " + record);
    }
}
