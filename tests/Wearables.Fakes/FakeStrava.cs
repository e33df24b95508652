using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Wearables.Fakes;

/// <summary>
/// Strava's OAuth 2.0 server (https://developers.strava.com/docs/authentication/) plus <c>GET /api/v3/athlete</c>,
/// for one registered application.
/// </summary>
public sealed class FakeStrava : FakeServer
{
    public const int AccessTokenLifetimeSeconds = 21600;

    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);

    private static readonly FrozenSet<string> KnownScopes = FrozenSet.Create(
        StringComparer.Ordinal,
        "read", "read_all", "profile:read_all", "profile:write", "activity:read", "activity:read_all", "activity:write");

    private static readonly byte[] ClientInvalid = Fault("Authorization Error", "Application", "client_id");
    private static readonly byte[] CodeInvalid = Fault("Bad Request", "AuthorizationCode", "code");
    private static readonly byte[] RefreshTokenInvalid = Fault("Bad Request", "RefreshToken", "refresh_token");
    private static readonly byte[] GrantTypeInvalid = Fault("Bad Request", "Application", "grant_type");
    private static readonly byte[] AccessTokenInvalid = Fault("Authorization Error", "Athlete", "access_token");

    private readonly string _clientId;
    private readonly string _clientSecret;
    private readonly AuthorizationCodeStore _codes;
    private readonly ConcurrentDictionary<string, AccessToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issuedAccessTokens = new();
    private readonly ConcurrentQueue<string> _issuedRefreshTokens = new();

    public FakeStrava(string clientId, string clientSecret, TimeProvider? timeProvider = null)
        : base(timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        _clientId = clientId;
        _clientSecret = clientSecret;
        _codes = new AuthorizationCodeStore(TimeProvider, CodeLifetime);
    }

    public string ClientId => _clientId;

    public string ClientSecret => _clientSecret;

    public Uri AuthorizeUrl => Url("oauth/authorize");

    public Uri TokenUrl => Url("oauth/token");

    public Uri DeauthorizeUrl => Url("oauth/deauthorize");

    public Uri ApiBaseUrl => Url("api/v3");

    /// <summary>Athlete who approves the next authorization (read when the code is exchanged).</summary>
    public long AthleteId { get; set; } = 134815;

    public string AthleteUsername { get; set; } = "marianne_t";

    /// <summary>Every access token ever handed out, including refreshed and revoked ones.</summary>
    public IReadOnlyCollection<string> IssuedAccessTokens => _issuedAccessTokens.ToArray();

    /// <summary>Every refresh token ever handed out, including rotated-away ones.</summary>
    public IReadOnlyCollection<string> IssuedRefreshTokens => _issuedRefreshTokens.ToArray();

    /// <summary>Benchmarks only: any non-empty code is accepted (no single-use check).</summary>
    public bool AcceptAnyCode { get; set; }

    /// <summary>A code as if the athlete had just pressed Authorize, for tests that skip the browser.</summary>
    public string IssueCode(string redirectUri, string scope = "read,activity:read_all")
        => _codes.Issue(_clientId, redirectUri, NormalizeScope(scope) ?? throw new ArgumentException($"Unknown Strava scope in '{scope}'.", nameof(scope)));

    /// <summary>Whether the token would currently be accepted by the API (not expired, not deauthorized).</summary>
    public bool IsAccessTokenValid(string accessToken) => TryGetGrant(accessToken, out _);

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/oauth/authorize", AuthorizeAsync);
        endpoints.MapPost("/oauth/accept", AcceptAsync);
        endpoints.MapPost("/oauth/token", TokenAsync).AffectedByMode();
        endpoints.MapPost("/oauth/deauthorize", DeauthorizeAsync).AffectedByMode();
        endpoints.MapGet("/api/v3/athlete", AthleteAsync).AffectedByMode();
    }

    private Task AuthorizeAsync(HttpContext context)
    {
        var request = AuthorizeRequest.From(context.Request.Query);
        var scope = Validate(request, out var error);
        return error is not null
            ? Respond.TextAsync(context, StatusCodes.Status400BadRequest, error)
            : Respond.HtmlAsync(context, StatusCodes.Status200OK, ConsentPage.Render("Strava", "/oauth/accept", scope!, request));
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await Respond.TextAsync(context, StatusCodes.Status400BadRequest, "Bad Request").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var request = AuthorizeRequest.From(form);
        var scope = Validate(request, out var error);
        if (error is not null)
        {
            await Respond.TextAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        // Strava echoes state even when the client sent none.
        var state = request.State ?? string.Empty;
        var location = ConsentPage.Accepted(form)
            ? ConsentPage.RedirectTo(request.RedirectUri!, new("state", state), new("code", _codes.Issue(_clientId, request.RedirectUri, scope!)), new("scope", scope))
            : ConsentPage.RedirectTo(request.RedirectUri!, new("state", state), new("error", "access_denied"));
        await Respond.RedirectAsync(context, location).ConfigureAwait(false);
    }

    private async Task TokenAsync(HttpContext context)
    {
        Respond.NoStore(context);
        var parameters = await OAuthParameters.ReadAsync(context).ConfigureAwait(false);
        if (!string.Equals(parameters["client_id"], _clientId, StringComparison.Ordinal)
            || !string.Equals(parameters["client_secret"], _clientSecret, StringComparison.Ordinal))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, ClientInvalid).ConfigureAwait(false);
            return;
        }

        switch (parameters["grant_type"])
        {
            case "authorization_code":
                var issued = AcceptAnyCode && !string.IsNullOrEmpty(parameters["code"])
                    ? (object)true
                    : _codes.Redeem(parameters["code"], _clientId, parameters["redirect_uri"], redirectRequired: false);
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
        var accessToken = NewToken();
        var refreshToken = NewToken();
        _accessTokens[accessToken] = new AccessToken(grant, expiresAt);
        _refreshTokens[refreshToken] = grant;
        _issuedAccessTokens.Enqueue(accessToken);
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

    /// <returns>The normalized scope, or null with an error text for the 400 page.</returns>
    private string? Validate(AuthorizeRequest request, out string? error)
    {
        error = null;
        if (!string.Equals(request.ClientId, _clientId, StringComparison.Ordinal))
        {
            error = "Bad Request: invalid client_id";
        }
        else if (!AuthorizeRequest.IsAbsoluteHttpUri(request.RedirectUri))
        {
            error = "Bad Request: invalid redirect_uri";
        }
        else if (request.ResponseType != "code")
        {
            error = "Bad Request: invalid response_type";
        }
        else if (NormalizeScope(request.Scope) is { } scope)
        {
            return scope;
        }
        else
        {
            error = "Bad Request: invalid scope";
        }

        return null;
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

    private static string NewToken() => RandomNumberGenerator.GetHexString(40, lowercase: true);

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
