using System.Net;
using System.Security.Cryptography;

namespace Wearables.Fakes.Tests;

public sealed class PkceTests : FakeFixture<FakeStrava>
{
    private const string StravaCodeInvalid =
        """{"message":"Bad Request","errors":[{"resource":"AuthorizationCode","field":"code","code":"invalid"}]}""";


    protected override FakeStrava Create() => new("strava-client", "strava-secret") { RequirePkce = true };

    [Test]
    public void Challenge_IsBase64UrlSha256_AsInRfc7636AppendixB()
    {
        Assert.That(Pkce.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), Is.EqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }

    [Test]
    public async Task Authorize_WithoutS256Challenge_Answers400()
    {
        var verifier = NewVerifier();
        var none = await AuthorizePageAsync();
        var plain = await AuthorizePageAsync(("code_challenge", verifier), ("code_challenge_method", "plain"));
        var noMethod = await AuthorizePageAsync(("code_challenge", Pkce.Challenge(verifier)));

        Assert.Multiple(() =>
        {
            Assert.That(none.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(none.Body, Does.Contain("code_challenge"));
            Assert.That(plain.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(noMethod.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(Fake.CodeChallenges, Is.EqualTo(new[] { verifier, Pkce.Challenge(verifier) }), "every challenge seen is recorded");
        });
    }

    [Test]
    public async Task Flow_WithTheRightVerifier_GetsTokens_AndRecordsTheChallenge()
    {
        var verifier = NewVerifier();
        var code = await Wire.AuthorizeAsync(Http, Fake, AuthorizeParameters(Pkce.Challenge(verifier)));
        var answer = await ExchangeAsync(code, verifier);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body);
            Assert.That(Fake.CodeChallenges, Is.EqualTo(new[] { Pkce.Challenge(verifier) }));
        });
    }

    [Test]
    public async Task Exchange_WithWrongOrMissingVerifier_AnswersStravasCodeInvalid_AndTheCodeSurvivesForTheRightOne()
    {
        var verifier = NewVerifier();
        var code = await Wire.AuthorizeAsync(Http, Fake, AuthorizeParameters(Pkce.Challenge(verifier)));
        var wrong = await ExchangeAsync(code, NewVerifier());
        var missing = await ExchangeAsync(code, verifier: null);
        var right = await ExchangeAsync(code, verifier);

        Assert.Multiple(() =>
        {
            Assert.That(wrong.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(wrong.Body, Is.EqualTo(StravaCodeInvalid));
            Assert.That(missing.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(missing.Body, Is.EqualTo(StravaCodeInvalid));
            Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Off_ByDefault_AuthorizeAndExchangeNeedNoPkce()
    {
        await using var plain = new FakeStrava("strava-client", "strava-secret");
        await plain.StartAsync();
        var code = await Wire.AuthorizeAsync(Http, plain, ("client_id", plain.ClientId), ("redirect_uri", Wire.RedirectUri), ("response_type", "code"));
        var answer = await Wire.PostFormAsync(Http, plain.TokenUrl,
            ("client_id", plain.ClientId), ("client_secret", plain.ClientSecret), ("grant_type", "authorization_code"), ("code", code));

        Assert.Multiple(() =>
        {
            Assert.That(plain.RequirePkce, Is.False);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Polar_WithWrongVerifier_AnswersItsInvalidGrant()
    {
        await using var polar = new FakePolar("polar-client", "polar-secret") { RequirePkce = true };
        await polar.StartAsync();
        var verifier = NewVerifier();
        var code = await Wire.AuthorizeAsync(Http, polar,
            ("client_id", polar.ClientId), ("redirect_uri", Wire.RedirectUri), ("response_type", "code"),
            ("code_challenge", Pkce.Challenge(verifier)), ("code_challenge_method", Pkce.S256));

        Task<Answer> ExchangeAsync(string codeVerifier)
            => Wire.PolarTokenAsync(Http, polar,
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Wire.RedirectUri), ("code_verifier", codeVerifier));

        var wrong = await ExchangeAsync(NewVerifier());
        var right = await ExchangeAsync(verifier);
        Assert.Multiple(() =>
        {
            Assert.That(wrong.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(wrong.Text("error"), Is.EqualTo("invalid_grant"));
            Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    internal static string NewVerifier()
        => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private (string, string)[] AuthorizeParameters(string challenge)
        => [("client_id", Fake.ClientId), ("redirect_uri", Wire.RedirectUri), ("response_type", "code"),
            ("scope", "read"), ("code_challenge", challenge), ("code_challenge_method", Pkce.S256)];

    private Task<Answer> AuthorizePageAsync(params (string Name, string Value)[] extra)
    {
        var query = string.Join('&', new[] { ("client_id", Fake.ClientId), ("redirect_uri", Wire.RedirectUri), ("response_type", "code") }
            .Concat(extra).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"));
        return Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.AuthorizeUrl + "?" + query));
    }

    private Task<Answer> ExchangeAsync(string code, string? verifier)
    {
        (string, string)[] fields = [("client_id", Fake.ClientId), ("client_secret", Fake.ClientSecret), ("grant_type", "authorization_code"), ("code", code)];
        return Wire.PostFormAsync(Http, Fake.TokenUrl, verifier is null ? fields : [.. fields, ("code_verifier", verifier)]);
    }
}

public sealed class StandardOAuthTests : FakeFixture<FakeStandardOAuth>
{
    private const string InvalidGrant = """{"error":"invalid_grant"}""";


    protected override FakeStandardOAuth Create() => new("std-client", "std-secret", provider: "whoop");

    [Test]
    public async Task Refresh_RotatesStrictly_AndTheOldTokenIsInvalidGrant()
    {
        var first = await ExchangeAsync(Fake.IssueCode(Wire.RedirectUri));
        var refreshed = await RefreshAsync(first.Text("refresh_token"));
        var reused = await RefreshAsync(first.Text("refresh_token"));
        var me = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl, "me"), refreshed.Text("access_token"));

        Assert.Multiple(() =>
        {
            Assert.That(Fake.Provider, Is.EqualTo("whoop"));
            Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(refreshed.Json.GetProperty("expires_in").GetInt64(), Is.EqualTo(FakeStandardOAuth.DefaultAccessTokenLifetimeSeconds));
            Assert.That(refreshed.Text("refresh_token"), Is.Not.EqualTo(first.Text("refresh_token")));
            Assert.That(reused.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(reused.Body, Is.EqualTo(InvalidGrant));
            Assert.That(me.Text("user_id"), Is.EqualTo(Fake.UserId));
            Assert.That(Fake.RefreshCallsFor(first.Text("refresh_token")), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Exchange_WithRequiredPkceAndNoVerifier_IsInvalidGrant()
    {
        Fake.RequirePkce = true;
        var verifier = PkceTests.NewVerifier();
        var code = Fake.IssueCode(Wire.RedirectUri, codeChallenge: Pkce.Challenge(verifier));
        var missing = await ExchangeAsync(code);
        var right = await ExchangeAsync(code, ("code_verifier", verifier));

        Assert.Multiple(() =>
        {
            Assert.That(missing.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(missing.Body, Is.EqualTo(InvalidGrant));
            Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Revoke_EndsTheGrant_AndIsRecorded()
    {
        var first = await ExchangeAsync(Fake.IssueCode(Wire.RedirectUri));
        var revoke = await Wire.PostFormAsync(Http, Fake.RevokeUrl,
            ("client_id", Fake.ClientId), ("client_secret", Fake.ClientSecret), ("token", first.Text("refresh_token")));
        var refresh = await RefreshAsync(first.Text("refresh_token"));

        Assert.Multiple(() =>
        {
            Assert.That(revoke.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(refresh.Body, Is.EqualTo(InvalidGrant));
            Assert.That(Fake.IsAccessTokenValid(first.Text("access_token")), Is.False);
            Assert.That(Fake.Revocations.Single().AccessToken, Is.EqualTo(first.Text("refresh_token")));
        });
    }

    private Task<Answer> ExchangeAsync(string code, params (string, string)[] extra)
        => Wire.PostFormAsync(Http, Fake.TokenUrl,
            [("client_id", Fake.ClientId), ("client_secret", Fake.ClientSecret), ("grant_type", "authorization_code"),
             ("code", code), ("redirect_uri", Wire.RedirectUri), .. extra]);

    private Task<Answer> RefreshAsync(string refreshToken)
        => Wire.PostFormAsync(Http, Fake.TokenUrl,
            ("client_id", Fake.ClientId), ("client_secret", Fake.ClientSecret), ("grant_type", "refresh_token"), ("refresh_token", refreshToken));
}
