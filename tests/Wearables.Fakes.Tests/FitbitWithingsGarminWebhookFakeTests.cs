using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Fakes.Tests;

/// <summary>What the Fitbit, Withings and Garmin fakes send to a subscriber: the providers' media types, bodies and proofs.</summary>
public sealed class FitbitWithingsGarminWebhookFakeTests
{
    private Subscriber subscriber = null!;

    [SetUp]
    public Task StartSubscriberAsync() => (subscriber = new Subscriber()).StartAsync();

    [TearDown]
    public async Task StopSubscriberAsync() => await subscriber.DisposeAsync();

    [Test]
    public async Task Fitbit_SignsTheExactBytes_Base64HmacSha1_OfTheClientSecretAndAmpersand_AndCountsOnly204AsDelivered()
    {
        using var fitbit = new FitbitWebhooks(new FakeCatalogProvider(FakeProviderFacts.Fitbit, "fitbit-client", "abc123"));
        var body = Encoding.UTF8.GetBytes("[{\"collectionType\":\"activities\",\"date\":\"2026-12-01\",\"ownerId\":\"228S74\",\"ownerType\":\"user\",\"subscriptionId\":\"1234\"}]");

        var call = await fitbit.NotifyAsync(subscriber.HookUrl, body);

        var received = subscriber.Received.Single();
        using (Assert.EnterMultipleScope())
        {
            // The vector is Python's hmac.new(b"abc123&", body, sha1), base64.
            Assert.That(received.Headers["X-Fitbit-Signature"].ToString(), Is.EqualTo("rodA/KAl9gkRu7P4k9rGp8T1egk="));
            Assert.That(received.Headers.ContentType.ToString(), Is.EqualTo("application/json"));
            Assert.That(received.Body, Is.EqualTo(body));
            Assert.That(FitbitWebhooks.Delivered(call), Is.False, "a 200 is not what Fitbit wants");
            Assert.That(fitbit.Body("228S74", "userRevokedAccess")[0], Is.EqualTo((byte)'['), "notifications are an array");
        }
    }

    [Test]
    public async Task Withings_PostsForms_WithTheUserAndCategory()
    {
        using var withings = new WithingsNotifications(new FakeCatalogProvider(FakeProviderFacts.Withings, "withings-client", "s"));

        await withings.NotifyAsync(subscriber.HookUrl, withings.Body("363", 46, "unlink"));

        var received = subscriber.Received.Single();
        var form = QueryHelpers.ParseQuery(Encoding.ASCII.GetString(received.Body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(received.Headers.ContentType.ToString(), Is.EqualTo("application/x-www-form-urlencoded"));
            Assert.That((form["userid"].ToString(), form["appli"].ToString(), form["action"].ToString()), Is.EqualTo(("363", "46", "unlink")));
            Assert.That(long.Parse(form["enddate"]!, System.Globalization.CultureInfo.InvariantCulture) - long.Parse(form["startdate"]!, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(3600));
            Assert.That(received.Headers.ContainsKey("X-Withings-Signature"), Is.False, "unsigned");
        }
    }

    [Test]
    public async Task Garmin_SendsTheAppsClientIdHeader_AndArraysOfUserEntries()
    {
        using var garmin = new GarminPushes(new FakeCatalogProvider(FakeProviderFacts.Garmin, "garmin-client", "s"));

        await garmin.PushAsync(subscriber.HookUrl, garmin.PermissionsChange("u1", "ACTIVITY_EXPORT"));
        await garmin.PushAsync(subscriber.HookUrl, garmin.Deregistration("u1"), clientId: null);

        var (first, second) = (subscriber.Received[0], subscriber.Received[1]);
        var change = System.Text.Json.JsonDocument.Parse(first.Body).RootElement.GetProperty("userPermissionsChange")[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Headers["garmin-client-id"].ToString(), Is.EqualTo("garmin-client"));
            Assert.That(second.Headers.ContainsKey("garmin-client-id"), Is.False);
            Assert.That(change.GetProperty("userId").GetString(), Is.EqualTo("u1"));
            Assert.That(change.GetProperty("permissions")[0].GetString(), Is.EqualTo("ACTIVITY_EXPORT"));
            Assert.That(change.GetProperty("changeTimeInSeconds").GetInt64(), Is.GreaterThan(0));
        }
    }
}
