using System.Collections.Frozen;
using System.Globalization;

namespace Wearables.Fakes;

/// <summary>
/// Strava's OAuth 2.0 server (https://developers.strava.com/docs/authentication/) plus <c>GET /api/v3/athlete</c>,
/// for one registered application.
/// </summary>
public sealed partial class FakeStrava : OAuthFake
{
    public const int AccessTokenLifetimeSeconds = 21600;

    private static readonly FrozenSet<string> KnownScopes = FrozenSet.Create(
        StringComparer.Ordinal,
        "read", "read_all", "profile:read_all", "profile:write", "activity:read", "activity:read_all", "activity:write");

    private static readonly byte[] ClientInvalid = Fault("Authorization Error", "Application", "client_id");
    private static readonly byte[] CodeInvalid = Fault("Bad Request", "AuthorizationCode", "code");
    private static readonly byte[] RefreshTokenInvalid = Fault("Bad Request", "RefreshToken", "refresh_token");
    private static readonly byte[] GrantTypeInvalid = Fault("Bad Request", "Application", "grant_type");
    private static readonly byte[] AccessTokenInvalid = Fault("Authorization Error", "Athlete", "access_token");

    public FakeStrava(string clientId, string clientSecret, TimeProvider? timeProvider = null)
        : base(clientId, clientSecret, timeProvider, TimeSpan.FromSeconds(AccessTokenLifetimeSeconds))
    {
    }

    public override string Provider => "strava";

    public override Uri AuthorizeUrl => Url("oauth/authorize");

    public override Uri TokenUrl => Url("oauth/token");

    public Uri DeauthorizeUrl => Url("oauth/deauthorize");

    /// <summary>Also the revocation: Strava's is not under its API root.</summary>
    public override IEnumerable<KeyValuePair<string, string?>> ServiceSettings() =>
        [.. base.ServiceSettings(), new($"Wearables:Providers:{Provider}:RevokeUrl", DeauthorizeUrl.ToString())];

    public override Uri ApiBaseUrl => Url("api/v3");

    /// <summary>Athlete who approves the next authorization (read when the code is exchanged).</summary>
    public long AthleteId { get; set; } = 134815;

    public string AthleteUsername { get; set; } = "marianne_t";

    /// <summary>Benchmarks only: any non-empty code is accepted (no single-use check, and so no PKCE verifier check either).</summary>
    public bool AcceptAnyCode { get; set; }

    /// <summary>A code as if the athlete had just pressed Authorize, for tests that skip the browser.</summary>
    /// <param name="codeChallenge">The PKCE S256 challenge of the authorize request, when the test plays a PKCE client.</param>
    public string IssueCode(string redirectUri, string scope = "read,activity:read_all", string? codeChallenge = null)
        => Codes.Issue(ClientId, redirectUri, NormalizeScope(scope) ?? throw new ArgumentException($"Unknown Strava scope in '{scope}'.", nameof(scope)), codeChallenge);

    /// <summary>The access token last handed out to the athlete, or null when it is no longer valid.</summary>
    public string? CurrentAccessToken(long athleteId) => CurrentAccessToken(Subject(athleteId));

    /// <summary>The refresh token last handed out to the athlete, or null when it is no longer valid.</summary>
    public string? CurrentRefreshToken(long athleteId) => CurrentRefreshToken(Subject(athleteId));

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapConsent(endpoints, "/oauth/authorize", "/oauth/accept");
        endpoints.MapPost("/oauth/token", TokenAsync).AffectedByMode();
        endpoints.MapPost("/oauth/deauthorize", DeauthorizeAsync).AffectedByMode();
        endpoints.MapGet("/api/v3/athlete", AthleteAsync).AffectedByMode();
        MapPushSubscriptions(endpoints);
    }

    private protected override string ProviderName => "Strava";

    private protected override bool RedirectCarriesScope => true;

    // Strava echoes state even when the client sent none.
    private protected override string? EchoedState(AuthorizeRequest request) => request.State ?? string.Empty;

    private async Task TokenAsync(HttpContext context)
    {
        Respond.NoStore(context);
        var parameters = await OAuthParameters.ReadAsync(context).ConfigureAwait(false);
        if (!IsRegisteredClient(parameters["client_id"], parameters["client_secret"]))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, ClientInvalid).ConfigureAwait(false);
            return;
        }

        switch (parameters["grant_type"])
        {
            case "authorization_code":
                var issued = AcceptAnyCode && !string.IsNullOrEmpty(parameters["code"])
                    ? (object)true
                    : RedeemCode(parameters["code"], parameters["redirect_uri"], redirectRequired: false, parameters["code_verifier"]);
                await (issued is null
                    ? Respond.JsonAsync(context, StatusCodes.Status400BadRequest, CodeInvalid)
                    : WriteTokensAsync(context, IssueInitialTokens(new StravaGrant(AthleteId, AthleteUsername), withRefreshToken: true), initial: true)).ConfigureAwait(false);
                return;
            case "refresh_token":
                await RefreshAsync(context, parameters["refresh_token"]).ConfigureAwait(false);
                return;
            default:
                await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, GrantTypeInvalid).ConfigureAwait(false);
                return;
        }
    }

    // Refresh answers carry no athlete.
    private protected override Task WriteTokensAsync(HttpContext context, TokenSet tokens, bool initial)
    {
        var body = new StravaTokenResponse(
            "Bearer",
            tokens.ExpiresAt.ToUnixTimeSeconds(),
            (int)tokens.ExpiresIn,
            tokens.RefreshToken!,
            tokens.AccessToken,
            initial ? Athlete((StravaGrant)tokens.Grant, resourceState: 2) : null);
        return Respond.JsonAsync(context, StatusCodes.Status200OK, body, FakesJsonContext.Default.StravaTokenResponse);
    }

    private protected override Task WriteRefreshRejectedAsync(HttpContext context)
        => Respond.JsonAsync(context, StatusCodes.Status400BadRequest, RefreshTokenInvalid);

    /// <summary>Strava takes the access token as a form or query parameter, or as a bearer header.</summary>
    private async Task DeauthorizeAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType
            ? await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false)
            : null;
        var (token, source) = form?["access_token"].ToString() is { Length: > 0 } fromForm ? (fromForm, "form")
            : context.Request.Query["access_token"].ToString() is { Length: > 0 } fromQuery ? (fromQuery, "query")
            : HttpAuth.Bearer(context.Request) is { } bearer ? (bearer, "bearer")
            : ((string?)null, (string?)null);
        await RevocationAsync(context, token, source, () =>
        {
            if (!Tokens.TryGetLive(token, out var grant))
            {
                return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, AccessTokenInvalid);
            }

            // Deauthorizing revokes the athlete's whole authorization of the app: every access and refresh token.
            Tokens.Revoke(grant.Subject);
            return Respond.JsonAsync(context, StatusCodes.Status200OK, new StravaDeauthorizeResponse(token!), FakesJsonContext.Default.StravaDeauthorizeResponse);
        }).ConfigureAwait(false);
    }

    private Task AthleteAsync(HttpContext context)
    {
        return Tokens.TryGetLive(HttpAuth.Bearer(context.Request), out var grant)
            ? Respond.JsonAsync(context, StatusCodes.Status200OK, Athlete((StravaGrant)grant, resourceState: 3), FakesJsonContext.Default.StravaAthlete)
            : Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, AccessTokenInvalid);
    }

    private protected override string? Validate(AuthorizeRequest request, out string? scope)
    {
        scope = null;
        if (!string.Equals(request.ClientId, ClientId, StringComparison.Ordinal))
        {
            return "Bad Request: invalid client_id";
        }

        if (!AuthorizeRequest.IsAbsoluteHttpUri(request.RedirectUri))
        {
            return "Bad Request: invalid redirect_uri";
        }

        if (request.ResponseType != "code")
        {
            return "Bad Request: invalid response_type";
        }

        scope = NormalizeScope(request.Scope);
        return scope is null ? "Bad Request: invalid scope" : null;
    }

    /// <returns>Comma-separated scopes without blanks or duplicates ("read" when none), or null if one is unknown.</returns>
    private static string? NormalizeScope(string? scope)
    {
        var scopes = (scope ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        if (scopes.Length == 0)
        {
            return "read";
        }

        return scopes.All(KnownScopes.Contains) ? string.Join(',', scopes) : null;
    }

    private static string Subject(long athleteId) => athleteId.ToString(CultureInfo.InvariantCulture);

    private static StravaAthlete Athlete(StravaGrant grant, int resourceState)
    {
        var created = new DateTimeOffset(2018, 2, 16, 14, 52, 54, TimeSpan.Zero);
        return new StravaAthlete(
            grant.AthleteId, grant.Username, resourceState, "Marianne", "Teutenberg", "San Francisco", "CA", "US", "F",
            Premium: true, Summit: true, created, created.AddYears(1),
            "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/medium.jpg",
            "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/large.jpg");
    }

    private static byte[] Fault(string message, string resource, string field)
        => FakesJsonContext.Serialize(new StravaFault(message, [new StravaFaultError(resource, field, "invalid")]), FakesJsonContext.Default.StravaFault);

    private sealed class StravaGrant(long athleteId, string username) : Grant(Subject(athleteId))
    {
        public long AthleteId { get; } = athleteId;

        public string Username { get; } = username;
    }
}
