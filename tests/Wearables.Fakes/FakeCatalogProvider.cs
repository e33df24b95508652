using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Wearables.Fakes;

/// <summary>
/// The OAuth 2.0 server of one of the catalog's further providers (Garmin, WHOOP, Oura, Fitbit, Withings, Suunto,
/// Dexcom), driven by its <see cref="FakeProviderFacts"/>: the provider's paths, its client authentication (the other
/// kind is refused), mandatory PKCE (Garmin), where it names the user (token answer, profile call, JWT claims), its
/// refresh-token rotation (WHOOP's dies at once; WHOOP issues one only for the <c>offline</c> scope), its
/// revocation (or none), and Withings' dialect (<c>action=requesttoken</c>, <c>{"status":0,"body":…}</c>, errors as
/// HTTP 200 with a status).
/// </summary>
public sealed class FakeCatalogProvider : OAuthFake
{
    /// <summary>Withings' "Invalid Params" status, its answer to a bad code or request.</summary>
    public const int WithingsInvalidParams = 503;

    /// <summary>Withings' answer to an invalid or expired token (as client code reports it).</summary>
    public const int WithingsInvalidToken = 401;

    private static readonly byte[] InvalidClient = FakesJsonContext.Serialize(new OAuthError("invalid_client"), FakesJsonContext.Default.OAuthError);
    private static readonly byte[] InvalidToken = FakesJsonContext.Serialize(new OAuthError("invalid_token"), FakesJsonContext.Default.OAuthError);
    private static readonly byte[] InvalidRequest = FakesJsonContext.Serialize(new OAuthError("invalid_request"), FakesJsonContext.Default.OAuthError);
    private static readonly byte[] UnsupportedGrantType = FakesJsonContext.Serialize(new OAuthError("unsupported_grant_type"), FakesJsonContext.Default.OAuthError);
    private readonly ConcurrentDictionary<string, string> _scopes = new(StringComparer.Ordinal);
    private readonly byte[] _jwtKey = RandomNumberGenerator.GetBytes(32);

    public FakeCatalogProvider(FakeProviderFacts facts, string clientId, string clientSecret, TimeProvider? timeProvider = null)
        : base(clientId, clientSecret, timeProvider, TimeSpan.FromSeconds(facts?.AccessTokenLifetimeSeconds ?? 0))
    {
        ArgumentNullException.ThrowIfNull(facts);
        Facts = facts;
        UserId = facts.DefaultUserId;
        RefreshRotation = facts.Rotation;
        RequirePkce = facts.RequirePkce;
    }

    public FakeProviderFacts Facts { get; }

    public override string Provider => Facts.Provider;

    public override Uri AuthorizeUrl => Url(Facts.AuthorizePath.TrimStart('/'));

    public override Uri TokenUrl => Url(Facts.TokenPath.TrimStart('/'));

    public override Uri ApiBaseUrl => Url(Facts.ApiPath.TrimStart('/'));

    public Uri? RevokeUrl => Facts.RevokePath is null ? null : Url(Facts.RevokePath.TrimStart('/'));

    /// <summary>Oura: the refresh endpoint of apps from the new developer portal (null for other providers).</summary>
    public Uri? NewPortalRefreshUrl => Facts.NewPortalRefreshPath is null ? null : Url(Facts.NewPortalRefreshPath.TrimStart('/'));

    /// <summary>Oura: the app comes from the new developer portal, so a refresh at the old token endpoint answers 400.</summary>
    public bool NewPortalApp { get; set; }

    /// <summary>User who approves the next authorization (read when the code is exchanged).</summary>
    public string UserId { get; set; }

    /// <summary>Suunto's <c>user</c> claim for the next authorization.</summary>
    public string Username { get; set; } = "sporty_sam";

    /// <summary>Withings: the status the next refreshes answer (inside HTTP 200) instead of tokens; null answers normally.</summary>
    public int? WithingsRefreshStatus { get; set; }

    /// <summary>The service's settings that point the provider at this fake (revocation and Oura's new refresh endpoint included).</summary>
    public override IEnumerable<KeyValuePair<string, string?>> ServiceSettings()
    {
        var settings = base.ServiceSettings().ToList();
        if (RevokeUrl is { } revoke)
        {
            settings.Add(new($"Wearables:Providers:{Provider}:RevokeUrl", revoke.ToString()));
        }

        if (NewPortalApp && NewPortalRefreshUrl is { } refresh)
        {
            settings.Add(new($"Wearables:Providers:{Provider}:RefreshUrl", refresh.ToString()));
        }

        return settings;
    }

    /// <summary>A code as if the user had just pressed Authorize, for tests that skip the browser.</summary>
    public string IssueCode(string redirectUri, string scope = "", string? codeChallenge = null)
        => Codes.Issue(ClientId, redirectUri, scope, codeChallenge);

    private protected override string ProviderName => Facts.Name;

    private protected override bool VerifiesPkceWhenChallenged => Facts.SupportsPkce;

    private protected override string? Validate(AuthorizeRequest request, out string? scope)
    {
        // Garmin and Suunto take no scope in the URL: the grant is what the developer portal set up.
        scope = request.Scope ?? string.Empty;
        if (!string.Equals(request.ClientId, ClientId, StringComparison.Ordinal))
        {
            return "Bad Request: invalid client_id";
        }

        if (!AuthorizeRequest.IsAbsoluteHttpUri(request.RedirectUri))
        {
            return "Bad Request: invalid redirect_uri";
        }

        return request.ResponseType == "code" ? null : "Bad Request: invalid response_type";
    }

    private protected override Func<Grant, DateTimeOffset, string>? NewAccessToken =>
        Facts.UserIdSource == FakeUserIdSource.AccessTokenClaims ? Jwt : null;

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapConsent(endpoints, Facts.AuthorizePath, Facts.AuthorizePath.TrimEnd('/') + "/accept");
        endpoints.MapPost(Facts.TokenPath, context => TokenAsync(context, newPortal: false)).AffectedByMode();
        if (Facts.NewPortalRefreshPath is { } newPortal)
        {
            endpoints.MapPost(newPortal, context => TokenAsync(context, newPortal: true)).AffectedByMode();
        }

        if (Facts.ProfilePath is { } profile)
        {
            endpoints.MapGet(Facts.ApiPath.TrimEnd('/') + "/" + profile, ProfileAsync).AffectedByMode();
        }

        switch (Facts.Revocation)
        {
            case FakeRevocation.PostToken:
                endpoints.MapPost(Facts.RevokePath!, RevokeTokenAsync).AffectedByMode();
                break;
            case FakeRevocation.PostAccessTokenQuery:
                endpoints.MapPost(Facts.RevokePath!, context => RevokeByAccessTokenAsync(context, context.Request.Query["access_token"].ToString(), "query", StatusCodes.Status200OK)).AffectedByMode();
                break;
            case FakeRevocation.DeleteWithBearer:
                endpoints.MapDelete(Facts.RevokePath!, context => RevokeByAccessTokenAsync(context, HttpAuth.Bearer(context.Request), "bearer", StatusCodes.Status204NoContent)).AffectedByMode();
                break;
        }
    }

    private async Task TokenAsync(HttpContext context, bool newPortal)
    {
        Respond.NoStore(context);
        var parameters = await OAuthParameters.ReadAsync(context, includeQuery: false).ConfigureAwait(false);
        if (Facts.WithingsDialect && parameters["action"] != "requesttoken")
        {
            await WithingsErrorAsync(context, WithingsInvalidParams).ConfigureAwait(false);
            return;
        }

        if (!IsAuthenticatedClient(context, parameters))
        {
            await (Facts.WithingsDialect
                ? WithingsErrorAsync(context, WithingsInvalidParams)
                : Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient)).ConfigureAwait(false);
            return;
        }

        switch (parameters["grant_type"])
        {
            case "authorization_code" when !newPortal:
                var code = RedeemCode(parameters["code"], parameters["redirect_uri"], redirectRequired: true, parameters["code_verifier"]);
                if (code is null)
                {
                    await (Facts.WithingsDialect ? WithingsErrorAsync(context, WithingsInvalidParams) : WriteRefreshRejectedAsync(context)).ConfigureAwait(false);
                    return;
                }

                var grant = new Grant(UserId);
                _scopes[UserId] = code.Scope;
                var withRefresh = Facts.RefreshTokenScope is null || code.Scope.Split(Facts.ScopeSeparator).Contains(Facts.RefreshTokenScope, StringComparer.Ordinal);
                await WriteTokensAsync(context, IssueInitialTokens(grant, withRefresh), initial: true).ConfigureAwait(false);
                return;
            case "refresh_token" when NewPortalApp && !newPortal:
                // Oura: the old endpoint answers 400 to a refresh for an app of the new developer portal.
                Tokens.CountRefresh(parameters["refresh_token"]);
                await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, InvalidRequest).ConfigureAwait(false);
                return;
            case "refresh_token" when WithingsRefreshStatus is { } status:
                Tokens.CountRefresh(parameters["refresh_token"]);
                await WithingsErrorAsync(context, status).ConfigureAwait(false);
                return;
            case "refresh_token":
                await RefreshAsync(context, parameters["refresh_token"]).ConfigureAwait(false);
                return;
            default:
                await (Facts.WithingsDialect
                    ? WithingsErrorAsync(context, WithingsInvalidParams)
                    : Respond.JsonAsync(context, StatusCodes.Status400BadRequest, UnsupportedGrantType)).ConfigureAwait(false);
                return;
        }
    }

    private protected override Task WriteTokensAsync(HttpContext context, TokenSet tokens, bool initial)
    {
        var answer = new JsonObject
        {
            ["access_token"] = tokens.AccessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = tokens.ExpiresIn,
            ["scope"] = _scopes.GetValueOrDefault(tokens.Grant.Subject, string.Empty),
        };
        if (tokens.RefreshToken is not null)
        {
            answer["refresh_token"] = tokens.RefreshToken;
        }

        if (Facts.UserIdSource == FakeUserIdSource.TokenAnswer)
        {
            answer[Facts.UserIdField] = UserIdValue(tokens.Grant.Subject);
        }

        var body = Facts.WithingsDialect ? new JsonObject { ["status"] = 0, ["body"] = answer } : answer;
        return Respond.JsonAsync(context, StatusCodes.Status200OK, Encoding.UTF8.GetBytes(body.ToJsonString()));
    }

    /// <summary>An invalid, used or revoked code or refresh token, in the provider's words.</summary>
    private protected override Task WriteRefreshRejectedAsync(HttpContext context)
    {
        if (Facts.WithingsDialect)
        {
            return WithingsErrorAsync(context, WithingsInvalidToken);
        }

        return Facts.FitbitErrors
            ? Respond.JsonAsync(context, StatusCodes.Status400BadRequest, Encoding.UTF8.GetBytes(new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject { ["errorType"] = "invalid_grant", ["message"] = "Authorization code or refresh token invalid." }),
                ["success"] = false,
            }.ToJsonString()))
            : base.WriteRefreshRejectedAsync(context);
    }

    /// <summary>Withings answers every error as HTTP 200 with a non-zero status.</summary>
    private static Task WithingsErrorAsync(HttpContext context, int status)
        => Respond.JsonAsync(context, StatusCodes.Status200OK, Encoding.UTF8.GetBytes(new JsonObject
        {
            ["status"] = status,
            ["body"] = new JsonObject(),
            ["error"] = status == WithingsInvalidToken ? "invalid_token" : "Invalid Params",
        }.ToJsonString()));

    private Task ProfileAsync(HttpContext context)
    {
        if (!Tokens.TryGetLive(HttpAuth.Bearer(context.Request), out var grant))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidToken);
        }

        var profile = new JsonObject { [Facts.UserIdField] = UserIdValue(grant.Subject) };
        return Respond.JsonAsync(context, StatusCodes.Status200OK, Encoding.UTF8.GetBytes(profile.ToJsonString()));
    }

    /// <summary>RFC 7009 (Fitbit): 200 whether or not the token was valid; either token ends the user's grant.</summary>
    private async Task RevokeTokenAsync(HttpContext context)
    {
        var parameters = await OAuthParameters.ReadAsync(context, includeQuery: false).ConfigureAwait(false);
        var token = parameters["token"];
        await RevocationAsync(context, token, token is null ? null : "form", async () =>
        {
            if (!IsAuthenticatedClient(context, parameters))
            {
                await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient).ConfigureAwait(false);
                return;
            }

            if (Tokens.TryGetLive(token, out var grant) || Tokens.TryGetGrantOfRefreshToken(token, out grant))
            {
                Tokens.Revoke(grant.Subject);
            }

            await Respond.StatusAsync(context, StatusCodes.Status200OK).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Oura's and WHOOP's/Garmin's: the access token names the grant; an unknown or dead one is a 401.</summary>
    private Task RevokeByAccessTokenAsync(HttpContext context, string? token, string source, int success)
        => RevocationAsync(context, string.IsNullOrEmpty(token) ? null : token, string.IsNullOrEmpty(token) ? null : source, async () =>
        {
            if (!Tokens.TryGetLive(token, out var grant))
            {
                await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidToken).ConfigureAwait(false);
                return;
            }

            Tokens.Revoke(grant.Subject);
            await Respond.StatusAsync(context, success).ConfigureAwait(false);
        });

    /// <summary>The provider's client authentication only: the other kind is refused, as a strict server would.</summary>
    private bool IsAuthenticatedClient(HttpContext context, OAuthParameters parameters)
    {
        var basic = HttpAuth.TryBasic(context.Request, out var id, out var secret);
        return Facts.ClientAuth == FakeClientAuth.Basic
            ? basic && parameters["client_secret"] is null && IsRegisteredClient(id, secret)
            : !basic && IsRegisteredClient(parameters["client_id"], parameters["client_secret"]);
    }

    private JsonNode UserIdValue(string subject)
        => Facts.NumericUserId && long.TryParse(subject, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(subject);

    /// <summary>Suunto: an HS256 JWT whose claims name the user (<c>sub</c>, <c>user</c>) and its expiry (<c>exp</c>).</summary>
    private string Jwt(Grant grant, DateTimeOffset expiresAt)
    {
        static string Part(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
        var header = Part(new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT" });
        var payload = Part(new JsonObject
        {
            [Facts.UserIdField] = grant.Subject,
            ["user"] = Username,
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["jti"] = RandomNumberGenerator.GetHexString(16, lowercase: true),
        });
        var signature = Base64Url.EncodeToString(HMACSHA256.HashData(_jwtKey, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }
}
