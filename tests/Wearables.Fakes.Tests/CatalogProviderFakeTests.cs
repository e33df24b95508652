using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Wearables.Fakes.Tests;

/// <summary>The fakes of the catalog's further providers follow each provider's facts (providers.md), odd ones included.</summary>
[TestFixtureSource(typeof(FakeProviderFacts), nameof(FakeProviderFacts.All))]
public sealed class CatalogProviderFakeTests(FakeProviderFacts facts) : FakeFixture<FakeCatalogProvider>
{
    protected override FakeCatalogProvider Create() => new(facts, facts.Provider + "-client", facts.Provider + "-secret");

    [Test]
    public async Task CodeExchange_WithTheProvidersClientAuthentication_GetsTokens_AndTheOtherKindIsRefused()
    {
        var code = NewCode();
        var wrongKind = await TokenAsync(otherAuth: true, ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Wire.RedirectUri));
        var right = await ExchangeAsync(code);

        Assert.Multiple(() =>
        {
            Assert.That(Failed(wrongKind), Is.True, wrongKind.Body);
            Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK), right.Body);
            Assert.That(Tokens(right).GetProperty("access_token").GetString(), Is.Not.Empty);
            Assert.That(Tokens(right).GetProperty("expires_in").GetInt64(), Is.EqualTo(facts.AccessTokenLifetimeSeconds));
        });
    }

    [Test]
    public async Task TheUser_IsNamedWhereTheProviderNamesIt()
    {
        var answer = await ExchangeAsync(NewCode());
        var tokens = Tokens(answer);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        JsonElement source;
        switch (facts.UserIdSource)
        {
            case FakeUserIdSource.TokenAnswer:
                source = tokens;
                break;
            case FakeUserIdSource.Profile:
                var profile = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl, facts.ProfilePath), bearer: accessToken);
                var refused = await Wire.SendAsync(Http, HttpMethod.Get, new Uri(Fake.ApiBaseUrl, facts.ProfilePath), bearer: "not-a-token");
                Assert.That(profile.Status, Is.EqualTo(HttpStatusCode.OK), profile.Body);
                Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
                Assert.That(tokens.TryGetProperty(facts.UserIdField, out _), Is.False, "not in the token answer");
                source = profile.Json;
                break;
            default:
                var parts = accessToken.Split('.');
                Assert.That(parts, Has.Length.EqualTo(3), "a JWT");
                source = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone();
                Assert.That(source.GetProperty("user").GetString(), Is.EqualTo(Fake.Username));
                Assert.That(source.GetProperty("exp").GetInt64(), Is.GreaterThan(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                break;
        }

        var id = source.GetProperty(facts.UserIdField);
        Assert.That(id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString(), Is.EqualTo(Fake.UserId));
        Assert.That(id.ValueKind, Is.EqualTo(facts.NumericUserId ? JsonValueKind.Number : JsonValueKind.String));
    }

    [Test]
    public async Task Refresh_RotatesAsTheProviderDoes_AndAnUnknownTokenIsRefusedInItsWords()
    {
        var first = Tokens(await ExchangeAsync(NewCode())).GetProperty("refresh_token").GetString()!;
        var refreshed = await RefreshAsync(first);
        var second = Tokens(refreshed).GetProperty("refresh_token").GetString()!;
        var unknown = await RefreshAsync("0123456789abcdef0123456789abcdef01234567");

        Assert.Multiple(() =>
        {
            Assert.That(refreshed.Status, Is.EqualTo(HttpStatusCode.OK), refreshed.Body);
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(Fake.IsRefreshTokenValid(first), Is.EqualTo(facts.Rotation != RefreshRotation.RotateStrict), "the old refresh token after a rotation");
            Assert.That(Fake.IsRefreshTokenValid(second), Is.True);
            Assert.That(Failed(unknown), Is.True, unknown.Body);
        });
        if (facts.WithingsDialect)
        {
            Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.OK), "Withings answers errors with HTTP 200");
            Assert.That(unknown.Json.GetProperty("status").GetInt32(), Is.EqualTo(FakeCatalogProvider.WithingsInvalidToken));
        }
        else if (facts.FitbitErrors)
        {
            Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknown.Json.GetProperty("errors")[0].GetProperty("errorType").GetString(), Is.EqualTo("invalid_grant"));
        }
        else
        {
            Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknown.Text("error"), Is.EqualTo("invalid_grant"));
        }
    }

    [Test]
    public async Task Revocation_EndsTheGrant_WhereTheProviderHasOne()
    {
        var tokens = Tokens(await ExchangeAsync(NewCode()));
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Answer? answer = facts.Revocation switch
        {
            FakeRevocation.PostToken => await TokenAsync(otherAuth: false, Fake.RevokeUrl!, ("token", accessToken)),
            FakeRevocation.PostAccessTokenQuery => await Wire.SendAsync(Http, HttpMethod.Post, new Uri(Fake.RevokeUrl + "?access_token=" + accessToken)),
            FakeRevocation.DeleteWithBearer => await Wire.SendAsync(Http, HttpMethod.Delete, Fake.RevokeUrl!, bearer: accessToken),
            _ => null,
        };

        if (answer is null)
        {
            Assert.That(Fake.RevokeUrl, Is.Null, "no revocation endpoint");
            Assert.That(Fake.IsAccessTokenValid(accessToken), Is.True);
            return;
        }

        Assert.Multiple(() =>
        {
            Assert.That((int)answer.Status, Is.InRange(200, 204), answer.Body);
            Assert.That(Fake.IsAccessTokenValid(accessToken), Is.False);
            Assert.That(Fake.IsRefreshTokenValid(tokens.GetProperty("refresh_token").GetString()!), Is.False);
            Assert.That(Fake.Revocations.Single().AccessToken, Is.EqualTo(accessToken));
        });
    }

    [Test]
    public async Task Authorize_WithoutAChallenge_IsRefused_OnlyWhereThePkceIsMandatory()
    {
        var page = await Wire.SendAsync(Http, HttpMethod.Get,
            new Uri(Fake.AuthorizeUrl + $"?client_id={Fake.ClientId}&redirect_uri={Uri.EscapeDataString(Wire.RedirectUri)}&response_type=code&state=s"));

        Assert.That(page.Status, Is.EqualTo(facts.RequirePkce ? HttpStatusCode.BadRequest : HttpStatusCode.OK), page.Body);
    }

    [Test]
    public async Task CodeExchange_OfAChallengedCode_NeedsItsVerifier_WhereThePkceIsRequiredOrSupported()
    {
        var code = NewCode();
        var wrong = await TokenAsync(otherAuth: false, ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Wire.RedirectUri), ("code_verifier", new string('x', 43)));
        var right = await ExchangeAsync(code);

        Assert.Multiple(() =>
        {
            Assert.That(Failed(wrong), Is.EqualTo(facts.RequirePkce || facts.SupportsPkce), wrong.Body);
            // A refused verifier leaves the code for the right one; an unchecked one used it up.
            Assert.That(!Failed(right), Is.EqualTo(facts.RequirePkce || facts.SupportsPkce), right.Body);
        });
    }

    /// <summary>A code as after consent (with a PKCE challenge, which Garmin requires: the exchange presents its verifier).</summary>
    private string NewCode() => Fake.IssueCode(Wire.RedirectUri, facts.RefreshTokenScope ?? string.Empty, Pkce.Challenge(Verifier));

    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    private Task<Answer> ExchangeAsync(string code) =>
        TokenAsync(otherAuth: false, ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Wire.RedirectUri), ("code_verifier", Verifier));

    private Task<Answer> RefreshAsync(string refreshToken) =>
        TokenAsync(otherAuth: false, ("grant_type", "refresh_token"), ("refresh_token", refreshToken));

    private Task<Answer> TokenAsync(bool otherAuth, params (string Name, string Value)[] fields) => TokenAsync(otherAuth, Fake.TokenUrl, fields);

    /// <summary>A POST with the provider's client authentication (or the other kind), in its dialect.</summary>
    private async Task<Answer> TokenAsync(bool otherAuth, Uri url, params (string Name, string Value)[] fields)
    {
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (facts.WithingsDialect)
        {
            form.Add(new("action", "requesttoken"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if ((facts.ClientAuth == FakeClientAuth.Basic) != otherAuth)
        {
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Fake.ClientId}:{Fake.ClientSecret}")));
        }
        else
        {
            form.Add(new("client_id", Fake.ClientId));
            form.Add(new("client_secret", Fake.ClientSecret));
        }

        request.Content = new FormUrlEncodedContent(form);
        using var response = await Http.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    /// <summary>An error answer: a 4xx, or (Withings) HTTP 200 with a non-zero status.</summary>
    private bool Failed(Answer answer) =>
        facts.WithingsDialect
            ? answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("status").GetInt32() != 0
            : (int)answer.Status is >= 400 and < 500;

    /// <summary>The token object: Withings wraps it as <c>{"status":0,"body":{…}}</c>.</summary>
    private JsonElement Tokens(Answer answer)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body);
        if (!facts.WithingsDialect)
        {
            return answer.Json;
        }

        Assert.That(answer.Json.GetProperty("status").GetInt32(), Is.Zero, answer.Body);
        return answer.Json.GetProperty("body");
    }
}

/// <summary>The odd facts of single providers.</summary>
public sealed class CatalogProviderOddityTests
{
    [Test]
    public async Task Whoop_IssuesARefreshToken_OnlyForTheOfflineScope()
    {
        await using var whoop = new FakeCatalogProvider(FakeProviderFacts.Whoop, "w-client", "w-secret");
        await whoop.StartAsync();
        using var http = Wire.Client();
        var without = await Exchange(http, whoop, "read:recovery");
        var with = await Exchange(http, whoop, "offline read:recovery");

        Assert.Multiple(() =>
        {
            Assert.That(without.Json.TryGetProperty("refresh_token", out _), Is.False, without.Body);
            Assert.That(with.Json.GetProperty("refresh_token").GetString(), Is.Not.Empty);
        });
    }

    [Test]
    public async Task Withings_WithoutActionRequesttoken_AnswersHttp200WithAStatus()
    {
        await using var withings = new FakeCatalogProvider(FakeProviderFacts.Withings, "wi-client", "wi-secret");
        await withings.StartAsync();
        using var http = Wire.Client();
        var answer = await Wire.PostFormAsync(http, withings.TokenUrl,
            ("client_id", withings.ClientId), ("client_secret", withings.ClientSecret), ("grant_type", "authorization_code"), ("code", withings.IssueCode(Wire.RedirectUri)),
            ("redirect_uri", Wire.RedirectUri));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.Json.GetProperty("status").GetInt32(), Is.EqualTo(FakeCatalogProvider.WithingsInvalidParams));
    }

    [Test]
    public async Task Withings_RefreshStatus_IsAnsweredInsideHttp200()
    {
        await using var withings = new FakeCatalogProvider(FakeProviderFacts.Withings, "wi-client", "wi-secret") { WithingsRefreshStatus = 601 };
        await withings.StartAsync();
        using var http = Wire.Client();
        var answer = await Wire.PostFormAsync(http, withings.TokenUrl,
            ("action", "requesttoken"), ("client_id", withings.ClientId), ("client_secret", withings.ClientSecret), ("grant_type", "refresh_token"), ("refresh_token", "x"));

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(answer.Json.GetProperty("status").GetInt32(), Is.EqualTo(601));
            Assert.That(withings.RefreshCalls, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Oura_NewPortalApp_RefreshesOnlyAtTheNewEndpoint()
    {
        await using var oura = new FakeCatalogProvider(FakeProviderFacts.Oura, "o-client", "o-secret") { NewPortalApp = true };
        await oura.StartAsync();
        using var http = Wire.Client();
        var refreshToken = (await Exchange(http, oura, "daily")).Text("refresh_token");
        (string, string)[] refresh = [("client_id", oura.ClientId), ("client_secret", oura.ClientSecret), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)];
        var old = await Wire.PostFormAsync(http, oura.TokenUrl, refresh);
        var @new = await Wire.PostFormAsync(http, oura.NewPortalRefreshUrl!, refresh);

        Assert.Multiple(() =>
        {
            Assert.That(old.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(@new.Status, Is.EqualTo(HttpStatusCode.OK), @new.Body);
            Assert.That(oura.ServiceSettings(), Does.Contain(new KeyValuePair<string, string?>("Wearables:Providers:oura:RefreshUrl", oura.NewPortalRefreshUrl!.ToString())));
        });
    }

    private static Task<Answer> Exchange(HttpClient http, FakeCatalogProvider fake, string scope) =>
        Wire.PostFormAsync(http, fake.TokenUrl,
            ("client_id", fake.ClientId), ("client_secret", fake.ClientSecret), ("grant_type", "authorization_code"),
            ("code", fake.IssueCode(Wire.RedirectUri, scope)), ("redirect_uri", Wire.RedirectUri));
}
