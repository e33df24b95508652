using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Wearables.Fakes.Tests;

public sealed class StravaRefreshTests : FakeFixture<FakeStrava>
{
    private const string RefreshTokenInvalid =
        """{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}""";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    protected override FakeStrava Create() => new("strava-client", "strava-secret", _clock);

    [Test]
    public async Task Refresh_ByDefault_RotatesAndTheOldRefreshTokenDiesAtOnce()
    {
        var first = await ExchangeAsync();
        var refreshed = await RefreshAsync(first.Text("refresh_token"));
        var reused = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(Fake.RefreshRotation, Is.EqualTo(RefreshRotation.RotateStrict), "the behaviour the fake always had");
            Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(refreshed.Text("refresh_token"), Is.Not.EqualTo(first.Text("refresh_token")));
            Assert.That(reused.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(reused.Body, Is.EqualTo(RefreshTokenInvalid));
            Assert.That(Fake.IsRefreshTokenValid(first.Text("refresh_token")), Is.False);
            Assert.That(Fake.CurrentRefreshToken(Fake.AthleteId), Is.EqualTo(refreshed.Text("refresh_token")));
        });
    }

    [Test]
    public async Task Refresh_AnswersStravasShapeWithoutAthlete()
    {
        var first = await ExchangeAsync();
        _clock.Advance(TimeSpan.FromHours(1));
        var refreshed = await RefreshAsync(first.Text("refresh_token"));

        var json = refreshed.Json;
        var names = json.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EquivalentTo(new[] { "token_type", "access_token", "expires_at", "expires_in", "refresh_token" }));
            Assert.That(json.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
            Assert.That(json.GetProperty("expires_in").GetInt32(), Is.EqualTo(FakeStrava.AccessTokenLifetimeSeconds));
            Assert.That(json.GetProperty("expires_at").GetInt64(), Is.EqualTo(_clock.GetUtcNow().ToUnixTimeSeconds() + FakeStrava.AccessTokenLifetimeSeconds));
            Assert.That(refreshed.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(first.Json.TryGetProperty("athlete", out _), Is.True, "the code exchange does carry the athlete");
            Assert.That(Fake.CurrentAccessToken(Fake.AthleteId), Is.EqualTo(refreshed.Text("access_token")));
        });
    }

    [Test]
    public async Task RefreshCount_OverHttp_CountsEveryRefreshRequest_AndNoCodeExchange()
    {
        var before = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.BaseUrl, "__fake/refresh-count"));
        var first = await ExchangeAsync();
        await RefreshAsync(first.Text("refresh_token"));
        await RefreshAsync(first.Text("refresh_token"));
        var after = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.BaseUrl, "__fake/refresh-count"));

        Assert.Multiple(() =>
        {
            Assert.That(before.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(before.Json.GetProperty("refresh_calls").GetInt32(), Is.Zero);
            Assert.That(after.Json.GetProperty("refresh_calls").GetInt32(), Is.EqualTo(2), "the second one failed (rotated away) and still counts");
            Assert.That(after.Json.GetProperty("refresh_calls").GetInt32(), Is.EqualTo(Fake.RefreshCalls));
        });
    }

    [Test]
    public async Task Refresh_WithRotationSame_KeepsTheRefreshTokenUsable()
    {
        Fake.RefreshRotation = RefreshRotation.Same;
        var first = await ExchangeAsync();
        var once = await RefreshAsync(first.Text("refresh_token"));
        var twice = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(once.Text("refresh_token"), Is.EqualTo(first.Text("refresh_token")));
            Assert.That(twice.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(twice.Text("refresh_token"), Is.EqualTo(first.Text("refresh_token")));
            Assert.That(twice.Text("access_token"), Is.Not.EqualTo(once.Text("access_token")));
            Assert.That(Fake.RefreshCallsFor(first.Text("refresh_token")), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Refresh_WithLenientRotation_ReturnsANewTokenAndTheOldOneStillWorks()
    {
        Fake.RefreshRotation = RefreshRotation.Rotate;
        var first = await ExchangeAsync();
        var rotated = await RefreshAsync(first.Text("refresh_token"));
        var withOld = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(rotated.Text("refresh_token"), Is.Not.EqualTo(first.Text("refresh_token")));
            Assert.That(withOld.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Fake.IsRefreshTokenValid(rotated.Text("refresh_token")), Is.True);
        });
    }

    [Test]
    public async Task Refresh_WithUnknownOrMissingToken_Answers400InvalidAndIsCounted()
    {
        var unknown = await RefreshAsync("not-a-refresh-token");
        var missing = await Wire.PostFormAsync(Http, Fake.TokenUrl,
            ("client_id", Fake.ClientId), ("client_secret", Fake.ClientSecret), ("grant_type", "refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknown.Body, Is.EqualTo(RefreshTokenInvalid));
            Assert.That(missing.Body, Is.EqualTo(RefreshTokenInvalid));
            Assert.That(Fake.RefreshCallsFor("not-a-refresh-token"), Is.EqualTo(1));
            Assert.That(Fake.RefreshCallsFor(string.Empty), Is.EqualTo(1));
            Assert.That(Fake.RefreshCalls, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Refresh_WithWrongClientSecret_Answers401AndKeepsTheToken()
    {
        var first = await ExchangeAsync();
        var answer = await Wire.PostFormAsync(Http, Fake.TokenUrl,
            ("client_id", Fake.ClientId), ("client_secret", "wrong"), ("grant_type", "refresh_token"), ("refresh_token", first.Text("refresh_token")));

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(answer.Body, Does.Contain("\"resource\":\"Application\""));
            Assert.That(Fake.IsRefreshTokenValid(first.Text("refresh_token")), Is.True);
        });
    }

    [Test]
    public async Task RefreshCounts_ArePerRefreshTokenAndInTotal()
    {
        Fake.RefreshRotation = RefreshRotation.Same;
        var a = await ExchangeAsync();
        var b = await ExchangeAsync();
        await RefreshAsync(a.Text("refresh_token"));
        await RefreshAsync(a.Text("refresh_token"));
        await RefreshAsync(b.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(Fake.RefreshCallsFor(a.Text("refresh_token")), Is.EqualTo(2));
            Assert.That(Fake.RefreshCallsFor(b.Text("refresh_token")), Is.EqualTo(1));
            Assert.That(Fake.RefreshCalls, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Refresh_ConcurrentWithOneStrictToken_OnlyOneWins()
    {
        var first = await ExchangeAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RefreshAsync(first.Text("refresh_token"))));

        Assert.Multiple(() =>
        {
            Assert.That(answers.Count(a => a.Status == HttpStatusCode.OK), Is.EqualTo(1));
            Assert.That(answers.Count(a => a.Status == HttpStatusCode.BadRequest), Is.EqualTo(7));
            Assert.That(Fake.RefreshCallsFor(first.Text("refresh_token")), Is.EqualTo(8));
        });
    }

    [TestCase(FakeMode.ServerError, HttpStatusCode.InternalServerError)]
    [TestCase(FakeMode.TooManyRequests, HttpStatusCode.TooManyRequests)]
    [TestCase(FakeMode.Garbage, HttpStatusCode.OK)]
    public async Task RefreshFaults_FailOnlyRefreshes_AndKeepTheToken(FakeMode mode, HttpStatusCode expected)
    {
        Fake.RetryAfter = TimeSpan.FromSeconds(42);
        var first = await ExchangeAsync();
        Fake.RefreshFaults.Mode = mode;
        var failed = await RefreshAsync(first.Text("refresh_token"));
        var exchange = await ExchangeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(failed.Status, Is.EqualTo(expected));
            Assert.That(failed.Body, Does.Not.Contain("access_token"));
            Assert.That(failed.Headers.RetryAfter?.Delta, mode == FakeMode.TooManyRequests ? Is.EqualTo(TimeSpan.FromSeconds(42)) : Is.Null);
            Assert.That(exchange.Status, Is.EqualTo(HttpStatusCode.OK), "code exchanges are not refreshes");
            Assert.That(Fake.IsRefreshTokenValid(first.Text("refresh_token")), Is.True);
            Assert.That(Fake.RefreshCalls, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task RefreshFaults_FailNext_FailsThatManyThenSucceeds()
    {
        var first = await ExchangeAsync();
        Fake.RefreshFaults.FailNext(2, FakeMode.ServerError);
        var one = await RefreshAsync(first.Text("refresh_token"));
        var two = await RefreshAsync(first.Text("refresh_token"));
        var three = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(new[] { one.Status, two.Status, three.Status },
                Is.EqualTo(new[] { HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.OK }));
            Assert.That(Fake.RefreshFaults.PendingFailures, Is.Zero);
            Assert.That(Fake.RefreshCallsFor(first.Text("refresh_token")), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task RefreshFaults_Slow_OutlastsAClientTimeout_ThenAnswersNormally()
    {
        Fake.SlowDelay = TimeSpan.FromSeconds(10);
        var first = await ExchangeAsync();
        Fake.RefreshFaults.FailNext(1, FakeMode.Slow);
        using var impatient = Wire.Client(TimeSpan.FromMilliseconds(500));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.That(async () => await Wire.PostFormAsync(impatient, Fake.TokenUrl, Wire.StravaRefreshFields(Fake, first.Text("refresh_token"))),
            Throws.InstanceOf<TaskCanceledException>());
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        var after = await RefreshAsync(first.Text("refresh_token"));
        Assert.That(after.Status, Is.EqualTo(HttpStatusCode.OK), "the slow call never reached the token, so it is still the stored one");
    }

    [Test]
    public async Task GlobalFaults_AnswerBeforeTheTokenEndpoint_SoNoRefreshIsCounted()
    {
        var first = await ExchangeAsync();
        Fake.Faults.FailNext(1, FakeMode.TooManyRequests);
        var limited = await RefreshAsync(first.Text("refresh_token"));
        var next = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(limited.Status, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(limited.Headers.RetryAfter?.Delta, Is.EqualTo(Fake.RetryAfter));
            Assert.That(next.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Fake.RefreshCalls, Is.EqualTo(1), "a global fault answers before the token endpoint runs");
        });
    }

    [Test]
    public async Task AccessTokenLifetime_FollowsTheFakeClock()
    {
        Fake.AccessTokenLifetime = TimeSpan.FromMinutes(10);
        var first = await ExchangeAsync();
        var token = first.Text("access_token");
        var live = await AthleteAsync(token);
        _clock.Advance(TimeSpan.FromMinutes(10));
        var dead = await AthleteAsync(token);

        Assert.Multiple(() =>
        {
            Assert.That(first.Json.GetProperty("expires_in").GetInt32(), Is.EqualTo(600));
            Assert.That(live, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(dead, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(Fake.CurrentAccessToken(Fake.AthleteId), Is.Null);
        });
    }

    [Test]
    public async Task InitialAccessTokenLifetime_Zero_HandsOutAnExpiredToken_ThatARefreshReplaces()
    {
        Fake.InitialAccessTokenLifetime = TimeSpan.Zero;
        var first = await ExchangeAsync();
        var refreshed = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(async () =>
        {
            Assert.That(first.Json.GetProperty("expires_at").GetInt64(), Is.LessThanOrEqualTo(_clock.GetUtcNow().ToUnixTimeSeconds()));
            Assert.That(first.Json.GetProperty("expires_in").GetInt32(), Is.Zero);
            Assert.That(await AthleteAsync(first.Text("access_token")), Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(refreshed.Json.GetProperty("expires_in").GetInt32(), Is.EqualTo(FakeStrava.AccessTokenLifetimeSeconds));
            Assert.That(await AthleteAsync(refreshed.Text("access_token")), Is.EqualTo(HttpStatusCode.OK));
        });
    }

    private Task<Answer> ExchangeAsync() => Wire.StravaCodeExchangeAsync(Http, Fake);

    private Task<Answer> RefreshAsync(string refreshToken) => Wire.StravaRefreshAsync(Http, Fake, refreshToken);

    private async Task<HttpStatusCode> AthleteAsync(string accessToken)
        => (await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl + "/athlete"), accessToken)).Status;
}
