using System.Globalization;

namespace Wearables.Fakes;

/// <summary>A user registered with the partner through <c>POST /v3/users</c>.</summary>
public sealed record PolarRegistration(long PolarUserId, string MemberId, DateTimeOffset RegistrationDate);

/// <summary>
/// Polar AccessLink (https://www.polar.com/accesslink-api/): its OAuth 2.0 server (client auth by HTTP Basic only,
/// no refresh tokens) and user registration, for one registered client.
/// </summary>
public sealed partial class FakePolar : OAuthFake
{
    public const long AccessTokenLifetimeSeconds = 31535999;
    public const string Scope = "accesslink.read_all";

    private static readonly byte[] InvalidClient = Error("invalid_client", null);
    private static readonly byte[] InvalidGrant = Error("invalid_grant", "Invalid authorization code");
    private static readonly byte[] UnsupportedGrantType = Error("unsupported_grant_type", null);

    private readonly Dictionary<long, PolarRegistration> _registrations = [];
    private readonly Lock _registrationsLock = new();

    public FakePolar(string clientId, string clientSecret, TimeProvider? timeProvider = null)
        : base(clientId, clientSecret, timeProvider, TimeSpan.FromSeconds(AccessTokenLifetimeSeconds))
    {
    }

    public override string Provider => "polar";

    public override Uri AuthorizeUrl => Url("oauth2/authorization");

    public override Uri TokenUrl => Url("v2/oauth2/token");

    public override Uri ApiBaseUrl => Url("v3");

    /// <summary>Polar user who approves the next authorization (read when the code is exchanged).</summary>
    public long XUserId { get; set; } = 10579;

    /// <summary>The client's registered redirect URL, used when an authorize request carries no redirect_uri.</summary>
    public string? DefaultRedirectUri { get; set; }

    public IReadOnlyCollection<PolarRegistration> Registrations
    {
        get
        {
            lock (_registrationsLock)
            {
                return [.. _registrations.Values];
            }
        }
    }

    /// <summary>A code as if the user had just pressed Authorize, for tests that skip the browser.</summary>
    /// <param name="redirectUri">The redirect_uri of the authorize request; null when it had none (the token request then needs none).</param>
    /// <param name="codeChallenge">The PKCE S256 challenge of the authorize request, when the test plays a PKCE client.</param>
    public string IssueCode(string? redirectUri, string? codeChallenge = null) => Codes.Issue(ClientId, redirectUri, Scope, codeChallenge);

    /// <summary>The access token last handed out to the user, or null when it is no longer valid.</summary>
    public string? CurrentAccessToken(long xUserId) => CurrentAccessToken(Subject(xUserId));

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapConsent(endpoints, "/oauth2/authorization", "/oauth2/accept");
        endpoints.MapPost("/v2/oauth2/token", TokenAsync).AffectedByMode();
        endpoints.MapPost("/v3/users", RegisterAsync).AffectedByMode();
        endpoints.MapGet("/v3/users/{userId}", GetUserAsync).AffectedByMode();
        endpoints.MapDelete("/v3/users/{userId}", DeleteUserAsync).AffectedByMode();
        MapWebhooks(endpoints);
    }

    private protected override string ProviderName => "Polar Flow";

    private protected override string RedirectTarget(AuthorizeRequest request) => request.RedirectUri ?? DefaultRedirectUri!;

    private async Task TokenAsync(HttpContext context)
    {
        Respond.NoStore(context);
        if (!HttpAuth.TryBasic(context.Request, out var clientId, out var clientSecret)
            || !IsRegisteredClient(clientId, clientSecret))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"polar\"";
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient).ConfigureAwait(false);
            return;
        }

        var parameters = await OAuthParameters.ReadAsync(context, includeQuery: false).ConfigureAwait(false);
        if (parameters["grant_type"] == "refresh_token")
        {
            // Polar issues no refresh tokens, so there is nothing to refresh with; counted so a test can show nobody tried.
            Tokens.CountRefresh(parameters["refresh_token"]);
        }

        if (parameters["grant_type"] != "authorization_code")
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, UnsupportedGrantType).ConfigureAwait(false);
            return;
        }

        if (RedeemCode(parameters["code"], parameters["redirect_uri"], redirectRequired: true, parameters["code_verifier"]) is null)
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, InvalidGrant).ConfigureAwait(false);
            return;
        }

        await WriteTokensAsync(context, IssueInitialTokens(new PolarGrant(XUserId), withRefreshToken: false), initial: true).ConfigureAwait(false);
    }

    private protected override int AccessTokenHexLength => 32;

    private protected override Task WriteTokensAsync(HttpContext context, TokenSet tokens, bool initial)
        => Respond.JsonAsync(
            context,
            StatusCodes.Status200OK,
            new PolarTokenResponse(tokens.AccessToken, "bearer", tokens.ExpiresIn, ((PolarGrant)tokens.Grant).UserId),
            FakesJsonContext.Default.PolarTokenResponse);

    private async Task RegisterAsync(HttpContext context)
    {
        if (!TryAuthenticate(context, out var userId))
        {
            return;
        }

        var memberId = await JsonBody.ReadStringPropertyAsync(context, "member-id").ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(memberId))
        {
            await Respond.StatusAsync(context, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        PolarRegistration? registration = null;
        lock (_registrationsLock)
        {
            // AccessLink answers 409 both for a user already registered and for a member-id already taken.
            if (!_registrations.ContainsKey(userId) && !_registrations.Values.Any(r => r.MemberId == memberId))
            {
                registration = new PolarRegistration(userId, memberId, TimeProvider.GetUtcNow());
                _registrations.Add(userId, registration);
            }
        }

        await (registration is null
            ? Respond.StatusAsync(context, StatusCodes.Status409Conflict)
            : Respond.JsonAsync(context, StatusCodes.Status200OK, UserRecord(registration), FakesJsonContext.Default.PolarUser)).ConfigureAwait(false);
    }

    private Task GetUserAsync(HttpContext context)
    {
        if (!TryAuthorizeUser(context, out var userId))
        {
            return Task.CompletedTask;
        }

        PolarRegistration? registration;
        lock (_registrationsLock)
        {
            _registrations.TryGetValue(userId, out registration);
        }

        return registration is null
            ? Respond.StatusAsync(context, StatusCodes.Status404NotFound)
            : Respond.JsonAsync(context, StatusCodes.Status200OK, UserRecord(registration), FakesJsonContext.Default.PolarUser);
    }

    /// <summary>De-registration, which is also how a partner revokes the user's access token.</summary>
    private Task DeleteUserAsync(HttpContext context)
    {
        var token = HttpAuth.Bearer(context.Request);
        return RevocationAsync(context, token, token is null ? null : "bearer", () =>
        {
            if (!TryAuthorizeUser(context, out var userId))
            {
                return Task.CompletedTask;
            }

            bool removed;
            lock (_registrationsLock)
            {
                removed = _registrations.Remove(userId);
            }

            if (!removed)
            {
                return Respond.StatusAsync(context, StatusCodes.Status404NotFound);
            }

            Tokens.Revoke(Subject(userId));
            return Respond.StatusAsync(context, StatusCodes.Status204NoContent);
        });
    }

    /// <summary>Bearer check plus: the {userId} in the path must be the token's own user.</summary>
    private bool TryAuthorizeUser(HttpContext context, out long userId)
    {
        if (!TryAuthenticate(context, out userId))
        {
            return false;
        }

        if (!long.TryParse(context.Request.RouteValues["userId"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var pathUserId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return false;
        }

        if (pathUserId != userId)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return false;
        }

        return true;
    }

    /// <summary>On failure the 401 is already set and the caller just returns.</summary>
    private bool TryAuthenticate(HttpContext context, out long userId)
    {
        var token = HttpAuth.Bearer(context.Request);
        if (token is not null && TryGetUserId(token, out userId))
        {
            return true;
        }

        userId = 0;
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return false;
    }

    private bool TryGetUserId(string token, out long userId)
    {
        userId = Tokens.TryGetLive(token, out var grant) ? ((PolarGrant)grant).UserId : 0;
        return grant is not null;
    }

    private protected override string? Validate(AuthorizeRequest request, out string? scope)
    {
        scope = Scope;
        if (!string.Equals(request.ClientId, ClientId, StringComparison.Ordinal))
        {
            return "Bad Request: invalid client_id";
        }

        if (request.ResponseType != "code")
        {
            return "Bad Request: invalid response_type";
        }

        if (request.RedirectUri is null ? DefaultRedirectUri is null : !AuthorizeRequest.IsAbsoluteHttpUri(request.RedirectUri))
        {
            return "Bad Request: invalid redirect_uri";
        }

        return string.IsNullOrEmpty(request.Scope) || request.Scope == Scope ? null : "Bad Request: invalid scope";
    }

    private static PolarUser UserRecord(PolarRegistration registration)
        => new(
            registration.PolarUserId,
            registration.MemberId,
            registration.RegistrationDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            "Eka", "Toka", "1985-09-06", "MALE", 66, 170, []);

    private static byte[] Error(string error, string? description)
        => FakesJsonContext.Serialize(new PolarOAuthError(error, description), FakesJsonContext.Default.PolarOAuthError);

    private static string Subject(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    private sealed class PolarGrant(long userId) : Grant(Subject(userId))
    {
        public long UserId { get; } = userId;
    }
}
