using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Wearables.Fakes;

/// <summary>
/// Strava's OAuth 2.0 server (https://developers.strava.com/docs/authentication/) plus <c>GET /api/v3/athlete</c>,
/// for one registered application.
/// </summary>
public sealed class FakeStrava : OAuthFake
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

    private readonly ConcurrentDictionary<string, AccessToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issuedRefreshTokens = new();

    public FakeStrava(string clientId, string clientSecret, TimeProvider? timeProvider = null)
        : base(clientId, clientSecret, timeProvider)
    {
    }

    public override string Provider => "strava";

    public override Uri AuthorizeUrl => Url("oauth/authorize");

    public override Uri TokenUrl => Url("oauth/token");

    public Uri DeauthorizeUrl => Url("oauth/deauthorize");

    public override Uri ApiBaseUrl => Url("api/v3");

    /// <summary>Athlete who approves the next authorization (read when the code is exchanged).</summary>
    public long AthleteId { get; set; } = 134815;

    public string AthleteUsername { get; set; } = "marianne_t";

    /// <summary>Every refresh token ever handed out, including rotated-away ones.</summary>
    public IReadOnlyCollection<string> IssuedRefreshTokens => _issuedRefreshTokens.ToArray();

    /// <summary>Benchmarks only: any non-empty code is accepted (no single-use check).</summary>
    public bool AcceptAnyCode { get; set; }

    /// <summary>A code as if the athlete had just pressed Authorize, for tests that skip the browser.</summary>
    public string IssueCode(string redirectUri, string scope = "read,activity:read_all")
        => Codes.Issue(ClientId, redirectUri, NormalizeScope(scope) ?? throw new ArgumentException($"Unknown Strava scope in '{scope}'.", nameof(scope)));

    /// <summary>Whether the token would currently be accepted by the API (not expired, not deauthorized).</summary>
    public bool IsAccessTokenValid(string accessToken) => TryGetGrant(accessToken, out _);

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapConsent(endpoints, "/oauth/authorize", "/oauth/accept");
        endpoints.MapPost("/oauth/token", TokenAsync).AffectedByMode();
        endpoints.MapPost("/oauth/deauthorize", DeauthorizeAsync).AffectedByMode();
        endpoints.MapGet("/api/v3/athlete", AthleteAsync).AffectedByMode();
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
                    : Codes.Redeem(parameters["code"], ClientId, parameters["redirect_uri"], redirectRequired: false);
                await (issued is null
                    ? Respond.JsonAsync(context, StatusCodes.Status400BadRequest, CodeInvalid)
                    : IssueTokensAsync(context, new Grant(AthleteId, AthleteUsername), includeAthlete: true)).ConfigureAwait(false);
                return;
            case "refresh_token":
                var refreshToken = parameters["refresh_token"];
                var rotated = refreshToken is not null && _refreshTokens.TryRemove(refreshToken, out var grant) && !grant.Revoked
                    ? IssueTokensAsync(context, grant, includeAthlete: false)
                    : Respond.JsonAsync(context, StatusCodes.Status400BadRequest, RefreshTokenInvalid);
                await rotated.ConfigureAwait(false);
                return;
            default:
                await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, GrantTypeInvalid).ConfigureAwait(false);
                return;
        }
    }

    private Task IssueTokensAsync(HttpContext context, Grant grant, bool includeAthlete)
    {
        var expiresAt = TimeProvider.GetUtcNow().AddSeconds(AccessTokenLifetimeSeconds);
        var accessToken = NewAccessToken(40);
        var refreshToken = RandomNumberGenerator.GetHexString(40, lowercase: true);
        _accessTokens[accessToken] = new AccessToken(grant, expiresAt);
        _refreshTokens[refreshToken] = grant;
        _issuedRefreshTokens.Enqueue(refreshToken);

        var body = new StravaTokenResponse(
            "Bearer",
            expiresAt.ToUnixTimeSeconds(),
            AccessTokenLifetimeSeconds,
            refreshToken,
            accessToken,
            includeAthlete ? Athlete(grant, resourceState: 2) : null);
        return Respond.JsonAsync(context, StatusCodes.Status200OK, body, FakesJsonContext.Default.StravaTokenResponse);
    }

    private async Task DeauthorizeAsync(HttpContext context)
    {
        var parameters = await OAuthParameters.ReadAsync(context).ConfigureAwait(false);
        var token = parameters["access_token"] ?? HttpAuth.Bearer(context.Request);
        if (token is null || !TryGetGrant(token, out var grant))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, AccessTokenInvalid).ConfigureAwait(false);
            return;
        }

        // Deauthorizing revokes the whole grant: every access and refresh token issued under it.
        grant.Revoked = true;
        _accessTokens.TryRemove(token, out _);
        await Respond.JsonAsync(context, StatusCodes.Status200OK, new StravaDeauthorizeResponse(token), FakesJsonContext.Default.StravaDeauthorizeResponse)
            .ConfigureAwait(false);
    }

    private Task AthleteAsync(HttpContext context)
    {
        var token = HttpAuth.Bearer(context.Request);
        return token is not null && TryGetGrant(token, out var grant)
            ? Respond.JsonAsync(context, StatusCodes.Status200OK, Athlete(grant, resourceState: 3), FakesJsonContext.Default.StravaAthlete)
            : Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, AccessTokenInvalid);
    }

    private bool TryGetGrant(string token, out Grant grant)
    {
        if (_accessTokens.TryGetValue(token, out var access) && !access.Grant.Revoked && TimeProvider.GetUtcNow() < access.ExpiresAt)
        {
            grant = access.Grant;
            return true;
        }

        grant = null!;
        return false;
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

    private static StravaAthlete Athlete(Grant grant, int resourceState)
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

    private sealed class Grant(long athleteId, string username)
    {
        public long AthleteId { get; } = athleteId;

        public string Username { get; } = username;

        public volatile bool Revoked;
    }

    private readonly record struct AccessToken(Grant Grant, DateTimeOffset ExpiresAt);
}
