namespace Wearables.Fakes;

/// <summary>
/// A provider that follows the OAuth 2.0 standards to the letter (RFC 6749 token answers and errors, RFC 7009
/// revocation), for providers the catalog gains later (WHOOP, Fitbit, …) until they have a fake of their own.
/// Its refresh token rotates and the old one dies at once by default, the strictest case (WHOOP).
/// </summary>
public sealed class FakeStandardOAuth : OAuthFake
{
    public const int DefaultAccessTokenLifetimeSeconds = 3600;

    private static readonly byte[] InvalidClient = FakesJsonContext.Serialize(new OAuthError("invalid_client"), FakesJsonContext.Default.OAuthError);
    private static readonly byte[] InvalidToken = FakesJsonContext.Serialize(new OAuthError("invalid_token"), FakesJsonContext.Default.OAuthError);
    private static readonly byte[] UnsupportedGrantType = FakesJsonContext.Serialize(new OAuthError("unsupported_grant_type"), FakesJsonContext.Default.OAuthError);
    private readonly string _provider;

    /// <param name="provider">The service's id of the provider it stands in for.</param>
    public FakeStandardOAuth(string clientId, string clientSecret, TimeProvider? timeProvider = null, string provider = "standard")
        : base(clientId, clientSecret, timeProvider, TimeSpan.FromSeconds(DefaultAccessTokenLifetimeSeconds))
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        _provider = provider;
    }

    public override string Provider => _provider;

    public override Uri AuthorizeUrl => Url("oauth/authorize");

    public override Uri TokenUrl => Url("oauth/token");

    /// <summary>RFC 7009 token revocation: <c>POST token=…</c> with client authentication.</summary>
    public Uri RevokeUrl => Url("oauth/revoke");

    public override Uri ApiBaseUrl => Url("api/");

    /// <summary>User who approves the next authorization (read when the code is exchanged).</summary>
    public string UserId { get; set; } = "user-1";

    /// <summary>A code as if the user had just pressed Authorize, for tests that skip the browser.</summary>
    public string IssueCode(string redirectUri, string scope = "read", string? codeChallenge = null)
        => Codes.Issue(ClientId, redirectUri, scope, codeChallenge);

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        MapConsent(endpoints, "/oauth/authorize", "/oauth/accept");
        endpoints.MapPost("/oauth/token", TokenAsync).AffectedByMode();
        endpoints.MapPost("/oauth/revoke", RevokeAsync).AffectedByMode();
        endpoints.MapGet("/api/me", MeAsync).AffectedByMode();
    }

    private protected override string ProviderName => "Standard OAuth";

    private protected override Task WriteTokensAsync(HttpContext context, TokenSet tokens, bool initial)
        => Respond.JsonAsync(
            context,
            StatusCodes.Status200OK,
            new StandardTokenResponse(tokens.AccessToken, "Bearer", tokens.ExpiresIn, tokens.RefreshToken),
            FakesJsonContext.Default.StandardTokenResponse);

    private async Task TokenAsync(HttpContext context)
    {
        Respond.NoStore(context);
        var parameters = await OAuthParameters.ReadAsync(context, includeQuery: false).ConfigureAwait(false);
        if (!await AuthenticateClientAsync(context, parameters).ConfigureAwait(false))
        {
            return;
        }

        switch (parameters["grant_type"])
        {
            case "authorization_code":
                await (RedeemCode(parameters["code"], parameters["redirect_uri"], redirectRequired: true, parameters["code_verifier"]) is null
                    ? WriteStandardInvalidGrantAsync(context)
                    : WriteTokensAsync(context, IssueInitialTokens(new Grant(UserId), withRefreshToken: true), initial: true)).ConfigureAwait(false);
                return;
            case "refresh_token":
                await RefreshAsync(context, parameters["refresh_token"]).ConfigureAwait(false);
                return;
            default:
                await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, UnsupportedGrantType).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>RFC 7009: 200 whether or not the token was valid; revoking either token ends the user's whole grant.</summary>
    private async Task RevokeAsync(HttpContext context)
    {
        var parameters = await OAuthParameters.ReadAsync(context, includeQuery: false).ConfigureAwait(false);
        var token = parameters["token"];
        await RevocationAsync(context, token, token is null ? null : "form", async () =>
        {
            if (!await AuthenticateClientAsync(context, parameters).ConfigureAwait(false))
            {
                return;
            }

            if (Tokens.TryGetLive(token, out var grant) || Tokens.TryGetGrantOfRefreshToken(token, out grant))
            {
                Tokens.Revoke(grant.Subject);
            }

            await Respond.StatusAsync(context, StatusCodes.Status200OK).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private Task MeAsync(HttpContext context)
    {
        if (!Tokens.TryGetLive(HttpAuth.Bearer(context.Request), out var grant))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidToken);
        }

        return Respond.JsonAsync(context, StatusCodes.Status200OK, new StandardUser(grant.Subject), FakesJsonContext.Default.StandardUser);
    }

    /// <summary>client_secret_basic or client_secret_post (RFC 6749 §2.3.1); on failure the 401 is written.</summary>
    private async Task<bool> AuthenticateClientAsync(HttpContext context, OAuthParameters parameters)
    {
        var authenticated = HttpAuth.TryBasic(context.Request, out var id, out var secret)
            ? IsRegisteredClient(id, secret)
            : IsRegisteredClient(parameters["client_id"], parameters["client_secret"]);
        if (!authenticated)
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient).ConfigureAwait(false);
        }

        return authenticated;
    }

    private protected override string? Validate(AuthorizeRequest request, out string? scope)
    {
        scope = string.IsNullOrWhiteSpace(request.Scope) ? "read" : request.Scope;
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
}
