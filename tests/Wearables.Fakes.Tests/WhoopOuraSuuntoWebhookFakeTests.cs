using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Wearables.Fakes.Tests;

/// <summary>
/// The WHOOP, Oura and Suunto webhook fakes sign as the providers do. The literal signatures were
/// computed with openssl (<c>printf '%s' "$TIMESTAMP$BODY" | openssl dgst -sha256 -hmac "$KEY"</c>);
/// what reaches a subscriber is checked against an HMAC computed here over the bytes it received.
/// </summary>
public sealed class WhoopOuraSuuntoWebhookFakeTests
{
    private static readonly DateTimeOffset Now = new(2025, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private Subscriber subscriber = null!;

    [SetUp]
    public Task StartSubscriberAsync() => (subscriber = new Subscriber()).StartAsync();

    [TearDown]
    public async Task StopSubscriberAsync() => await subscriber.DisposeAsync();

    [Test]
    public void Signatures_MatchTheOpensslVectors()
    {
        var whoop = "{\"user_id\":10129,\"id\":\"ecfc6a15-4661-442f-a9a4-f160dd7afae8\",\"type\":\"workout.updated\",\"trace_id\":\"e369c784-5100-49e8-8098-75d35c47b31b\"}"u8.ToArray();
        var oura = "{\"event_type\":\"create\",\"data_type\":\"sleep\",\"object_id\":\"8f1a\",\"event_time\":\"2025-12-01T12:00:00+00:00\",\"user_id\":\"8f9a5221-639e-4a85-81cb-4065ef23f979\"}"u8.ToArray();
        var suunto = "{\"type\":\"WORKOUT_CREATED\",\"username\":\"johndoe123\",\"workout\":{\"workoutKey\":\"67604889401b942184624cb8\",\"activityId\":3,\"startTime\":1702729200000}}"u8.ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(WhoopWebhooks.Sign("whoop-client-secret", "1764590400000", whoop), Is.EqualTo("dM0ixNgeod8n5MPAoOZvPNex2mfDccas9MUaj1xaHcc="));
            Assert.That(OuraWebhooks.Sign("oura-client-secret", "1764590400", oura), Is.EqualTo("699E02CD7ED4B6D0728B99284733AAA9AF25BD00BE4C58DCE05CE68846CA907E"));
            Assert.That(SuuntoWebhooks.Sign("suunto-notification-secret", suunto), Is.EqualTo("ff77deeca53a1a76351c6446007842b3d21c257add9d5e8d407c349e2c4ce087"));
        }
    }

    [Test]
    public async Task Whoop_SendsANumericUserId_WithItsMillisecondTimestamp_AndTheSignatureOverIt()
    {
        await using var fake = new FakeCatalogProvider(FakeProviderFacts.Whoop, "w-client", "w-secret") { UserId = "10129" };
        using var webhooks = new WhoopWebhooks(fake, new FakeTimeProvider(Now)) { Url = subscriber.HookUrl };

        var call = await webhooks.SendEventAsync("sleep.updated");

        var (_, headers, _, body) = subscriber.Received.Single();
        var timestamp = headers["X-WHOOP-Signature-Timestamp"].ToString();
        using var json = JsonDocument.Parse(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(call.StatusCode, Is.EqualTo(200));
            Assert.That(timestamp, Is.EqualTo(Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
            Assert.That(headers["X-WHOOP-Signature"].ToString(), Is.EqualTo(Convert.ToBase64String(HMACSHA256.HashData("w-secret"u8, Encoding.UTF8.GetBytes(timestamp + Encoding.UTF8.GetString(body))))));
            Assert.That(json.RootElement.GetProperty("user_id").GetInt64(), Is.EqualTo(10129));
            Assert.That(json.RootElement.GetProperty("type").GetString(), Is.EqualTo("sleep.updated"));
            Assert.That(json.RootElement.GetProperty("trace_id").GetString(), Is.Not.Empty);
        }
    }

    [Test]
    public async Task Oura_ChecksTheCallbackWithAChallenge_ThenSendsSignedEvents()
    {
        await using var fake = new FakeCatalogProvider(FakeProviderFacts.Oura, "o-client", "o-secret") { UserId = "oura-user-1" };
        using var webhooks = new OuraWebhooks(fake, new FakeTimeProvider(Now));

        var (verified, _) = await webhooks.VerifyCallbackAsync(subscriber.HookUrl, subscriber.VerifyToken);
        var (refused, refusal) = await webhooks.VerifyCallbackAsync(subscriber.HookUrl, "another-token");
        var check = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(subscriber.Received[0].Query);
        await webhooks.SendEventAsync(subscriber.HookUrl, "update", "daily_activity");

        var (_, headers, _, body) = subscriber.Received[^1];
        var timestamp = headers["x-oura-timestamp"].ToString();
        using var json = JsonDocument.Parse(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verified, Is.True);
            Assert.That(check["verification_token"].ToString(), Is.EqualTo(subscriber.VerifyToken));
            Assert.That(check["challenge"].ToString(), Is.Not.Empty);
            Assert.That((refused, refusal.StatusCode), Is.EqualTo((false, 403)));
            Assert.That(timestamp, Is.EqualTo(Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
            Assert.That(headers["x-oura-signature"].ToString(), Is.EqualTo(Convert.ToHexString(HMACSHA256.HashData("o-secret"u8, Encoding.UTF8.GetBytes(timestamp + Encoding.UTF8.GetString(body))))));
            Assert.That(json.RootElement.GetProperty("user_id").GetString(), Is.EqualTo("oura-user-1"));
            Assert.That(json.RootElement.GetProperty("event_time").GetDateTimeOffset(), Is.EqualTo(Now));
        }
    }

    [Test]
    public async Task Suunto_SignsTheExactBodyWithTheNotificationSecret_AndNamesTheUsername()
    {
        await using var fake = new FakeCatalogProvider(FakeProviderFacts.Suunto, "s-client", "s-secret") { Username = "johndoe123" };
        using var webhooks = new SuuntoWebhooks(fake) { Url = subscriber.HookUrl, NotificationSecret = "notify" };

        await webhooks.SendEventAsync("WORKOUT_CREATED");

        var (_, headers, _, body) = subscriber.Received.Single();
        using var json = JsonDocument.Parse(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(headers["X-HMAC-SHA256-Signature"].ToString(), Is.EqualTo(Convert.ToHexStringLower(HMACSHA256.HashData("notify"u8, body))));
            Assert.That(json.RootElement.GetProperty("username").GetString(), Is.EqualTo("johndoe123"));
            Assert.That(json.RootElement.GetProperty("type").GetString(), Is.EqualTo("WORKOUT_CREATED"));
        }
    }
}
