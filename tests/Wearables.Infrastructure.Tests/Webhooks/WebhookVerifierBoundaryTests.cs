using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Webhooks;

namespace Wearables.Infrastructure.Tests.Webhooks;

/// <summary>
/// The verifiers' limits exactly at and one past each bound, their slugs and media types, and the
/// edges of Withings' form reading and Garmin's permission lists. Signatures are computed here with
/// System.Security.Cryptography over literals, apart from the service's own signing.
/// </summary>
public sealed class WebhookVerifierBoundaryTests
{
    private static readonly DateTimeOffset Received = new(2025, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly IConfiguration NoSettings = Settings();

    private static IEnumerable<TestCaseData> Verifiers()
    {
        yield return new TestCaseData(new FitbitWebhookVerifier(), "fitbit", "application/json").SetArgDisplayNames("fitbit");
        yield return new TestCaseData(new GarminWebhookVerifier(), "garmin", "application/json").SetArgDisplayNames("garmin");
        yield return new TestCaseData(new OuraWebhookVerifier(NoSettings), "oura", "application/json").SetArgDisplayNames("oura");
        yield return new TestCaseData(new SuuntoWebhookVerifier(), "suunto", "application/json").SetArgDisplayNames("suunto");
        yield return new TestCaseData(new WhoopWebhookVerifier(NoSettings), "whoop", "application/json").SetArgDisplayNames("whoop");
        yield return new TestCaseData(new WithingsWebhookVerifier(), "withings", "application/x-www-form-urlencoded").SetArgDisplayNames("withings");
    }

    [TestCaseSource(nameof(Verifiers))]
    public void EachVerifier_NamesItsProviderSlug_AndTakesOnlyItsProvidersMediaType(IWebhookVerifier verifier, string slug, string mediaType)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier.Provider, Is.EqualTo(slug));
            Assert.That(verifier.MediaTypes, Is.EqualTo(new[] { mediaType }));
        }
    }

    [Test]
    public void Fitbit_Handshake_TakesACodeOfUpTo256Characters()
    {
        var verifier = new FitbitWebhookVerifier();
        WebhookHandshakeAnswer With(string code) => verifier.Handshake(Request([], query: [("verify", code)]), new WebhookSecrets("c", "s", code, null));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(With(new string('a', 256)).Status, Is.EqualTo(204), "at the bound");
            Assert.That(With(new string('a', 257)).Status, Is.EqualTo(404), "one past it, even when it is the stored code");
        }
    }

    [Test]
    public void Fitbit_Signature_HeaderOfUpTo64Characters_IsRead_AndSignReproducesIt()
    {
        var verifier = new FitbitWebhookVerifier();
        var body = "[{\"collectionType\":\"sleep\",\"ownerId\":\"A1\"}]"u8.ToArray();
#pragma warning disable CA5350 // Fitbit's scheme
        var signature = Convert.ToBase64String(HMACSHA1.HashData("abc123&"u8, body));
#pragma warning restore CA5350
        var secrets = new WebhookSecrets("c", "abc123", null, null);
        WebhookProof With(string header) => verifier.Verify(Request(body, headers: [(FitbitWebhookVerifier.SignatureHeader, header)]), secrets);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(signature, Has.Length.EqualTo(28));
            Assert.That(With(signature), Is.EqualTo(WebhookProof.Valid));
            Assert.That(FitbitWebhookVerifier.Sign("abc123", body), Is.EqualTo(signature), "Sign signs as Fitbit does");
            Assert.That(With(new string(' ', 36) + signature), Is.EqualTo(WebhookProof.Valid), "64 characters, trimmed");
            Assert.That(With(new string(' ', 37) + signature), Is.EqualTo(WebhookProof.Invalid), "65 characters is not Fitbit's");
            Assert.That(With(Convert.ToBase64String(HMACSHA256.HashData("abc123&"u8, body))), Is.EqualTo(WebhookProof.Invalid), "a digest of another size");
        }
    }

    [Test]
    public void Fitbit_Parse_DeleteUserDeauthorizes_AndEachUserAndKindIsOneEvent()
    {
        var verifier = new FitbitWebhookVerifier();
        IReadOnlyList<WebhookEvent>? Events(string json) => verifier.Parse(Request(Encoding.UTF8.GetBytes(json)), WebhookSecrets.None)?.Events;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Events("[{\"collectionType\":\"deleteUser\",\"ownerId\":\"A1\"}]"), Is.EqualTo(new[] { new WebhookEvent("A1", WebhookEventKind.Deauthorized, null) }));
            Assert.That(
                Events("[{\"collectionType\":\"activities\",\"ownerId\":\"A1\"},{\"collectionType\":\"activities\",\"ownerId\":\"B2\"},{\"collectionType\":\"userRevokedAccess\",\"ownerId\":\"A1\"}]"),
                Is.EqualTo(new[] { new WebhookEvent("A1", WebhookEventKind.Data, null), new WebhookEvent("B2", WebhookEventKind.Data, null), new WebhookEvent("A1", WebhookEventKind.Deauthorized, null) }),
                "another user of the same kind, and another kind of the same user, are events of their own");
            Assert.That(Events("[1]"), Is.Null, "an entry that is not an object");
            Assert.That(Events("[{\"collectionType\":\"sleep\",\"ownerId\":\"A1\"},\"x\"]"), Is.Null, "one bad entry spoils the delivery");
        }
    }

    [Test]
    public void Garmin_Permissions_MustBeAnArray_OfAtMost32Names_OfUpTo64LettersDigitsOrUnderscores()
    {
        var verifier = new GarminWebhookVerifier();
        WebhookEvent? Change(string permissions) =>
            verifier.Parse(Request(Encoding.UTF8.GetBytes("{\"userPermissionsChange\":[{\"userId\":\"u1\",\"permissions\":" + permissions + "}]}")), WebhookSecrets.None)?.Events.Single();
        string Names(int count, Func<int, string> name) => "[" + string.Join(',', Enumerable.Range(0, count).Select(i => "\"" + name(i) + "\"")) + "]";
        var thirtyTwo = Change(Names(32, i => "P_" + i));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(thirtyTwo?.Kind, Is.EqualTo(WebhookEventKind.ScopesChanged));
            Assert.That(thirtyTwo?.Scopes, Is.EqualTo(Enumerable.Range(0, 32).Select(i => "P_" + i)), "32 permissions");
            Assert.That(Change(Names(33, i => "P_" + i)), Is.Null, "33 permissions");
            Assert.That(Change(Names(1, _ => new string('A', 64)))?.Scopes, Is.EqualTo(new[] { new string('A', 64) }), "a 64-character name");
            Assert.That(Change(Names(1, _ => new string('A', 65))), Is.Null, "a 65-character name");
            Assert.That(Change(Names(1, _ => string.Empty)), Is.Null, "an empty name");
            Assert.That(Change(Names(1, _ => "HEALTH-EXPORT")), Is.Null, "not a letter, digit or underscore");
            Assert.That(Change("[\"ACTIVITY_EXPORT\",1]"), Is.Null, "a name that is not a string");
            Assert.That(Change("\"ACTIVITY_EXPORT\""), Is.Null, "not an array");
            Assert.That(Change("{\"ACTIVITY_EXPORT\":true}"), Is.Null, "an object, not an array");
            Assert.That(Change("[\"ACTIVITY_EXPORT\",\"ACTIVITY_EXPORT\"]")?.Scopes, Is.EqualTo(new[] { "ACTIVITY_EXPORT" }), "a repeated name counts once");
        }
    }

    [Test]
    public void Oura_Handshake_TakesAChallengeOfOneTo256PrintableCharacters()
    {
        var verifier = new OuraWebhookVerifier(NoSettings);
        int Status(string challenge) =>
            verifier.Handshake(Request([], query: [("verification_token", "verify-me"), ("challenge", challenge)]), new WebhookSecrets("c", "s", "verify-me", null)).Status;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Status(new string('c', 256)), Is.EqualTo(200), "at the bound");
            Assert.That(Status(new string('c', 257)), Is.EqualTo(403), "one past it");
            Assert.That(Status(string.Empty), Is.EqualTo(403), "empty");
            Assert.That(Status("!~"), Is.EqualTo(200), "the printable ASCII ends");
            Assert.That(Status("chal\u007f"), Is.EqualTo(403), "DEL is a control character");
            Assert.That(Status("chal\u00e9"), Is.EqualTo(403), "not ASCII");
        }
    }

    [Test]
    public void Oura_Timestamp_IsRequired_AndAtMost64Characters()
    {
        var verifier = new OuraWebhookVerifier(NoSettings);
        WebhookProof Signed(string timestamp) => OuraSigned(verifier, timestamp, Received);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Signed(new string('t', 64)), Is.EqualTo(WebhookProof.Valid), "64 characters (unreadable, so only signed over)");
            Assert.That(Signed(new string('t', 65)), Is.EqualTo(WebhookProof.Invalid), "65 characters");
            Assert.That(Signed(string.Empty), Is.EqualTo(WebhookProof.Invalid), "an empty timestamp is a missing one");
        }
    }

    [Test]
    public void Oura_100000000000_IsTheFirstNumberReadAsMilliseconds()
    {
        var verifier = new OuraWebhookVerifier(NoSettings);
        var asMilliseconds = new DateTimeOffset(1973, 3, 3, 9, 46, 40, TimeSpan.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DateTimeOffset.FromUnixTimeMilliseconds(100_000_000_000), Is.EqualTo(asMilliseconds));
            Assert.That(OuraSigned(verifier, "100000000000", asMilliseconds), Is.EqualTo(WebhookProof.Valid), "milliseconds at the bound");
            Assert.That(OuraSigned(verifier, "99999999999", new DateTimeOffset(5138, 11, 16, 9, 46, 39, TimeSpan.Zero)), Is.EqualTo(WebhookProof.Valid), "seconds just below it");
        }
    }

    [Test]
    public void Oura_ReadsItsOwnToleranceSetting()
    {
        var verifier = new OuraWebhookVerifier(Settings(("Wearables:Providers:oura:WebhookToleranceSeconds", "10")));
        var whoopSetting = new OuraWebhookVerifier(Settings(("Wearables:Providers:whoop:WebhookToleranceSeconds", "10")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(OuraSigned(verifier, "1764590400", Received.AddSeconds(10)), Is.EqualTo(WebhookProof.Valid));
            Assert.That(OuraSigned(verifier, "1764590400", Received.AddSeconds(11)), Is.EqualTo(WebhookProof.Invalid));
            Assert.That(OuraSigned(whoopSetting, "1764590400", Received.AddSeconds(11)), Is.EqualTo(WebhookProof.Valid), "another provider's setting is not Oura's");
        }
    }

    [Test]
    public void Whoop_Parse_TheTypeMustBeDotted()
    {
        var verifier = new WhoopWebhookVerifier(NoSettings);
        WebhookEvents? Parse(string json) => verifier.Parse(Request(Encoding.UTF8.GetBytes(json)), WebhookSecrets.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Parse("{\"user_id\":1,\"type\":\"recovery.updated\"}")?.Events, Is.EqualTo(new[] { new WebhookEvent("1", WebhookEventKind.Data, null) }));
            Assert.That(Parse("{\"user_id\":1,\"type\":\"workout\"}"), Is.Null, "no dot");
            Assert.That(Parse("{\"user_id\":1,\"type\":7}"), Is.Null, "not text");
        }
    }

    [Test]
    public void HexSignature_IsExactly64HexCharacters_UnderANonEmptyKey()
    {
        var body = "{\"type\":\"WORKOUT_CREATED\",\"username\":\"u\"}"u8.ToArray();
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData("k"u8, body));
        var emptyKeyHex = Convert.ToHexStringLower(HMACSHA256.HashData(ReadOnlySpan<byte>.Empty, body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(WebhookSignatures.HexMatches(hex, "k", null, body), Is.True, "64 characters");
            Assert.That(WebhookSignatures.HexMatches(hex[..63], "k", null, body), Is.False, "63");
            Assert.That(WebhookSignatures.HexMatches(hex + "0", "k", null, body), Is.False, "65");
            Assert.That(WebhookSignatures.HexMatches(new string('z', 64), "k", null, body), Is.False, "64 characters that are not hex");
            Assert.That(WebhookSignatures.HexMatches(emptyKeyHex, string.Empty, null, body), Is.False, "an empty key never matches");
            Assert.That(WebhookSignatures.HexMatches(emptyKeyHex, null, null, body), Is.False, "no key never matches");
        }
    }

    [Test]
    public void Base64Signature_IsAtMost64Characters_UnderANonEmptyKey()
    {
        var body = "{\"user_id\":1,\"type\":\"sleep.updated\"}"u8.ToArray();
        var base64 = Convert.ToBase64String(HMACSHA256.HashData("k"u8, Encoding.UTF8.GetBytes("1764590400000").Concat(body).ToArray()));
        var emptyKey = Convert.ToBase64String(HMACSHA256.HashData(ReadOnlySpan<byte>.Empty, body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(base64, Has.Length.EqualTo(44));
            Assert.That(WebhookSignatures.Base64Matches(base64, "k", "1764590400000", body), Is.True);
            Assert.That(WebhookSignatures.Base64Matches(new string(' ', 20) + base64, "k", "1764590400000", body), Is.True, "64 characters (base64 skips white space)");
            Assert.That(WebhookSignatures.Base64Matches(new string(' ', 21) + base64, "k", "1764590400000", body), Is.False, "65 characters");
            Assert.That(WebhookSignatures.Base64Matches(Convert.ToBase64String(new byte[48]), "k", "1764590400000", body), Is.False, "48 bytes, not a SHA-256 digest");
            Assert.That(WebhookSignatures.Base64Matches(emptyKey, string.Empty, null, body), Is.False, "an empty key never matches");
        }
    }

    [Test]
    public void UnixMilliseconds_AreOneTo15Digits_UpToTheLastRepresentableInstant()
    {
        var last = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(last, Is.EqualTo(253_402_300_799_999L));
            Assert.That(WebhookSignatures.FromUnixMilliseconds("1764590400000"), Is.EqualTo(Received));
            Assert.That(WebhookSignatures.FromUnixMilliseconds("001764590400000"), Is.EqualTo(Received), "15 digits");
            Assert.That(WebhookSignatures.FromUnixMilliseconds("0001764590400000"), Is.Null, "16 digits");
            Assert.That(WebhookSignatures.FromUnixMilliseconds("253402300799999"), Is.EqualTo(new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero)), "the last instant");
            Assert.That(WebhookSignatures.FromUnixMilliseconds("253402300800000"), Is.Null, "one past it");
            Assert.That(WebhookSignatures.FromUnixMilliseconds(string.Empty), Is.Null);
            Assert.That(WebhookSignatures.FromUnixMilliseconds("+1764590400000"), Is.Null, "digits only");
        }
    }

    [TestCase("1", 1)]
    [TestCase("86400", 86_400)]
    [TestCase("86401", 300)]
    [TestCase("0", 300)]
    [TestCase("1.5", 300)]
    [TestCase(" 60", 300)]
    [TestCase("", 300)]
    public void Tolerance_IsWholeSecondsFrom1To86400_ElseTheDefault(string value, int expected)
    {
        Assert.That(WebhookSignatures.Tolerance(Settings(("Wearables:Providers:suunto:WebhookToleranceSeconds", value)), "suunto"), Is.EqualTo(TimeSpan.FromSeconds(expected)));
    }

    [Test]
    public void Withings_UserIdOfUpTo32Digits_AndUpTo32Fields()
    {
        var verifier = new WithingsWebhookVerifier();
        WebhookEvent? Single(string form) => verifier.Parse(Request(Encoding.ASCII.GetBytes(form)), WebhookSecrets.None)?.Events.Single();
        string Extra(int count) => string.Concat(Enumerable.Range(0, count).Select(i => "&f" + i + "=" + i));
        var digits32 = new string('7', 32);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Single("userid=" + digits32 + "&appli=1"), Is.EqualTo(new WebhookEvent(digits32, WebhookEventKind.Data, null)), "32 digits");
            Assert.That(Single("userid=" + digits32 + "7&appli=1"), Is.Null, "33 digits");
            Assert.That(Single("userid=363&appli=1" + Extra(30)), Is.EqualTo(new WebhookEvent("363", WebhookEventKind.Data, null)), "32 fields");
            Assert.That(Single("userid=363&appli=1" + Extra(31)), Is.Null, "33 fields");
        }
    }

    [Test]
    public void Withings_ReadForm_FieldsWithoutAValueAreEmpty_UnnamedRepeatedOrControlFieldsAndBadBytesAreNotAForm()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&flag&note=a+b%21"u8), Is.EqualTo(new Dictionary<string, string> { ["userid"] = "363", ["flag"] = string.Empty, ["note"] = "a b!" }));
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&&appli=1&"u8), Is.EqualTo(new Dictionary<string, string> { ["userid"] = "363", ["appli"] = "1" }), "empty pairs are skipped");
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&=1"u8), Is.Null, "an empty name");
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&appli=1&appli=2"u8), Is.Null, "a repeated field");
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&note=a%0Ab"u8), Is.Null, "a control character inside a value");
            Assert.That(WithingsWebhookVerifier.ReadForm("userid=363&no%00te=a"u8), Is.Null, "a control character inside a name");
            Assert.That(WithingsWebhookVerifier.ReadForm([.. "userid=363&appli=1&note="u8, 0xff]), Is.Null, "not UTF-8");
            Assert.That(WithingsWebhookVerifier.ReadForm(""u8), Is.Null, "no field");
            Assert.That(WithingsWebhookVerifier.ReadForm("&&"u8), Is.Null, "no field");
        }
    }

    [Test]
    public void Withings_Parse_APairWithoutEquals_OrBadBytes()
    {
        var verifier = new WithingsWebhookVerifier();
        WebhookEvents? Parse(byte[] form) => verifier.Parse(Request(form), WebhookSecrets.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Parse("userid=363&appli=1&flag"u8.ToArray())?.Events, Is.EqualTo(new[] { new WebhookEvent("363", WebhookEventKind.Data, null) }), "a field without a value");
            Assert.That(Parse("userid=363&appli=1&=x"u8.ToArray()), Is.Null, "an empty name");
            Assert.That(Parse([.. "userid=363&appli=1&note="u8, 0xc3, 0x28]), Is.Null, "invalid UTF-8 is not a form");
        }
    }

    private static WebhookProof OuraSigned(OuraWebhookVerifier verifier, string timestamp, DateTimeOffset receivedAt)
    {
        var body = "{\"event_type\":\"create\",\"data_type\":\"sleep\",\"user_id\":\"u\"}"u8.ToArray();
        var signature = Convert.ToHexString(HMACSHA256.HashData("oura-secret"u8, [.. Encoding.UTF8.GetBytes(timestamp), .. body]));
        return verifier.Verify(
            Request(body, headers: [(OuraWebhookVerifier.SignatureHeader, signature), (OuraWebhookVerifier.TimestampHeader, timestamp)], receivedAt: receivedAt),
            new WebhookSecrets("c", "oura-secret", null, null));
    }

    private static IConfiguration Settings(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static WebhookRequest Request(
        byte[] body, (string Name, string Value)[]? headers = null, (string Name, string Value)[]? query = null, DateTimeOffset? receivedAt = null) => new(
        "proj-1",
        "test",
        (query ?? []).ToDictionary(q => q.Name, q => q.Value, StringComparer.Ordinal),
        (headers ?? []).ToDictionary(h => h.Name.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal),
        body,
        IPAddress.Loopback,
        receivedAt ?? Received);
}
