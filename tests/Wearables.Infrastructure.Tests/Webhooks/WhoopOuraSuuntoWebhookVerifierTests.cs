using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Webhooks;

namespace Wearables.Infrastructure.Tests.Webhooks;

/// <summary>
/// The WHOOP, Oura and Suunto verifiers over literal bodies. The expected signatures were computed
/// outside .NET (<c>printf '%s' "$TIMESTAMP$BODY" | openssl dgst -sha256 -hmac "$KEY"</c>, base64 or hex),
/// so a verifier that signs the wrong bytes, with the wrong key or in the wrong encoding fails here.
/// </summary>
public sealed class WhoopOuraSuuntoWebhookVerifierTests
{
    private static readonly DateTimeOffset Received = new(2025, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private const string WhoopBody = "{\"user_id\":10129,\"id\":\"ecfc6a15-4661-442f-a9a4-f160dd7afae8\",\"type\":\"workout.updated\",\"trace_id\":\"e369c784-5100-49e8-8098-75d35c47b31b\"}";
    private const string WhoopSecret = "whoop-client-secret";
    private const string WhoopTimestamp = "1764590400000";
    private const string WhoopSignature = "dM0ixNgeod8n5MPAoOZvPNex2mfDccas9MUaj1xaHcc=";

    private const string OuraBody = "{\"event_type\":\"create\",\"data_type\":\"sleep\",\"object_id\":\"8f1a\",\"event_time\":\"2025-12-01T12:00:00+00:00\",\"user_id\":\"8f9a5221-639e-4a85-81cb-4065ef23f979\"}";
    private const string OuraSecret = "oura-client-secret";
    private const string OuraTimestamp = "1764590400";
    private const string OuraSignature = "699E02CD7ED4B6D0728B99284733AAA9AF25BD00BE4C58DCE05CE68846CA907E";

    private const string SuuntoBody = "{\"type\":\"WORKOUT_CREATED\",\"username\":\"johndoe123\",\"workout\":{\"workoutKey\":\"67604889401b942184624cb8\",\"activityId\":3,\"startTime\":1702729200000}}";
    private const string SuuntoSecret = "suunto-notification-secret";
    private const string SuuntoSignature = "ff77deeca53a1a76351c6446007842b3d21c257add9d5e8d407c349e2c4ce087";

    private static readonly WhoopWebhookVerifier Whoop = new(Configuration());
    private static readonly OuraWebhookVerifier Oura = new(Configuration());
    private static readonly SuuntoWebhookVerifier Suunto = new();

    [Test]
    public void Whoop_TheKnownVector_IsValid_AndSignReproducesIt()
    {
        var request = Request("whoop", WhoopBody, Received, (WhoopWebhookVerifier.SignatureHeader, WhoopSignature), (WhoopWebhookVerifier.TimestampHeader, WhoopTimestamp));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Whoop.Verify(request, App(clientSecret: WhoopSecret)), Is.EqualTo(WebhookProof.Valid));
            Assert.That(WhoopWebhookVerifier.Sign(WhoopSecret, WhoopTimestamp, Encoding.UTF8.GetBytes(WhoopBody)), Is.EqualTo(WhoopSignature));
            Assert.That(WhoopWebhookVerifier.Sign(WhoopSecret, WhoopTimestamp, Encoding.UTF8.GetBytes(WhoopBody)), Is.EqualTo(IndependentBase64(WhoopSecret, WhoopTimestamp + WhoopBody)));
        }
    }

    [Test]
    public void Whoop_MissingWrongOrMovedProof_IsInvalid()
    {
        var secrets = App(clientSecret: WhoopSecret);
        (string, string) signature = (WhoopWebhookVerifier.SignatureHeader, WhoopSignature);
        (string, string) timestamp = (WhoopWebhookVerifier.TimestampHeader, WhoopTimestamp);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, timestamp), secrets), Is.EqualTo(WebhookProof.Invalid), "no signature");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, signature), secrets), Is.EqualTo(WebhookProof.Invalid), "no timestamp");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, signature, timestamp), App(clientSecret: WhoopSecret + "x")), Is.EqualTo(WebhookProof.Invalid), "another key");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, signature, timestamp), App(clientSecret: null, webhookSecret: WhoopSecret)), Is.EqualTo(WebhookProof.Invalid), "the key is the client secret, nothing else");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody + " ", Received, signature, timestamp), secrets), Is.EqualTo(WebhookProof.Invalid), "other bytes");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, signature, (WhoopWebhookVerifier.TimestampHeader, "1764590400001")), secrets), Is.EqualTo(WebhookProof.Invalid), "the timestamp is signed");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, (WhoopWebhookVerifier.SignatureHeader, IndependentHex(WhoopSecret, WhoopTimestamp + WhoopBody)), timestamp), secrets), Is.EqualTo(WebhookProof.Invalid), "hex is not WHOOP's encoding");
            Assert.That(Whoop.Verify(Request("whoop", WhoopBody, Received, (WhoopWebhookVerifier.SignatureHeader, "%%%"), timestamp), secrets), Is.EqualTo(WebhookProof.Invalid), "not base64");
        }
    }

    [Test]
    public void Whoop_Timestamp_MustBeWithinTheTolerance_EitherWay_AndBeMilliseconds()
    {
        WebhookProof At(DateTimeOffset receivedAt, WhoopWebhookVerifier verifier) =>
            verifier.Verify(Request("whoop", WhoopBody, receivedAt, (WhoopWebhookVerifier.SignatureHeader, WhoopSignature), (WhoopWebhookVerifier.TimestampHeader, WhoopTimestamp)), App(clientSecret: WhoopSecret));
        var seconds = "1764590400";
        var secondsSigned = Request("whoop", WhoopBody, Received, (WhoopWebhookVerifier.SignatureHeader, IndependentBase64(WhoopSecret, seconds + WhoopBody)), (WhoopWebhookVerifier.TimestampHeader, seconds));
        var strict = new WhoopWebhookVerifier(Configuration(("Wearables:Providers:whoop:WebhookToleranceSeconds", "10")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(At(Received.AddSeconds(300), Whoop), Is.EqualTo(WebhookProof.Valid), "300 s late");
            Assert.That(At(Received.AddSeconds(-300), Whoop), Is.EqualTo(WebhookProof.Valid), "300 s early");
            Assert.That(At(Received.AddSeconds(301), Whoop), Is.EqualTo(WebhookProof.Invalid), "stale");
            Assert.That(At(Received.AddSeconds(-301), Whoop), Is.EqualTo(WebhookProof.Invalid), "from the future");
            Assert.That(At(Received.AddSeconds(11), strict), Is.EqualTo(WebhookProof.Invalid), "a configured tolerance");
            Assert.That(At(Received.AddSeconds(9), strict), Is.EqualTo(WebhookProof.Valid));
            Assert.That(Whoop.Verify(secondsSigned, App(clientSecret: WhoopSecret)), Is.EqualTo(WebhookProof.Invalid), "seconds read as milliseconds are decades stale");
        }
    }

    [TestCase(null, 300)]
    [TestCase("60", 60)]
    [TestCase("0", 300)]
    [TestCase("-5", 300)]
    [TestCase("soon", 300)]
    [TestCase("999999", 300)]
    public void Tolerance_ComesFromConfiguration_AndABadValueKeepsTheDefault(string? value, int expected)
    {
        Assert.That(WebhookSignatures.Tolerance(Configuration(("Wearables:Providers:whoop:WebhookToleranceSeconds", value)), "whoop"), Is.EqualTo(TimeSpan.FromSeconds(expected)));
    }

    [Test]
    public void Whoop_Parse_NamesTheUser_AsData_WithTheTraceIdAsTheDeliveryId()
    {
        var parsed = Whoop.Parse(Request("whoop", WhoopBody, Received), WebhookSecrets.None)!;
        var deleted = Whoop.Parse(Request("whoop", "{\"user_id\":\"10129\",\"id\":\"1\",\"type\":\"sleep.deleted\"}", Received), WebhookSecrets.None)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Events, Is.EqualTo(new[] { new WebhookEvent("10129", WebhookEventKind.Data, null) }));
            Assert.That(parsed.DeliveryId, Is.EqualTo("e369c784-5100-49e8-8098-75d35c47b31b"));
            Assert.That(deleted.Events.Single().Kind, Is.EqualTo(WebhookEventKind.Data), "a deletion is a change of data, not a deauthorization");
            Assert.That(deleted.DeliveryId, Is.Null, "no trace id: the body is the key");
            Assert.That(Whoop.Parse(Request("whoop", "{\"id\":\"1\",\"type\":\"workout.updated\"}", Received), WebhookSecrets.None), Is.Null, "no user");
            Assert.That(Whoop.Parse(Request("whoop", "{\"user_id\":1,\"type\":\"\"}", Received), WebhookSecrets.None), Is.Null, "no type");
            Assert.That(Whoop.Parse(Request("whoop", "[1]", Received), WebhookSecrets.None), Is.Null, "not an object");
            Assert.That(Whoop.Handshake(Request("whoop", string.Empty, Received), App(clientSecret: WhoopSecret)).Status, Is.EqualTo(404), "no handshake");
        }
    }

    [Test]
    public void Oura_TheKnownVector_IsValid_InEitherCase_AndSignReproducesIt()
    {
        WebhookProof With(string signature, string? secret = OuraSecret) =>
            Oura.Verify(Request("oura", OuraBody, Received, (OuraWebhookVerifier.SignatureHeader, signature), (OuraWebhookVerifier.TimestampHeader, OuraTimestamp)), App(clientSecret: secret));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(With(OuraSignature), Is.EqualTo(WebhookProof.Valid));
            Assert.That(With(OuraSignature.ToLowerInvariant()), Is.EqualTo(WebhookProof.Valid), "hex in any case");
            Assert.That(OuraWebhookVerifier.Sign(OuraSecret, OuraTimestamp, Encoding.UTF8.GetBytes(OuraBody)), Is.EqualTo(OuraSignature));
            Assert.That(With(OuraSignature, OuraSecret + "x"), Is.EqualTo(WebhookProof.Invalid), "another key");
            Assert.That(With(OuraSignature, null), Is.EqualTo(WebhookProof.Invalid), "no client secret on file");
            Assert.That(With(IndependentBase64(OuraSecret, OuraTimestamp + OuraBody)), Is.EqualTo(WebhookProof.Invalid), "base64 is not Oura's encoding");
            Assert.That(Oura.Verify(Request("oura", OuraBody, Received, (OuraWebhookVerifier.SignatureHeader, OuraSignature)), App(clientSecret: OuraSecret)), Is.EqualTo(WebhookProof.Invalid), "no timestamp");
            Assert.That(Oura.Verify(Request("oura", OuraBody, Received, (OuraWebhookVerifier.TimestampHeader, OuraTimestamp)), App(clientSecret: OuraSecret)), Is.EqualTo(WebhookProof.Invalid), "no signature");
        }
    }

    [Test]
    public void Oura_AReadableTimestamp_MustBeFresh_AnUnreadableOneIsOnlySignedOver()
    {
        WebhookProof Signed(string timestamp, DateTimeOffset receivedAt) =>
            Oura.Verify(Request("oura", OuraBody, receivedAt, (OuraWebhookVerifier.SignatureHeader, IndependentHex(OuraSecret, timestamp + OuraBody)), (OuraWebhookVerifier.TimestampHeader, timestamp)), App(clientSecret: OuraSecret));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Signed("1764590400", Received.AddSeconds(301)), Is.EqualTo(WebhookProof.Invalid), "seconds, stale");
            Assert.That(Signed("1764590400000", Received.AddSeconds(301)), Is.EqualTo(WebhookProof.Invalid), "milliseconds, stale");
            Assert.That(Signed("1764590400000", Received.AddSeconds(-299)), Is.EqualTo(WebhookProof.Valid), "milliseconds, fresh");
            Assert.That(Signed("2025-12-01T12:00:00Z", Received.AddSeconds(-301)), Is.EqualTo(WebhookProof.Invalid), "ISO 8601, from the future");
            Assert.That(Signed("2025-12-01T12:00:00Z", Received.AddSeconds(30)), Is.EqualTo(WebhookProof.Valid), "ISO 8601, fresh");
            Assert.That(Signed("v1-opaque", Received.AddDays(30)), Is.EqualTo(WebhookProof.Valid), "an unreadable timestamp is only signed over (its format is unconfirmed)");
        }
    }

    [Test]
    public void Oura_Handshake_EchoesTheChallenge_OnlyForTheProjectsVerificationToken()
    {
        WebhookHandshakeAnswer Answer(string? token, string? challenge, string? stored = "verify-me")
        {
            var query = new Dictionary<string, string>(StringComparer.Ordinal);
            if (token is not null)
            {
                query["verification_token"] = token;
            }

            if (challenge is not null)
            {
                query["challenge"] = challenge;
            }

            return Oura.Handshake(new WebhookRequest("p1", "oura", query, new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty, null, Received), App(clientSecret: OuraSecret, webhookSecret: stored));
        }

        var right = Answer("verify-me", "chal-9");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((right.Status, right.Body), Is.EqualTo((200, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["challenge"] = "chal-9" })));
            Assert.That(Answer("verify-mee", "chal-9").Status, Is.EqualTo(403), "wrong token");
            Assert.That(Answer(null, "chal-9").Status, Is.EqualTo(403), "no token");
            Assert.That(Answer("verify-me", "chal-9", stored: null).Status, Is.EqualTo(403), "no webhook secret on file");
            Assert.That(Answer(string.Empty, "chal-9", stored: string.Empty).Status, Is.EqualTo(403), "empty matches nothing");
            Assert.That(Answer("verify-me", null).Status, Is.EqualTo(403), "no challenge");
            Assert.That(Answer("verify-me", new string('c', 257)).Status, Is.EqualTo(403), "a challenge too long to be Oura's");
            Assert.That(Answer("verify-me", "a b").Status, Is.EqualTo(403), "a challenge with a space");
        }
    }

    [Test]
    public void Oura_Parse_NamesTheUser_AsData_AtTheEventTime()
    {
        var parsed = Oura.Parse(Request("oura", OuraBody, Received), WebhookSecrets.None)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Events, Is.EqualTo(new[] { new WebhookEvent("8f9a5221-639e-4a85-81cb-4065ef23f979", WebhookEventKind.Data, Received) }));
            Assert.That(parsed.DeliveryId, Is.Null, "Oura names no delivery: the exact body is the key");
            Assert.That(Oura.Parse(Request("oura", "{\"event_type\":\"delete\",\"data_type\":\"workout\",\"user_id\":\"u\"}", Received), WebhookSecrets.None)!.Events.Single(), Is.EqualTo(new WebhookEvent("u", WebhookEventKind.Data, null)));
            Assert.That(Oura.Parse(Request("oura", "{\"event_type\":\"create\",\"data_type\":\"sleep\"}", Received), WebhookSecrets.None), Is.Null, "no user");
            Assert.That(Oura.Parse(Request("oura", "{\"data_type\":\"sleep\",\"user_id\":\"u\"}", Received), WebhookSecrets.None), Is.Null, "no event type");
        }
    }

    [Test]
    public void Suunto_TheKnownVector_IsValid_WithTheNotificationSecret_AndNothingElse()
    {
        WebhookProof With(string? signature, WebhookSecrets secrets, string body = SuuntoBody) =>
            Suunto.Verify(signature is null ? Request("suunto", body, Received) : Request("suunto", body, Received, (SuuntoWebhookVerifier.SignatureHeader, signature)), secrets);
        var secrets = App(clientSecret: "client-secret", webhookSecret: SuuntoSecret);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(With(SuuntoSignature, secrets), Is.EqualTo(WebhookProof.Valid));
            Assert.That(With(SuuntoSignature.ToUpperInvariant(), secrets), Is.EqualTo(WebhookProof.Valid), "hex in any case");
            Assert.That(SuuntoWebhookVerifier.Sign(SuuntoSecret, Encoding.UTF8.GetBytes(SuuntoBody)), Is.EqualTo(SuuntoSignature));
            Assert.That(With(null, secrets), Is.EqualTo(WebhookProof.Invalid), "missing");
            Assert.That(With(SuuntoSignature, App(clientSecret: SuuntoSecret, webhookSecret: null)), Is.EqualTo(WebhookProof.Invalid), "the key is the notification secret, not the client secret");
            Assert.That(With(SuuntoSignature, secrets, SuuntoBody.Replace("johndoe123", "janedoe123", StringComparison.Ordinal)), Is.EqualTo(WebhookProof.Invalid), "other bytes");
            Assert.That(With(SuuntoSignature[..^2], secrets), Is.EqualTo(WebhookProof.Invalid), "cut short");
            Assert.That(Suunto.Handshake(Request("suunto", string.Empty, Received), secrets).Status, Is.EqualTo(404), "no handshake");
        }
    }

    [Test]
    public void Suunto_Parse_NamesTheUserByUsername_AsData()
    {
        var parsed = Suunto.Parse(Request("suunto", SuuntoBody, Received), WebhookSecrets.None)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Events, Is.EqualTo(new[] { new WebhookEvent("johndoe123", WebhookEventKind.Data, null) }));
            Assert.That(parsed.DeliveryId, Is.Null);
            Assert.That(Suunto.Parse(Request("suunto", "{\"type\":\"SLEEP_CREATED\"}", Received), WebhookSecrets.None), Is.Null, "no username");
            Assert.That(Suunto.Parse(Request("suunto", "{\"username\":\"johndoe123\"}", Received), WebhookSecrets.None), Is.Null, "no type");
            Assert.That(Suunto.Parse(Request("suunto", "username=johndoe123&workoutid=1", Received), WebhookSecrets.None), Is.Null, "the legacy form body is not taken");
        }
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static WebhookSecrets App(string? clientSecret, string? webhookSecret = null) => new("client-id", clientSecret, webhookSecret, null);

    private static WebhookRequest Request(string provider, string body, DateTimeOffset receivedAt, params (string Name, string Value)[] headers) =>
        new("p1", provider, new Dictionary<string, string>(), headers.ToDictionary(h => h.Name.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal), Encoding.UTF8.GetBytes(body), null, receivedAt);

    private static string IndependentBase64(string key, string message) => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(message)));

    private static string IndependentHex(string key, string message) => Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(message)));
}
