using System.Net;
using System.Text;

namespace Wearables.Fakes.Tests;

public sealed class StravaDeauthorizeTests : FakeFixture<FakeStrava>
{

    protected override FakeStrava Create() => new("strava-client", "strava-secret");

    [TestCase("form")]
    [TestCase("query")]
    [TestCase("bearer")]
    public async Task Deauthorize_KillsTheAthletesAccessAndRefreshTokens_AndRecordsTheToken(string presentation)
    {
        var tokens = await ConnectAsync();
        var accessToken = tokens.Text("access_token");
        var answer = presentation switch
        {
            "form" => await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", accessToken)),
            "query" => await Wire.SendAsync(Http, HttpMethod.Post, new Uri(Fake.DeauthorizeUrl + "?access_token=" + accessToken)),
            _ => await Wire.SendAsync(Http, HttpMethod.Post, Fake.DeauthorizeUrl, accessToken),
        };
        var athlete = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl + "/athlete"), accessToken);
        var refresh = await RefreshAsync(tokens.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answer.Text("access_token"), Is.EqualTo(accessToken));
            Assert.That(athlete.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(refresh.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(Fake.CurrentAccessToken(Fake.AthleteId), Is.Null);
            Assert.That(Fake.CurrentRefreshToken(Fake.AthleteId), Is.Null);
            Assert.That(Fake.Revocations.Select(r => (r.Method, r.Path, r.AccessToken, r.TokenSource, r.StatusCode)),
                Is.EqualTo(new[] { ("POST", "/oauth/deauthorize", (string?)accessToken, (string?)presentation, 200) }));
        });
    }

    [Test]
    public async Task Deauthorize_EndsEveryGrantOfTheAthlete_NotOtherAthletes()
    {
        var older = await ConnectAsync();
        var newer = await ConnectAsync();
        Fake.AthleteId = 999;
        var other = await ConnectAsync();
        await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", newer.Text("access_token")));

        Assert.Multiple(() =>
        {
            Assert.That(Fake.IsAccessTokenValid(older.Text("access_token")), Is.False);
            Assert.That(Fake.IsRefreshTokenValid(older.Text("refresh_token")), Is.False);
            Assert.That(Fake.IsAccessTokenValid(other.Text("access_token")), Is.True);
            Assert.That(Fake.IsRefreshTokenValid(other.Text("refresh_token")), Is.True);
        });
    }

    [Test]
    public async Task Deauthorize_WithDeadUnknownOrMissingToken_Answers401AndIsRecorded()
    {
        var tokens = await ConnectAsync();
        await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token")));
        var again = await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token")));
        var unknown = await Wire.SendAsync(Http, HttpMethod.Post, Fake.DeauthorizeUrl, "unknown-token");
        var missing = await Wire.SendAsync(Http, HttpMethod.Post, Fake.DeauthorizeUrl);

        Assert.Multiple(() =>
        {
            Assert.That(new[] { again.Status, unknown.Status, missing.Status }, Is.All.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(Fake.Revocations.Select(r => r.StatusCode), Is.EqualTo(new[] { 200, 401, 401, 401 }));
            Assert.That(Fake.Revocations[^1].AccessToken, Is.Null);
        });
    }

    [Test]
    public async Task RevokeFaults_ServerError_LeavesTokensAlive_UntilARetrySucceeds()
    {
        var tokens = await ConnectAsync();
        Fake.RevokeFaults.FailNext(2, FakeMode.ServerError);
        var first = await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token")));
        var aliveAfterFailure = Fake.IsAccessTokenValid(tokens.Text("access_token"));
        await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token")));
        var third = await Wire.PostFormAsync(Http, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token")));

        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(aliveAfterFailure, Is.True);
            Assert.That(third.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Fake.IsAccessTokenValid(tokens.Text("access_token")), Is.False);
            Assert.That(Fake.Revocations.Select(r => r.StatusCode), Is.EqualTo(new[] { 500, 500, 200 }));
        });
    }

    [Test]
    public async Task RevokeFaults_Slow_RecordsACallWithNoAnswer_AndRevokesNothing()
    {
        var tokens = await ConnectAsync();
        Fake.SlowDelay = TimeSpan.FromSeconds(10);
        Fake.RevokeFaults.Mode = FakeMode.Slow;
        using var impatient = Wire.Client(TimeSpan.FromMilliseconds(300));

        Assert.That(async () => await Wire.PostFormAsync(impatient, Fake.DeauthorizeUrl, ("access_token", tokens.Text("access_token"))),
            Throws.InstanceOf<TaskCanceledException>());
        await WaitUntilAsync(() => Fake.Revocations.Count == 1);
        Assert.Multiple(() =>
        {
            Assert.That(Fake.Revocations[0].StatusCode, Is.Zero);
            Assert.That(Fake.IsAccessTokenValid(tokens.Text("access_token")), Is.True);
        });
    }

    private Task<Answer> ConnectAsync() => Wire.StravaCodeExchangeAsync(Http, Fake);

    private Task<Answer> RefreshAsync(string refreshToken) => Wire.StravaRefreshAsync(Http, Fake, refreshToken);

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}

public sealed class PolarLifecycleTests : FakeFixture<FakePolar>
{

    protected override FakePolar Create() => new("polar-client", "polar-secret");

    [Test]
    public async Task TokenAnswer_CarriesNoRefreshToken_AndARefreshGrantIsRefused()
    {
        var tokens = await ConnectAsync();
        var refresh = await TokenAsync(("grant_type", "refresh_token"), ("refresh_token", tokens.Text("access_token")));

        Assert.Multiple(() =>
        {
            Assert.That(tokens.Json.TryGetProperty("refresh_token", out _), Is.False);
            Assert.That(refresh.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(refresh.Body, Is.EqualTo("""{"error":"unsupported_grant_type"}"""));
            Assert.That(Fake.RefreshCalls, Is.EqualTo(1));
            Assert.That(Fake.IssuedRefreshTokens, Is.Empty);
            Assert.That(Fake.IsAccessTokenValid(tokens.Text("access_token")), Is.True);
        });
    }

    [Test]
    public async Task DeleteUser_Answers204_KillsTheToken_AndIsRecorded()
    {
        var tokens = await ConnectAsync();
        var token = tokens.Text("access_token");
        await RegisterAsync(token);
        var before = await Wire.SendAsync(Http, HttpMethod.Get, UserUrl(Fake.XUserId), token);
        var delete = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId), token);
        var after = await Wire.SendAsync(Http, HttpMethod.Get, UserUrl(Fake.XUserId), token);

        Assert.Multiple(() =>
        {
            Assert.That(before.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(delete.Status, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(after.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(Fake.CurrentAccessToken(Fake.XUserId), Is.Null);
            Assert.That(Fake.Revocations.Select(r => (r.Method, r.Path, r.AccessToken, r.TokenSource, r.StatusCode)),
                Is.EqualTo(new[] { ("DELETE", "/v3/users/" + Fake.XUserId, (string?)token, (string?)"bearer", 204) }));
        });
    }

    [Test]
    public async Task DeleteUser_Unregistered_Answers404_AndBadToken401()
    {
        var tokens = await ConnectAsync();
        var unregistered = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId), tokens.Text("access_token"));
        var badToken = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId), "not-a-token");
        var noToken = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId));

        Assert.Multiple(() =>
        {
            Assert.That(unregistered.Status, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(badToken.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(noToken.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(Fake.Revocations.Select(r => r.StatusCode), Is.EqualTo(new[] { 404, 401, 401 }));
        });
    }

    [Test]
    public async Task RevokeFaults_FailNext_ThenTheRetryDeletes()
    {
        var tokens = await ConnectAsync();
        var token = tokens.Text("access_token");
        await RegisterAsync(token);
        Fake.RevokeFaults.FailNext(1, FakeMode.ServerError);
        var failed = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId), token);
        var aliveAfterFailure = Fake.IsAccessTokenValid(token);
        var retried = await Wire.SendAsync(Http, HttpMethod.Delete, UserUrl(Fake.XUserId), token);

        Assert.Multiple(() =>
        {
            Assert.That(failed.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(aliveAfterFailure, Is.True);
            Assert.That(retried.Status, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(Fake.Revocations.Select(r => r.StatusCode), Is.EqualTo(new[] { 500, 204 }));
        });
    }

    [Test]
    public async Task InitialAccessTokenLifetime_Zero_HandsOutAnExpiredToken()
    {
        Fake.InitialAccessTokenLifetime = TimeSpan.Zero;
        var tokens = await ConnectAsync();

        Assert.Multiple(() =>
        {
            Assert.That(tokens.Json.GetProperty("expires_in").GetInt64(), Is.Zero);
            Assert.That(Fake.IsAccessTokenValid(tokens.Text("access_token")), Is.False);
        });
    }

    private Uri UserUrl(long userId) => new(Fake.ApiBaseUrl + "/users/" + userId);

    private async Task RegisterAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Fake.ApiBaseUrl + "/users"))
        {
            Content = new StringContent("""{"member-id":"m-1"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private Task<Answer> ConnectAsync()
        => TokenAsync(("grant_type", "authorization_code"), ("code", Fake.IssueCode(Wire.RedirectUri)), ("redirect_uri", Wire.RedirectUri));

    private Task<Answer> TokenAsync(params (string Name, string Value)[] fields) => Wire.PolarTokenAsync(Http, Fake, fields);
}
