using System.Net;
using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Webhooks;

namespace Wearables.Infrastructure.Tests.Webhooks;

/// <summary>The webhook strategies of Fitbit, Withings and Garmin over literal requests: proofs, handshakes and the events they read.</summary>
public sealed class FitbitWithingsGarminWebhookVerifierTests
{
    private const string FitbitBody = "[{\"collectionType\":\"activities\",\"date\":\"2026-12-01\",\"ownerId\":\"228S74\",\"ownerType\":\"user\",\"subscriptionId\":\"1234\"}]";

    private static readonly WebhookSecrets Secrets = new("client-7", "abc123", "verify-code-1", null);

    [Test]
    public void Fitbit_Signature_IsBase64HmacSha1_KeyedWithTheClientSecretAndAmpersand_OverTheExactBytes()
    {
        var verifier = new FitbitWebhookVerifier();
        var body = Encoding.UTF8.GetBytes(FitbitBody);

        // Computed apart from the service: HMAC-SHA1("abc123&", body), base64 (Python's hmac gives the same).
#pragma warning disable CA5350 // Fitbit's scheme
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes("abc123&"));
        var expected = Convert.ToBase64String(hmac.ComputeHash(body));
#pragma warning restore CA5350
        using (Assert.EnterMultipleScope())
        {
            Assert.That(expected, Is.EqualTo("rodA/KAl9gkRu7P4k9rGp8T1egk="));
            Assert.That(verifier.Verify(Request(body, ("X-Fitbit-Signature", expected)), Secrets), Is.EqualTo(WebhookProof.Valid));
            Assert.That(verifier.Verify(Request(body), Secrets), Is.EqualTo(WebhookProof.Invalid), "missing");
            Assert.That(verifier.Verify(Request(body, ("X-Fitbit-Signature", "rodA/KAl9gkRu7P4k9rGp8T1egg=")), Secrets), Is.EqualTo(WebhookProof.Invalid), "one bit off");
            Assert.That(verifier.Verify(Request(body, ("X-Fitbit-Signature", "%%%")), Secrets), Is.EqualTo(WebhookProof.Invalid), "not base64");
            Assert.That(verifier.Verify(Request([.. body, (byte)' '], ("X-Fitbit-Signature", expected)), Secrets), Is.EqualTo(WebhookProof.Invalid), "other bytes");
            Assert.That(verifier.Verify(Request(body, ("X-Fitbit-Signature", expected)), Secrets with { ClientSecret = null }), Is.EqualTo(WebhookProof.Invalid), "no secret on file");
            Assert.That(verifier.SuccessStatus, Is.EqualTo(204));
        }
    }

    [Test]
    public void Fitbit_Handshake_TheRightCodeIs204WithoutABody_AnyOtherIs404()
    {
        var verifier = new FitbitWebhookVerifier();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier.Handshake(Query(("verify", "verify-code-1")), Secrets), Is.EqualTo(new WebhookHandshakeAnswer(204, null)));
            Assert.That(verifier.Handshake(Query(("verify", "verify-code-2")), Secrets).Status, Is.EqualTo(404));
            Assert.That(verifier.Handshake(Query(("verify", "verify-code-2")), Secrets).Error, Is.EqualTo("webhook_verify_code_invalid"));
            Assert.That(verifier.Handshake(Request([]), Secrets).Status, Is.EqualTo(404), "no code");
            Assert.That(verifier.Handshake(Query(("verify", "verify-code-1")), WebhookSecrets.None).Status, Is.EqualTo(404), "none on file");
        }
    }

    [Test]
    public void Fitbit_Parse_UserRevokedAccessIsADeauthorization_OtherCollectionsData_OnePerUserAndKind()
    {
        var verifier = new FitbitWebhookVerifier();
        var body = "[{\"collectionType\":\"activities\",\"ownerId\":\"A1\",\"ownerType\":\"user\"},{\"collectionType\":\"sleep\",\"ownerId\":\"A1\",\"ownerType\":\"user\"},"
            + "{\"collectionType\":\"userRevokedAccess\",\"ownerId\":\"B2\",\"ownerType\":\"user\"}]";
        var events = verifier.Parse(Request(Encoding.UTF8.GetBytes(body)), Secrets)!.Events;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(events, Is.EqualTo(new[] { new WebhookEvent("A1", WebhookEventKind.Data, null), new WebhookEvent("B2", WebhookEventKind.Deauthorized, null) }));
            Assert.That(verifier.Parse(Request("{\"collectionType\":\"sleep\",\"ownerId\":\"A1\"}"u8.ToArray()), Secrets), Is.Null, "an object, not Fitbit's array");
            Assert.That(verifier.Parse(Request("[{\"collectionType\":\"sleep\"}]"u8.ToArray()), Secrets), Is.Null, "no owner");
            Assert.That(verifier.Parse(Request("[]"u8.ToArray()), Secrets), Is.Null, "nothing");
        }
    }

    [Test]
    public void Withings_Parse_FormFields_Appli46UnlinkOrDeleteDeauthorizes_OthersAreData()
    {
        var verifier = new WithingsWebhookVerifier();
        WebhookEvent? Single(string form) => verifier.Parse(Request(Encoding.ASCII.GetBytes(form)), Secrets)?.Events.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Single("userid=363&appli=1&startdate=1530576000&enddate=1530662400"), Is.EqualTo(new WebhookEvent("363", WebhookEventKind.Data, null)));
            Assert.That(Single("userid=363&appli=46&action=unlink"), Is.EqualTo(new WebhookEvent("363", WebhookEventKind.Deauthorized, null)));
            Assert.That(Single("appli=46&action=delete&userid=363"), Is.EqualTo(new WebhookEvent("363", WebhookEventKind.Deauthorized, null)));
            Assert.That(Single("userid=363&appli=46&action=link"), Is.EqualTo(new WebhookEvent("363", WebhookEventKind.Data, null)));
            Assert.That(Single("appli=1"), Is.Null, "no userid");
            Assert.That(Single("userid=36a&appli=1"), Is.Null, "not Withings' numeric user id");
            Assert.That(Single("userid=363&appli=x"), Is.Null);
            Assert.That(Single("userid=363&userid=364&appli=1"), Is.Null, "a repeated field");
            Assert.That(Single("userid=363&appli=1&x=%0A"), Is.Null, "a control character");
            Assert.That(verifier.Parse(Request([0xff, 0xfe, 0x3d]), Secrets), Is.Null, "not UTF-8");
            Assert.That(verifier.RequiresAllowedSource, Is.True);
            Assert.That(verifier.MediaTypes, Is.EqualTo(new[] { "application/x-www-form-urlencoded" }));
            Assert.That(verifier.Handshake(Request([]), WebhookSecrets.None), Is.EqualTo(new WebhookHandshakeAnswer(200, null)), "the HEAD probe");
        }
    }

    [Test]
    public void Garmin_Proof_IsTheProjectsClientIdInTheHeader()
    {
        var verifier = new GarminWebhookVerifier();
        var body = "{\"dailies\":[{\"userId\":\"u1\"}]}"u8.ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier.Verify(Request(body, ("garmin-client-id", "client-7")), Secrets), Is.EqualTo(WebhookProof.Valid));
            Assert.That(verifier.Verify(Request(body, ("Garmin-Client-Id", "client-7")), Secrets), Is.EqualTo(WebhookProof.Valid), "any case of the name");
            Assert.That(verifier.Verify(Request(body, ("garmin-client-id", "client-8")), Secrets), Is.EqualTo(WebhookProof.Invalid));
            Assert.That(verifier.Verify(Request(body), Secrets), Is.EqualTo(WebhookProof.Invalid), "missing");
            Assert.That(verifier.Verify(Request(body, ("garmin-client-id", "client-7")), WebhookSecrets.None), Is.EqualTo(WebhookProof.Invalid), "no client id on file");
        }
    }

    [Test]
    public void Garmin_Parse_SummariesAreData_DeregistrationsDeauthorize_PermissionChangesCarryTheScopes()
    {
        var verifier = new GarminWebhookVerifier();
        IReadOnlyList<WebhookEvent>? Events(string json) => verifier.Parse(Request(Encoding.UTF8.GetBytes(json)), Secrets)?.Events;
        var changed = Events("{\"userPermissionsChange\":[{\"userId\":\"u1\",\"userAccessToken\":\"t\",\"permissions\":[\"ACTIVITY_EXPORT\",\"HEALTH_EXPORT\"],\"changeTimeInSeconds\":1764590400}]}")!.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Events("{\"dailies\":[{\"userId\":\"u1\",\"steps\":1},{\"userId\":\"u1\",\"steps\":2},{\"userId\":\"u2\"}],\"sleeps\":[{\"userId\":\"u1\"}]}"),
                Is.EqualTo(new[] { new WebhookEvent("u1", WebhookEventKind.Data, null), new WebhookEvent("u2", WebhookEventKind.Data, null) }));
            Assert.That(Events("{\"deregistrations\":[{\"userId\":\"u1\",\"userAccessToken\":\"t\"}]}"), Is.EqualTo(new[] { new WebhookEvent("u1", WebhookEventKind.Deauthorized, null) }));
            Assert.That((changed.Kind, changed.OccurredAt), Is.EqualTo((WebhookEventKind.ScopesChanged, (DateTimeOffset?)DateTimeOffset.FromUnixTimeSeconds(1764590400))));
            Assert.That(changed.Scopes, Is.EqualTo(new[] { "ACTIVITY_EXPORT", "HEALTH_EXPORT" }));
            Assert.That(Events("{\"userPermissionsChange\":[{\"userId\":\"u1\",\"permissions\":[]}]}")!.Single().Kind, Is.EqualTo(WebhookEventKind.Deauthorized), "no permission left");
            Assert.That(Events("{\"userPermissionsChange\":[{\"userId\":\"u1\"}]}"), Is.Null, "no permissions list");
            Assert.That(Events("{\"userPermissionsChange\":[{\"userId\":\"u1\",\"permissions\":[\"a b\"]}]}"), Is.Null, "not a permission name");
            Assert.That(Events("{\"dailies\":[{\"steps\":1}]}"), Is.Null, "no user");
            Assert.That(Events("{\"dailies\":[1]}"), Is.Null);
            Assert.That(Events("{}"), Is.Null);
            Assert.That(Events("[{\"userId\":\"u1\"}]"), Is.Null, "not an object");
            Assert.That(verifier.Handshake(Request([]), Secrets).Status, Is.EqualTo(404), "no handshake");
        }
    }

    private static WebhookRequest Request(byte[] body, params (string Name, string Value)[] headers) => Request(body, headers, []);

    private static WebhookRequest Query((string Name, string Value) query) => Request([], [], [query]);

    private static WebhookRequest Request(byte[] body, (string Name, string Value)[] headers, (string Name, string Value)[] query) => new(
        "proj-1",
        "test",
        query.ToDictionary(q => q.Name, q => q.Value, StringComparer.Ordinal),
        headers.ToDictionary(h => h.Name.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal),
        body,
        IPAddress.Loopback,
        new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
}
