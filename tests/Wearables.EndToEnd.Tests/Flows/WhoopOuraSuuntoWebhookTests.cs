using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Hosting;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// WHOOP, Oura and Suunto webhooks over real HTTP against their fakes, which send them the
/// providers' way: WHOOP's timestamped base64 signature with the client secret (stale timestamps
/// refused), Oura's challenge and hex signature, Suunto's signature with the notification secret.
/// A valid event moves the connection's last event time; a bad proof is a 401 that changes
/// nothing; a repeat is applied once; a user the project does not have is answered 200 and
/// changes nothing. Dexcom sends no webhooks (polling only): its webhook URL is a 404.
/// Suunto names the user by username, so this environment stores the token's <c>user</c> claim as
/// the provider user id (<c>Wearables:Providers:suunto:UserIdPath</c>), as the README tells operators to.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class WhoopOuraSuuntoWebhookTests(StorageMode storage, ConnectionsMode connections)
{
    private FlowEnvironment Env { get; set; } = null!;

    private Tenant Tenant { get; set; } = null!;

    private WhoopWebhooks Whoop { get; set; } = null!;

    private OuraWebhooks Oura { get; set; } = null!;

    private SuuntoWebhooks Suunto { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync()
    {
        Env = await FlowEnvironment.StartAsync(storage, connections, settings: new Dictionary<string, string?> { ["Wearables:Providers:suunto:UserIdPath"] = "user" });

        // The providers' clocks agree with the service's (which is faked, and stands still unless advanced).
        Whoop = new WhoopWebhooks(Env.Catalog["whoop"], Env.Host.Clock);
        Oura = new OuraWebhooks(Env.Catalog["oura"], Env.Host.Clock);
        Suunto = new SuuntoWebhooks(Env.Catalog["suunto"]);
    }

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        Whoop?.Dispose();
        Oura?.Dispose();
        Suunto?.Dispose();
        if (Env is not null)
        {
            await Env.DisposeAsync();
        }
    }

    [SetUp]
    public async Task NewTenantAsync()
    {
        await Env.ResetFakesAsync();
        foreach (var provider in new[] { "whoop", "oura", "suunto" })
        {
            var fake = Env.Catalog[provider];
            var number = Random.Shared.NextInt64(1_000_000, 9_000_000_000).ToString(CultureInfo.InvariantCulture);
            fake.UserId = fake.Facts.NumericUserId ? number : $"{provider}-{number}";
            fake.Username = "user_" + number;
        }

        Tenant = await Env.NewTenantAsync();
        Whoop.Url = WebhookUrl("whoop", Tenant);
        Suunto.Url = WebhookUrl("suunto", Tenant);
        Suunto.NotificationSecret = "suunto-notify-" + Guid.NewGuid().ToString("N");
    }

    [Test]
    public async Task WhoopEvent_Signed_MovesTheLastEventTime_ARepeatOfItsTraceIdIsAppliedOnce()
    {
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "whoop", patientId);
        var before = (await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!;
        Assert.That(before.ProviderUserId, Is.EqualTo(Env.Catalog["whoop"].UserId), "the callback stores the profile's user_id, which WHOOP's events name");

        var sent = await Whoop.SendEventAsync("workout.updated");
        Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();
        var after = (await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!;
        Assert.That(after.LastEventAt, Is.EqualTo(Env.Host.Clock.GetUtcNow()).Within(TimeSpan.FromSeconds(1)), "the receipt's time (WHOOP's events carry none)");

        // WHOOP retries with the same trace_id, signed afresh a moment later.
        Env.Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var replay = await Whoop.SendSignedAsync(Whoop.Url!, Encoding.UTF8.GetBytes(sent.Body!), Env.Catalog["whoop"].ClientSecret, Env.Host.Clock.GetUtcNow());
        Assert.That((replay.StatusCode, replay.ResponseBody), Is.EqualTo((200, "{\"status\":\"duplicate\"}")));
        Assert.That(await DrainAsync(), Is.Zero, "nothing was queued by the repeat");
        Assert.That((await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(after.Version), "not written again");

        // A deletion is a change of data too.
        Assert.That((await Whoop.SendEventAsync("sleep.deleted")).StatusCode, Is.EqualTo(200));
        await DrainAsync();
        Assert.That((await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!.LastEventAt, Is.GreaterThan(after.LastEventAt));
    }

    [Test]
    public async Task WhoopEvent_MissingWrongOrStaleProof_Is401_AndNothingChanges()
    {
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "whoop", patientId);
        var before = (await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!;
        var url = Whoop.Url!;
        var secret = Env.Catalog["whoop"].ClientSecret;
        var body = WhoopWebhooks.EventBody(long.Parse(before.ProviderUserId!, CultureInfo.InvariantCulture), "recovery.updated");
        var now = Env.Host.Clock.GetUtcNow();

        var missing = await Whoop.Sender.PostJsonAsync(url, body, new Dictionary<string, string> { ["X-WHOOP-Signature-Timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) });
        var wrong = await Whoop.SendSignedAsync(url, body, secret + "x", now);
        var stale = await Whoop.SendSignedAsync(url, body, secret, now.AddSeconds(-301));
        var early = await Whoop.SendSignedAsync(url, body, secret, now.AddSeconds(301));
        var handshake = await Env.Anonymous.GetAsync(url);
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401), "missing signature");
            Assert.That(missing.ResponseBody, Does.Contain("webhook_signature_invalid"));
            Assert.That(wrong.StatusCode, Is.EqualTo(401), "another key");
            Assert.That(stale.StatusCode, Is.EqualTo(401), "timestamp 301 s old");
            Assert.That(early.StatusCode, Is.EqualTo(401), "timestamp 301 s ahead");
            Assert.That(handshake.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "WHOOP has no handshake");
            Assert.That((await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(before.Version), "nothing changed");
        }

        var within = await Whoop.SendSignedAsync(url, body, secret, now.AddSeconds(-299));
        Assert.That(within.StatusCode, Is.EqualTo(200), "within the tolerance");
    }

    [Test]
    public async Task WhoopEvent_OfAUserTheProjectDoesNotHave_Is200_AndChangesNothing()
    {
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "whoop", patientId);
        var before = (await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!;

        var sent = await Whoop.SendEventAsync("workout.updated", userId: "1" + before.ProviderUserId);
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
            Assert.That((await Env.FindConnectionAsync("whoop", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(before.Version));
        }
    }

    [Test]
    public async Task OuraHandshake_EchoesTheChallenge_OnlyForTheProjectsVerificationToken()
    {
        var token = "oura-verify-" + Guid.NewGuid().ToString("N");
        await PutCredentialsAsync(Tenant, "oura", webhookSecret: token);
        var other = await Env.NewTenantAsync();
        var url = WebhookUrl("oura", Tenant);

        var (verified, call) = await Oura.VerifyCallbackAsync(url, token);
        var (wrong, wrongCall) = await Oura.VerifyCallbackAsync(url, token + "x");
        var (elsewhere, elsewhereCall) = await Oura.VerifyCallbackAsync(WebhookUrl("oura", other), token);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verified, Is.True, call.ResponseBody);
            Assert.That(call.ResponseBody, Does.StartWith("{\"challenge\":"));
            Assert.That((wrong, wrongCall.StatusCode), Is.EqualTo((false, 403)));
            Assert.That(wrongCall.ResponseBody, Does.Contain("webhook_verify_token_invalid").And.Not.Contain(token));
            Assert.That((elsewhere, elsewhereCall.StatusCode), Is.EqualTo((false, 403)), "another project's URL");
        }
    }

    [Test]
    public async Task OuraEvent_Signed_MovesTheLastEventTime_ARepeatIsAppliedOnce_AndAnUnknownUserChangesNothing()
    {
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "oura", patientId);
        var before = (await Env.FindConnectionAsync("oura", patientId, Tenant.ProjectId))!;
        Assert.That(before.ProviderUserId, Is.EqualTo(Env.Catalog["oura"].UserId), "the callback stores personal_info's id, which Oura's events name");
        var url = WebhookUrl("oura", Tenant);

        Env.Host.Clock.Advance(TimeSpan.FromMinutes(2));
        var eventTime = Env.Host.Clock.GetUtcNow().AddMinutes(-1);
        var body = Oura.EventBody("create", "sleep", before.ProviderUserId!, eventTime: eventTime);
        var sent = await Oura.SendSignedAsync(url, body, Env.Catalog["oura"].ClientSecret, Env.Host.Clock.GetUtcNow());
        Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();
        var after = (await Env.FindConnectionAsync("oura", patientId, Tenant.ProjectId))!;
        Assert.That(after.LastEventAt, Is.EqualTo(eventTime).Within(TimeSpan.FromMilliseconds(1)), "the event's time");

        var replay = await Oura.SendSignedAsync(url, body, Env.Catalog["oura"].ClientSecret, Env.Host.Clock.GetUtcNow());
        var unknown = await Oura.SendEventAsync(url, "update", "workout", userId: "someone-else");
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replay.ResponseBody, Is.EqualTo("{\"status\":\"duplicate\"}"));
            Assert.That((unknown.StatusCode, unknown.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
            Assert.That((await Env.FindConnectionAsync("oura", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(after.Version), "neither changed it");
        }
    }

    [Test]
    public async Task OuraEvent_MissingWrongOrStaleProof_Is401_AndNothingChanges()
    {
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "oura", patientId);
        var before = (await Env.FindConnectionAsync("oura", patientId, Tenant.ProjectId))!;
        var url = WebhookUrl("oura", Tenant);
        var secret = Env.Catalog["oura"].ClientSecret;
        var body = Oura.EventBody("update", "daily_activity", before.ProviderUserId!);
        var now = Env.Host.Clock.GetUtcNow();

        var missing = await Oura.Sender.PostJsonAsync(url, body, new Dictionary<string, string> { ["x-oura-timestamp"] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) });
        var wrong = await Oura.SendSignedAsync(url, body, secret + "x", now);
        var stale = await Oura.SendSignedAsync(url, body, secret, now.AddSeconds(-301));
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401), "missing signature");
            Assert.That(wrong.StatusCode, Is.EqualTo(401), "another key");
            Assert.That(stale.StatusCode, Is.EqualTo(401), "stale timestamp");
            Assert.That((await Env.FindConnectionAsync("oura", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(before.Version), "nothing changed");
        }
    }

    [Test]
    public async Task SuuntoNotification_SignedWithTheNotificationSecret_MovesTheLastEventTime_OnceForARepeat()
    {
        await PutCredentialsAsync(Tenant, "suunto", webhookSecret: Suunto.NotificationSecret);
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "suunto", patientId);
        var before = (await Env.FindConnectionAsync("suunto", patientId, Tenant.ProjectId))!;
        Assert.That(before.ProviderUserId, Is.EqualTo(Env.Catalog["suunto"].Username), "the user claim is the provider user id here, which Suunto's notifications name");

        var sent = await Suunto.SendEventAsync("WORKOUT_CREATED");
        Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();
        var after = (await Env.FindConnectionAsync("suunto", patientId, Tenant.ProjectId))!;
        Assert.That(after.LastEventAt, Is.EqualTo(Env.Host.Clock.GetUtcNow()).Within(TimeSpan.FromSeconds(1)));

        var replay = await Suunto.SendSignedAsync(Suunto.Url!, Encoding.UTF8.GetBytes(sent.Body!), Suunto.NotificationSecret!);
        var unknown = await Suunto.SendEventAsync("SLEEP_CREATED", username: "not_ours");
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replay.ResponseBody, Is.EqualTo("{\"status\":\"duplicate\"}"));
            Assert.That((unknown.StatusCode, unknown.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
            Assert.That((await Env.FindConnectionAsync("suunto", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(after.Version));
        }
    }

    [Test]
    public async Task SuuntoNotification_MissingOrWrongSignature_Is401_AndNothingChanges()
    {
        await PutCredentialsAsync(Tenant, "suunto", webhookSecret: Suunto.NotificationSecret);
        var patientId = FlowEnvironment.NewPatientId();
        await ConnectAsync(Tenant, "suunto", patientId);
        var before = (await Env.FindConnectionAsync("suunto", patientId, Tenant.ProjectId))!;
        var body = Suunto.EventBody("WORKOUT_CREATED", before.ProviderUserId!);

        var missing = await Suunto.Sender.PostJsonAsync(Suunto.Url!, body);
        var wrong = await Suunto.SendSignedAsync(Suunto.Url!, body, Suunto.NotificationSecret + "x");
        var clientSecret = await Suunto.SendSignedAsync(Suunto.Url!, body, Env.Catalog["suunto"].ClientSecret);
        await DrainAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401), "missing");
            Assert.That(wrong.StatusCode, Is.EqualTo(401), "another secret");
            Assert.That(clientSecret.StatusCode, Is.EqualTo(401), "the key is the notification secret");
            Assert.That((await Env.FindConnectionAsync("suunto", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(before.Version));
        }
    }

    [Test]
    public async Task Dexcom_SendsNoWebhooks_ItsWebhookUrlIs404()
    {
        var url = WebhookUrl("dexcom", Tenant);
        var post = await Whoop.Sender.PostJsonAsync(url, "{}"u8.ToArray());
        var get = await Env.Anonymous.GetAsync(url);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(post.StatusCode, Is.EqualTo(404));
            Assert.That(post.ResponseBody, Does.Contain("webhooks_not_supported"));
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    private Uri WebhookUrl(string provider, Tenant tenant) => new(Env.Host.BaseUrl, $"/v1/wearables/{provider}/webhooks/{tenant.ProjectId}");

    private async Task PutCredentialsAsync(Tenant tenant, string provider, string? webhookSecret)
    {
        var fake = Env.Catalog[provider];
        var response = await tenant.Admin.PutJsonAsync($"/v1/wearables/{provider}/credentials", new { clientId = fake.ClientId, clientSecret = fake.ClientSecret, webhookSecret });
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.GetProperty("hasWebhookSecret").GetBoolean(), Is.True);
    }

    private async Task ConnectAsync(Tenant tenant, string provider, string patientId)
    {
        var flow = await Env.ConnectAsync(provider, patientId, client: tenant.Service);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, Env.IssueCode(flow)))).ExpectJsonAsync(HttpStatusCode.OK);
    }

    private Task<int> DrainAsync() => Env.Host.Services.GetRequiredService<WebhookInboxService>().DrainAsync(CancellationToken.None);
}
