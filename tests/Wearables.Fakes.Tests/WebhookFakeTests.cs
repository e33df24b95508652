using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wearables.Fakes.Tests;

/// <summary>Strava's push subscriptions: the callback URL is checked with a challenge before the subscription exists; one per application; events unsigned.</summary>
public sealed class StravaPushSubscriptionTests : FakeFixture<FakeStrava>
{
    private Subscriber subscriber = null!;

    protected override FakeStrava Create() => new("strava-client", "strava-secret");

    [SetUp]
    public Task StartSubscriberAsync() => (subscriber = new Subscriber()).StartAsync();

    [TearDown]
    public async Task StopSubscriberAsync() => await subscriber.DisposeAsync();

    [Test]
    public async Task Create_ChecksTheCallbackWithAChallenge_ThenAnswers201WithAnId()
    {
        var answer = await CreateAsync(subscriber.VerifyToken);

        var check = subscriber.Received.Single();
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(check.Query);
        var list = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl + "/push_subscriptions?client_id=strava-client&client_secret=strava-secret"));
        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Created), answer.Body);
            Assert.That(answer.Json.GetProperty("id").GetInt64(), Is.EqualTo(Fake.PushSubscription!.Id));
            Assert.That(check.Method, Is.EqualTo("GET"));
            Assert.That(query["hub.mode"].ToString(), Is.EqualTo("subscribe"));
            Assert.That(query["hub.verify_token"].ToString(), Is.EqualTo(subscriber.VerifyToken));
            Assert.That(query["hub.challenge"].ToString(), Is.Not.Empty);
            Assert.That(list.Json[0].GetProperty("callback_url").GetString(), Is.EqualTo(subscriber.HookUrl.ToString()));
        });
    }

    [Test]
    public async Task Create_WhenTheCallbackDoesNotEchoTheChallenge_Is400_AndNothingIsCreated()
    {
        var answer = await CreateAsync("another-token");

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(answer.Body, Does.Contain("GET to callback URL does not return 200"));
            Assert.That(Fake.PushSubscription, Is.Null);
        });
    }

    [Test]
    public async Task OneSubscriptionPerApplication_ASecondIsRefused_AndDeleteEndsIt()
    {
        await CreateAsync(subscriber.VerifyToken);
        var second = await CreateAsync(subscriber.VerifyToken);
        var id = Fake.PushSubscription!.Id;
        var wrongClient = await Wire.SendAsync(Http, HttpMethod.Delete, new Uri($"{Fake.ApiBaseUrl}/push_subscriptions/{id}?client_id=strava-client&client_secret=nope"));
        var deleted = await Wire.SendAsync(Http, HttpMethod.Delete, new Uri($"{Fake.ApiBaseUrl}/push_subscriptions/{id}?client_id=strava-client&client_secret=strava-secret"));
        var again = await Wire.SendAsync(Http, HttpMethod.Delete, new Uri($"{Fake.ApiBaseUrl}/push_subscriptions/{id}?client_id=strava-client&client_secret=strava-secret"));

        Assert.Multiple(() =>
        {
            Assert.That(second.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(second.Body, Does.Contain("already exists"));
            Assert.That(wrongClient.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(deleted.Status, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(again.Status, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(Fake.PushSubscription, Is.Null);
        });
    }

    [Test]
    public async Task Events_AreUnsignedJson_NamingTheOwnerAndTheSubscription_DeauthorizationAsAuthorizedFalse()
    {
        await CreateAsync(subscriber.VerifyToken);
        await Fake.SendActivityCreatedAsync(134815, 1360128428);
        await Fake.SendDeauthorizationAsync(134815);

        var posts = subscriber.Received.Where(r => r.Method == "POST").ToList();
        var activity = JsonDocument.Parse(posts[0].Body).RootElement;
        var deauthorization = JsonDocument.Parse(posts[1].Body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(posts, Has.Count.EqualTo(2));
            Assert.That(posts[0].Headers.ContentType.ToString(), Does.StartWith("application/json"));
            Assert.That(posts[0].Headers.Keys.Where(k => k.Contains("Signature", StringComparison.OrdinalIgnoreCase)), Is.Empty, "Strava signs nothing");
            Assert.That(activity.GetProperty("object_type").GetString(), Is.EqualTo("activity"));
            Assert.That(activity.GetProperty("aspect_type").GetString(), Is.EqualTo("create"));
            Assert.That(activity.GetProperty("owner_id").GetInt64(), Is.EqualTo(134815));
            Assert.That(activity.GetProperty("subscription_id").GetInt64(), Is.EqualTo(Fake.PushSubscription!.Id));
            Assert.That(deauthorization.GetProperty("object_type").GetString(), Is.EqualTo("athlete"));
            Assert.That(deauthorization.GetProperty("aspect_type").GetString(), Is.EqualTo("update"));
            Assert.That(deauthorization.GetProperty("updates").GetProperty("authorized").GetString(), Is.EqualTo("false"));
            Assert.That(deauthorization.GetProperty("object_id").GetInt64(), Is.EqualTo(134815));
        });
    }

    private Task<Answer> CreateAsync(string verifyToken) => Wire.PostFormAsync(Http, new Uri(Fake.ApiBaseUrl + "/push_subscriptions"),
        ("client_id", "strava-client"), ("client_secret", "strava-secret"), ("callback_url", subscriber.HookUrl.ToString()), ("verify_token", verifyToken));
}

/// <summary>Polar's webhook: a signed PING first, the signing key shown once, then signed events.</summary>
public sealed class PolarWebhookTests : FakeFixture<FakePolar>
{
    private Subscriber subscriber = null!;

    protected override FakePolar Create() => new("polar-client", "polar-secret");

    [SetUp]
    public Task StartSubscriberAsync() => (subscriber = new Subscriber()).StartAsync();

    [TearDown]
    public async Task StopSubscriberAsync() => await subscriber.DisposeAsync();

    [Test]
    public async Task Create_PingsFirstSignedWithTheNewKey_ThenAnswers201WithTheKey_ShownThisOnce()
    {
        var answer = await CreateAsync();
        var ping = subscriber.Received.Single();
        var data = answer.Json.GetProperty("data");
        var key = data.GetProperty("signature_secret_key").GetString()!;
        var list = await SendAsync(HttpMethod.Get, "/webhooks");

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Created), answer.Body);
            Assert.That(ping.Headers["Polar-Webhook-Event"].ToString(), Is.EqualTo("PING"));
            Assert.That(JsonDocument.Parse(ping.Body).RootElement.GetProperty("event").GetString(), Is.EqualTo("PING"));
            Assert.That(ping.Headers["Polar-Webhook-Signature"].ToString(), Is.EqualTo(Hmac(key, ping.Body)));
            Assert.That(data.GetProperty("url").GetString(), Is.EqualTo(subscriber.HookUrl.ToString()));
            Assert.That(data.GetProperty("events").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "EXERCISE", "SLEEP" }));
            Assert.That(list.Body, Does.Not.Contain(key), "the key is not listed");
            Assert.That(list.Json.GetProperty("data")[0].GetProperty("id").GetString(), Is.EqualTo(data.GetProperty("id").GetString()));
        });
    }

    [Test]
    public async Task Create_WhenThePingIsNotAnswered200_Is400_AndNothingIsCreated()
    {
        subscriber.PostStatus = 401;
        var answer = await CreateAsync();

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(Fake.Webhook, Is.Null);
        });
    }

    [Test]
    public async Task OneWebhookPerClient_ASecondIs409_DeleteEndsIt_AndEventsAreSignedWithTheKey()
    {
        var created = await CreateAsync();
        var second = await CreateAsync();
        var key = created.Json.GetProperty("data").GetProperty("signature_secret_key").GetString()!;
        await Fake.SendEventAsync("EXERCISE", 475, "aQlC83");
        var id = Fake.Webhook!.Id;
        var deleted = await SendAsync(HttpMethod.Delete, "/webhooks/" + id);
        var again = await SendAsync(HttpMethod.Delete, "/webhooks/" + id);

        var exercise = subscriber.Received.Last();
        var body = JsonDocument.Parse(exercise.Body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(second.Status, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(exercise.Headers["Polar-Webhook-Signature"].ToString(), Is.EqualTo(Hmac(key, exercise.Body)));
            Assert.That(exercise.Headers["Polar-Webhook-Event"].ToString(), Is.EqualTo("EXERCISE"));
            Assert.That(body.GetProperty("user_id").GetInt64(), Is.EqualTo(475));
            Assert.That(body.GetProperty("entity_id").GetString(), Is.EqualTo("aQlC83"));
            Assert.That(deleted.Status, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(again.Status, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task Create_WithoutTheClientsBasicCredentials_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Fake.ApiBaseUrl + "/webhooks")) { Content = Body() };
        using var response = await Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private StringContent Body() =>
        new(JsonSerializer.Serialize(new { events = new[] { "EXERCISE", "SLEEP" }, url = subscriber.HookUrl.ToString() }), Encoding.UTF8, "application/json");

    private async Task<Answer> CreateAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Fake.ApiBaseUrl + "/webhooks")) { Content = Body() };
        request.Headers.Authorization = Basic();
        using var response = await Http.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    private async Task<Answer> SendAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri(Fake.ApiBaseUrl + path));
        request.Headers.Authorization = Basic();
        using var response = await Http.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    private static AuthenticationHeaderValue Basic() => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("polar-client:polar-secret")));

    private static string Hmac(string key, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body));
}
