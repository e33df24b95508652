using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Hosting;
using Wearables.Domain.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// Webhooks of Fitbit, Withings and Garmin over real HTTP, sent by their fakes the providers' way: Fitbit's
/// verification GETs (204 / 404), HMAC-SHA1 signatures and its 204 answers; Withings' HEAD probe and unsigned
/// form posts, taken only from its configured address ranges (the loopback is a trusted proxy here, so the test
/// says the sender with <c>X-Forwarded-For</c>, as a proxy in front of the service would); Garmin's
/// <c>garmin-client-id</c> header, summaries, permission changes and deregistrations. Each test works in a
/// project of its own with a provider user of its own.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
public sealed class FitbitWithingsGarminWebhookTests(StorageMode storage, ConnectionsMode connections)
{
    /// <summary>Withings' notification addresses, as configured (documentation ranges stand in for ipblock-notify.withings.net).</summary>
    private const string WithingsV4 = "203.0.113.0/24";
    private const string WithingsV6 = "2001:db8:1::/48";

    private FlowEnvironment Env { get; set; } = null!;

    private Tenant Tenant { get; set; } = null!;

    private FitbitWebhooks Fitbit { get; set; } = null!;

    private WithingsNotifications Withings { get; set; } = null!;

    private GarminPushes Garmin { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartEnvironmentAsync()
    {
        Env = await FlowEnvironment.StartAsync(storage, connections, settings: new Dictionary<string, string?>
        {
            ["Wearables:Limits:TrustedProxies:0"] = "127.0.0.1",
            ["Wearables:Limits:TrustedProxies:1"] = "::1",
            ["Wearables:Providers:withings:WebhookAllowedRanges:0"] = WithingsV4,
            ["Wearables:Providers:withings:WebhookAllowedRanges:1"] = WithingsV6,
        });
        Fitbit = new FitbitWebhooks(Env.Catalog["fitbit"]);
        Withings = new WithingsNotifications(Env.Catalog["withings"]);
        Garmin = new GarminPushes(Env.Catalog["garmin"]);
    }

    [OneTimeTearDown]
    public async Task StopEnvironmentAsync()
    {
        Fitbit?.Dispose();
        Withings?.Dispose();
        Garmin?.Dispose();
        if (Env is not null)
        {
            await Env.DisposeAsync();
        }
    }

    [SetUp]
    public async Task NewTenantAsync()
    {
        await Env.ResetFakesAsync();
        Env.Catalog["fitbit"].UserId = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 6);
        Env.Catalog["withings"].UserId = Random.Shared.NextInt64(1_000_000, 90_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Env.Catalog["garmin"].UserId = RandomNumberGenerator.GetHexString(32, lowercase: true);
        Tenant = await Env.NewTenantAsync();
    }

    [Test]
    public async Task Fitbit_VerifiesTheSubscriber_TheRightCodeIs204_AWrongOrAnotherProjectsIs404()
    {
        var code = await SetFitbitCodeAsync(Tenant);
        var other = await Env.NewTenantAsync();
        var otherCode = await SetFitbitCodeAsync(other);
        var url = Url("fitbit", Tenant);

        var right = await Fitbit.Sender.GetAsync(new Uri(url + "?verify=" + code));
        var wrong = await Fitbit.Sender.GetAsync(new Uri(url + "?verify=" + otherCode));
        var none = await Fitbit.Sender.GetAsync(url);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Fitbit.VerifySubscriberAsync(url, code), Is.True, "Fitbit's two verification GETs");
            Assert.That((right.StatusCode, right.ResponseBody), Is.EqualTo((204, string.Empty)));
            Assert.That(wrong.StatusCode, Is.EqualTo(404), "another project's code");
            Assert.That(wrong.ResponseBody, Does.Contain("webhook_verify_code_invalid").And.Not.Contain(otherCode));
            Assert.That(none.StatusCode, Is.EqualTo(404), "no code");
            Assert.That(await Fitbit.VerifySubscriberAsync(Url("fitbit", other), code), Is.False, "this project's code on the other's URL");
        }
    }

    [Test]
    public async Task Fitbit_SignedNotifications_Are204_RecordTheLastEventTime_ARepeatIsAppliedOnce_AndAnUnknownUserIs204()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["fitbit"].UserId;
        await ConnectAsync("fitbit", patientId);
        var url = Url("fitbit", Tenant);

        var body = Fitbit.Body(userId, "activities", "sleep");
        var sent = await Fitbit.NotifyAsync(url, body);
        Assert.That(FitbitWebhooks.Delivered(sent), Is.True, $"{sent.StatusCode} {sent.ResponseBody}");
        await DrainAsync();
        var first = (await Env.FindConnectionAsync("fitbit", patientId, Tenant.ProjectId))!;
        Assert.That(first.LastEventAt, Is.Not.Null, "the notification was applied");

        var replay = await Fitbit.NotifyAsync(url, body);
        var stranger = await Fitbit.NotifyAsync(url, Fitbit.Body("ZZZZZ9", "userRevokedAccess"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(FitbitWebhooks.Delivered(replay), Is.True, "a repeat is answered as Fitbit wants");
            Assert.That(FitbitWebhooks.Delivered(stranger), Is.True, "a user the project does not have");
        }

        await DrainAsync();
        var after = (await Env.FindConnectionAsync("fitbit", patientId, Tenant.ProjectId))!;
        Assert.That((after.Status, after.Version), Is.EqualTo((ConnectionStatus.Active, first.Version)), "not written again");
    }

    [Test]
    public async Task Fitbit_MissingWrongOrMovedSignature_Is401_AndNothingChanges()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["fitbit"].UserId;
        await ConnectAsync("fitbit", patientId);
        var before = (await Env.FindConnectionAsync("fitbit", patientId, Tenant.ProjectId))!;
        var url = Url("fitbit", Tenant);
        var body = Fitbit.Body(userId, "userRevokedAccess");
        var signature = FitbitWebhooks.Sign(Env.Catalog["fitbit"].ClientSecret, body);

        var missing = await Fitbit.NotifyAsync(url, body, signature: null);
        var wrongKey = await Fitbit.NotifyAsync(url, body, FitbitWebhooks.Sign(Env.Catalog["fitbit"].ClientSecret + "x", body));
        var withoutAmpersand = await Fitbit.NotifyAsync(url, body, Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Env.Catalog["fitbit"].ClientSecret), body)));
        var moved = await Fitbit.NotifyAsync(url, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body) + " "), signature);
        var garbage = await Fitbit.NotifyAsync(url, body, "not base64!");
        using (Assert.EnterMultipleScope())
        {
            foreach (var (call, what) in new[] { (missing, "missing"), (wrongKey, "wrong key"), (withoutAmpersand, "another MAC"), (moved, "other bytes"), (garbage, "not base64") })
            {
                Assert.That(call.StatusCode, Is.EqualTo(401), what);
                Assert.That(call.ResponseBody, Does.Contain("webhook_signature_invalid"), what);
            }
        }

        Assert.That(await DrainAsync(), Is.Zero);
        var after = (await Env.FindConnectionAsync("fitbit", patientId, Tenant.ProjectId))!;
        Assert.That((after.Status, after.Version), Is.EqualTo((ConnectionStatus.Active, before.Version)));
    }

    [Test]
    public async Task Fitbit_UserRevokedAccess_RevokesAndWipesTokens_WithoutCallingFitbit()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["fitbit"].UserId;
        await ConnectAsync("fitbit", patientId);
        var revocations = Env.Catalog["fitbit"].Revocations.Count;

        var sent = await Fitbit.NotifyAsync(Url("fitbit", Tenant), Fitbit.Body(userId, "userRevokedAccess"));
        Assert.That(FitbitWebhooks.Delivered(sent), Is.True);
        await DrainAsync();

        await AssertRevokedAsync("fitbit", patientId);
        Assert.That(Env.Catalog["fitbit"].Revocations, Has.Count.EqualTo(revocations), "Fitbit is not called back");
    }

    [Test]
    public async Task Withings_ProbeIs200_NotificationsFromItsRangesAreApplied_AndAppli46UnlinkRevokes()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["withings"].UserId;
        await ConnectAsync("withings", patientId);
        var url = Url("withings", Tenant);

        Assert.That(await Withings.ProbeAsync(url), Is.True, "the HEAD probe of a new subscription");
        Assert.That((await Withings.Sender.GetAsync(url)).StatusCode, Is.EqualTo(200), "a GET as well");

        var data = await Withings.NotifyAsync(url, Withings.Body(userId, 1), From("203.0.113.7"));
        Assert.That((data.StatusCode, data.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
        await DrainAsync();
        var first = (await Env.FindConnectionAsync("withings", patientId, Tenant.ProjectId))!;
        Assert.That(first.LastEventAt, Is.Not.Null, "the notification was applied");

        var sleep = await Withings.NotifyAsync(url, Withings.Body(userId, 44), From("2001:db8:1::25"));
        var stranger = await Withings.NotifyAsync(url, Withings.Body("1", 46, "unlink"), From("203.0.113.8"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sleep.StatusCode, Is.EqualTo(200), "from the IPv6 range");
            Assert.That(stranger.StatusCode, Is.EqualTo(200), "a user the project does not have");
        }

        var unlink = Withings.Body(userId, 46, "unlink");
        Assert.That((await Withings.NotifyAsync(url, unlink, From("203.0.113.9"))).StatusCode, Is.EqualTo(200));
        await DrainAsync();
        await AssertRevokedAsync("withings", patientId);

        await ConnectAsync("withings", patientId);
        var replay = await Withings.NotifyAsync(url, unlink, From("203.0.113.9"));
        Assert.That(replay.ResponseBody, Is.EqualTo("{\"status\":\"duplicate\"}"));
        await DrainAsync();
        Assert.That((await Env.FindConnectionAsync("withings", patientId, Tenant.ProjectId))!.Status, Is.EqualTo(ConnectionStatus.Active), "the repeat was not applied");
    }

    [Test]
    public async Task Withings_NotificationsFromOutsideItsRanges_Are403_AndNothingChanges()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["withings"].UserId;
        await ConnectAsync("withings", patientId);
        var before = (await Env.FindConnectionAsync("withings", patientId, Tenant.ProjectId))!;
        var url = Url("withings", Tenant);
        var unlink = Withings.Body(userId, 46, "delete");

        var direct = await Withings.NotifyAsync(url, unlink);
        var outside = await Withings.NotifyAsync(url, unlink, From("198.51.100.7"));
        var outsideV6 = await Withings.NotifyAsync(url, unlink, From("2001:db8:2::1"));
        var spoofedBehindUntrusted = await Withings.NotifyAsync(url, unlink, From("203.0.113.7, 198.51.100.7"));
        using (Assert.EnterMultipleScope())
        {
            foreach (var (call, what) in new[] { (direct, "the loopback itself"), (outside, "IPv4 outside"), (outsideV6, "IPv6 outside"), (spoofedBehindUntrusted, "the nearest untrusted hop is the sender") })
            {
                Assert.That(call.StatusCode, Is.EqualTo(403), what);
                Assert.That(call.ResponseBody, Does.Contain("webhook_source_refused"), what);
            }

            Assert.That((await Withings.Sender.PostJsonAsync(url, "{}"u8.ToArray(), From("203.0.113.7"))).StatusCode, Is.EqualTo(415), "JSON is not Withings'");
            Assert.That((await Withings.NotifyAsync(url, "appli=46&action=unlink"u8.ToArray(), From("203.0.113.7"))).StatusCode, Is.EqualTo(400), "no userid");
        }

        Assert.That(await DrainAsync(), Is.Zero);
        var after = (await Env.FindConnectionAsync("withings", patientId, Tenant.ProjectId))!;
        Assert.That((after.Status, after.Version), Is.EqualTo((ConnectionStatus.Active, before.Version)));
    }

    [Test]
    public async Task Garmin_Summaries_RecordTheLastEventTime_OnlyWithTheProjectsClientId_AndAnUnknownUserIs200()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["garmin"].UserId;
        await ConnectAsync("garmin", patientId);
        var before = (await Env.FindConnectionAsync("garmin", patientId, Tenant.ProjectId))!;
        var url = Url("garmin", Tenant);
        var dailies = Garmin.Dailies(userId, 3);

        var missing = await Garmin.PushAsync(url, dailies, clientId: null);
        var wrong = await Garmin.PushAsync(url, dailies, clientId: Env.Catalog["garmin"].ClientId + "x");
        var elsewhere = await Garmin.PushAsync(Url("garmin", await Env.NewTenantAsync(credentials: false)), dailies);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401), "no header");
            Assert.That(wrong.StatusCode, Is.EqualTo(401), "another client id");
            Assert.That(elsewhere.StatusCode, Is.EqualTo(401), "a project without Garmin credentials");
        }

        Assert.That(await DrainAsync(), Is.Zero);
        Assert.That((await Env.FindConnectionAsync("garmin", patientId, Tenant.ProjectId))!.Version, Is.EqualTo(before.Version), "refused pushes change nothing");

        var sent = await Garmin.PushAsync(url, dailies);
        var stranger = await Garmin.PushAsync(url, Garmin.Deregistration(RandomNumberGenerator.GetHexString(32, lowercase: true)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((sent.StatusCode, sent.ResponseBody), Is.EqualTo((200, "{\"status\":\"queued\"}")));
            Assert.That(stranger.StatusCode, Is.EqualTo(200));
        }

        await DrainAsync();
        var after = (await Env.FindConnectionAsync("garmin", patientId, Tenant.ProjectId))!;
        Assert.That((after.Status, after.LastEventAt is not null), Is.EqualTo((ConnectionStatus.Active, true)));
        Assert.That((await Garmin.PushAsync(url, dailies)).ResponseBody, Is.EqualTo("{\"status\":\"duplicate\"}"));
    }

    [Test]
    public async Task Garmin_PermissionsChange_ReplacesTheScopes_NoneLeftRevokes_AndADeregistrationRevokes()
    {
        var patientId = FlowEnvironment.NewPatientId();
        var userId = Env.Catalog["garmin"].UserId;
        await ConnectAsync("garmin", patientId);
        var url = Url("garmin", Tenant);

        Assert.That((await Garmin.PushAsync(url, Garmin.PermissionsChange(userId, "ACTIVITY_EXPORT", "HEALTH_EXPORT"))).StatusCode, Is.EqualTo(200));
        await DrainAsync();
        var changed = (await Env.FindConnectionAsync("garmin", patientId, Tenant.ProjectId))!;
        Assert.That((changed.Status, changed.Scope), Is.EqualTo((ConnectionStatus.Active, "ACTIVITY_EXPORT HEALTH_EXPORT")));

        Assert.That((await Garmin.PushAsync(url, Garmin.PermissionsChange(userId))).StatusCode, Is.EqualTo(200));
        await DrainAsync();
        await AssertRevokedAsync("garmin", patientId);

        await ConnectAsync("garmin", patientId);
        var revocations = Env.Catalog["garmin"].Revocations.Count;
        Assert.That((await Garmin.PushAsync(url, Garmin.Deregistration(userId))).StatusCode, Is.EqualTo(200));
        await DrainAsync();
        await AssertRevokedAsync("garmin", patientId);
        Assert.That(Env.Catalog["garmin"].Revocations, Has.Count.EqualTo(revocations), "Garmin is not called back");
    }

    private static Dictionary<string, string> From(string address) => new() { ["X-Forwarded-For"] = address };

    private Uri Url(string provider, Tenant tenant) => new($"{Env.Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/{provider}/webhooks/{tenant.ProjectId}");

    /// <summary>The subscriber verification code Fitbit's portal showed, stored as the project's webhook secret.</summary>
    private async Task<string> SetFitbitCodeAsync(Tenant tenant)
    {
        var code = RandomNumberGenerator.GetHexString(64, lowercase: true);
        var fitbit = Env.Catalog["fitbit"];
        await (await tenant.Admin.PutJsonAsync("/v1/wearables/fitbit/credentials", new { clientId = fitbit.ClientId, clientSecret = fitbit.ClientSecret, webhookSecret = code })).ExpectJsonAsync(HttpStatusCode.OK);
        return code;
    }

    private async Task ConnectAsync(string provider, string patientId)
    {
        var flow = await Env.ConnectAsync(provider, patientId, client: Tenant.Service);
        await (await Env.Anonymous.GetAsync(Env.CallbackUrl(provider, flow.State, Env.IssueCode(flow)))).ExpectJsonAsync(HttpStatusCode.OK);
    }

    private async Task AssertRevokedAsync(string provider, string patientId)
    {
        var connection = (await Env.FindConnectionAsync(provider, patientId, Tenant.ProjectId))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked), provider);
            Assert.That(connection.AccessTokenEnvelope, Is.Null, provider + " access token");
            Assert.That(connection.RefreshTokenEnvelope, Is.Null, provider + " refresh token");
        }

        var listed = await (await Tenant.Service.GetAsync($"/api/v1/users/{patientId}/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(listed.EnumerateArray().Single(c => c.GetProperty("provider").GetString() == provider).GetProperty("status").GetString(), Is.EqualTo("revoked"));
    }

    /// <summary>Waits for the work the answers left: the service's own drain, which takes turns with the background one.</summary>
    private Task<int> DrainAsync() => Env.Host.Services.GetRequiredService<WebhookInboxService>().DrainAsync(CancellationToken.None);
}
