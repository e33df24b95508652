using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Fakes;

/// <summary>One call of a revocation endpoint, as the fake received and answered it.</summary>
/// <param name="AccessToken">The access token presented, or null when there was none.</param>
/// <param name="TokenSource">Where the token came from: <c>form</c>, <c>query</c> or <c>bearer</c>; null when there was none.</param>
/// <param name="StatusCode">The status answered; 0 when no answer was given (a slow call the client gave up on).</param>
public sealed record RevocationCall(string Method, string Path, string? AccessToken, string? TokenSource, int StatusCode, DateTimeOffset ReceivedAt);

/// <summary>
/// What the OAuth 2.0 fakes have in common: one registered client, single-use authorization codes (optionally
/// bound to a PKCE S256 challenge), the consent page and its accept step (redirecting back with a code or
/// <c>access_denied</c>), a ledger of access and refresh tokens (lifetimes, rotation, revocation, refresh counts),
/// the refresh grant with its failure modes, and a record of revocation calls. Each provider adds its own
/// validation, wire shapes and endpoints.
/// </summary>
public abstract class OAuthFake : FakeServer
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    private static readonly byte[] StandardInvalidGrant = FakesJsonContext.Serialize(new OAuthError("invalid_grant"), FakesJsonContext.Default.OAuthError);
    private readonly ConcurrentQueue<RevocationCall> _revocations = new();
    private readonly ConcurrentQueue<string> _codeChallenges = new();

    private protected OAuthFake(string clientId, string clientSecret, TimeProvider? timeProvider, TimeSpan accessTokenLifetime)
        : base(timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        ClientId = clientId;
        ClientSecret = clientSecret;
        Codes = new AuthorizationCodeStore(TimeProvider, CodeLifetime);
        Tokens = new TokenLedger(TimeProvider);
        AccessTokenLifetime = accessTokenLifetime;
    }

    public string ClientId { get; }

    public string ClientSecret { get; }

    /// <summary>The service's id of the provider this fake stands in for, e.g. <c>strava</c>.</summary>
    public abstract string Provider { get; }

    public abstract Uri AuthorizeUrl { get; }

    public abstract Uri TokenUrl { get; }

    public abstract Uri ApiBaseUrl { get; }

    /// <summary>Every access token ever handed out, including refreshed and revoked ones.</summary>
    public IReadOnlyCollection<string> IssuedAccessTokens => Tokens.IssuedAccessTokens;

    /// <summary>Every refresh token ever handed out, including rotated-away and revoked ones.</summary>
    public IReadOnlyCollection<string> IssuedRefreshTokens => Tokens.IssuedRefreshTokens;

    /// <summary>Lifetime of access tokens handed out by a refresh (and by a code exchange unless <see cref="InitialAccessTokenLifetime"/> is set).</summary>
    public TimeSpan AccessTokenLifetime { get; set; }

    /// <summary>
    /// Lifetime of access tokens handed out by a code exchange; null means <see cref="AccessTokenLifetime"/>.
    /// Zero or negative hands out a token that is already expired, so a client's first use must refresh.
    /// </summary>
    public TimeSpan? InitialAccessTokenLifetime { get; set; }

    /// <summary>What a refresh does with the refresh token presented. Ignored by providers that issue none.</summary>
    public RefreshRotation RefreshRotation { get; set; } = RefreshRotation.RotateStrict;

    /// <summary>Failures of refresh requests only (code exchanges are unaffected), applied after <see cref="FakeServer.Faults"/>.</summary>
    public FaultPlan RefreshFaults { get; } = new();

    /// <summary>Failures of revocation calls only, applied after <see cref="FakeServer.Faults"/>.</summary>
    public FaultPlan RevokeFaults { get; } = new();

    /// <summary>
    /// PKCE S256 enforcement: the authorize request must carry <c>code_challenge</c> with <c>code_challenge_method=S256</c>
    /// (else 400), and the token request the matching <c>code_verifier</c> (else the provider's invalid-code answer). Off by default.
    /// </summary>
    public bool RequirePkce { get; set; }

    /// <summary>Every <c>code_challenge</c> an authorize request (consent page) carried, whether or not PKCE is required.</summary>
    public IReadOnlyCollection<string> CodeChallenges => _codeChallenges.ToArray();

    /// <summary>Refresh-grant requests received in total, whatever their outcome (failure modes included).</summary>
    public int RefreshCalls => Tokens.RefreshCalls;

    /// <summary>Every call of a revocation endpoint, in order, with the token presented and the status answered.</summary>
    public IReadOnlyList<RevocationCall> Revocations => _revocations.ToArray();

    private protected AuthorizationCodeStore Codes { get; }

    private protected TokenLedger Tokens { get; }

    /// <summary>Makes an access token of a provider whose tokens have a shape (Suunto's JWTs); null (the default) means random hex.</summary>
    private protected virtual Func<Grant, DateTimeOffset, string>? NewAccessToken => null;

    /// <summary>Hex digits of an access token (providers' tokens differ in length).</summary>
    private protected virtual int AccessTokenHexLength => 40;

    /// <summary>Refresh-grant requests that presented <paramref name="refreshToken"/> (the empty string: those that presented none).</summary>
    public int RefreshCallsFor(string refreshToken) => Tokens.RefreshCallsFor(refreshToken);

    /// <summary>Whether the token would currently be accepted by the API (not expired, not revoked).</summary>
    public bool IsAccessTokenValid(string accessToken) => Tokens.TryGetLive(accessToken, out _);

    /// <summary>Whether a refresh with the token would currently succeed (issued, not rotated away, not revoked).</summary>
    public bool IsRefreshTokenValid(string refreshToken) => Tokens.IsRefreshTokenLive(refreshToken);

    /// <summary>The access token last handed out to the user (the provider's user id), or null when it is no longer valid.</summary>
    public string? CurrentAccessToken(string userId) => Tokens.CurrentAccessToken(userId);

    /// <summary>The refresh token last handed out to the user (the provider's user id), or null when it is no longer valid.</summary>
    public string? CurrentRefreshToken(string userId) => Tokens.CurrentRefreshToken(userId);

    /// <summary>Kills every token of the user, as when the user removes the app in the provider's own settings.</summary>
    public void RevokeUser(string userId) => Tokens.Revoke(userId);

    /// <summary>Brings refresh, revocation and global failure modes back to normal (settings such as rotation stay).</summary>
    public void ResetFaults()
    {
        Faults.Reset();
        RefreshFaults.Reset();
        RevokeFaults.Reset();
    }

    /// <summary>The service's settings that point <see cref="Provider"/> at this fake.</summary>
    public virtual IEnumerable<KeyValuePair<string, string?>> ServiceSettings() =>
    [
        new($"Wearables:Providers:{Provider}:AuthorizeUrl", AuthorizeUrl.ToString()),
        new($"Wearables:Providers:{Provider}:TokenUrl", TokenUrl.ToString()),
        new($"Wearables:Providers:{Provider}:ApiBaseUrl", ApiBaseUrl.ToString()),
    ];

    /// <summary><c>GET /__fake/refresh-count</c>: <c>{"refresh_calls": N}</c>, the <see cref="RefreshCalls"/> so far.</summary>
    private protected override void MapAdminEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/__fake/refresh-count", context => Respond.JsonAsync(
            context, StatusCodes.Status200OK, new RefreshCount(RefreshCalls), FakesJsonContext.Default.RefreshCount));

    /// <summary>Shown on the consent page ("connect to your … account").</summary>
    private protected abstract string ProviderName { get; }

    /// <summary>Whether the redirect after consent repeats the granted scope (Strava does).</summary>
    private protected virtual bool RedirectCarriesScope => false;

    /// <returns>The 400 text for an invalid authorize request, or null with the scope to grant.</returns>
    private protected abstract string? Validate(AuthorizeRequest request, out string? scope);

    /// <summary>Where the consent page sends the user back; by default the request's redirect_uri.</summary>
    private protected virtual string RedirectTarget(AuthorizeRequest request) => request.RedirectUri!;

    /// <summary>The state echoed on the redirect; by default exactly what the client sent.</summary>
    private protected virtual string? EchoedState(AuthorizeRequest request) => request.State;

    /// <summary>The consent page at <paramref name="authorizePath"/>, and the form it posts to at <paramref name="acceptPath"/>.</summary>
    protected void MapConsent(IEndpointRouteBuilder endpoints, string authorizePath, string acceptPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(authorizePath, context =>
        {
            var request = AuthorizeRequest.From(context.Request.Query);
            if (request.CodeChallenge is not null)
            {
                _codeChallenges.Enqueue(request.CodeChallenge);
            }

            var error = ValidateAuthorize(request, out var scope);
            return error is not null
                ? Respond.TextAsync(context, StatusCodes.Status400BadRequest, error)
                : Respond.HtmlAsync(context, StatusCodes.Status200OK, ConsentPage.Render(ProviderName, acceptPath, scope!, request));
        });
        endpoints.MapPost(acceptPath, AcceptAsync);
    }

    /// <summary>Whether the credentials are the registered client's (both compared in constant time, as a real server would).</summary>
    protected bool IsRegisteredClient(string? clientId, string? clientSecret)
        => SameText(clientId, ClientId) & SameText(clientSecret, ClientSecret);

    /// <summary>Redeems an authorization code for this client, checking the PKCE verifier when <see cref="RequirePkce"/> is on.</summary>
    private protected IssuedCode? RedeemCode(string? code, string? redirectUri, bool redirectRequired, string? codeVerifier)
        => Codes.Redeem(code, ClientId, redirectUri, redirectRequired, RequirePkce, codeVerifier, VerifiesPkceWhenChallenged);

    /// <summary>Whether a provider where PKCE is optional still checks the verifier of a challenged code (as RFC 7636 §4.6 asks). Off by default.</summary>
    private protected virtual bool VerifiesPkceWhenChallenged => false;

    /// <summary>The tokens of a code exchange: a new grant's access token (of the initial lifetime) and, if the provider issues one, a refresh token.</summary>
    private protected TokenSet IssueInitialTokens(Grant grant, bool withRefreshToken)
        => Tokens.Issue(
            grant,
            InitialAccessTokenLifetime ?? AccessTokenLifetime,
            AccessTokenHexLength,
            withRefreshToken ? Tokens.NewRefreshToken(grant) : null,
            NewAccessToken);

    /// <summary>
    /// The refresh grant (RFC 6749 §6), shared by the providers that issue refresh tokens: counts the call, applies
    /// <see cref="RefreshFaults"/>, redeems the token as <see cref="RefreshRotation"/> says, and answers with the
    /// provider's token shape or its invalid-refresh-token answer. Client authentication is the caller's.
    /// </summary>
    private protected async Task RefreshAsync(HttpContext context, string? refreshToken)
    {
        Tokens.CountRefresh(refreshToken);
        if (await AnswerFaultAsync(context, RefreshFaults).ConfigureAwait(false))
        {
            return;
        }

        var redeemed = Tokens.Redeem(refreshToken, RefreshRotation);
        if (redeemed is not { } grant)
        {
            await WriteRefreshRejectedAsync(context).ConfigureAwait(false);
            return;
        }

        var tokens = Tokens.Issue(grant.Grant, AccessTokenLifetime, AccessTokenHexLength, grant.RefreshToken, NewAccessToken);
        await WriteTokensAsync(context, tokens, initial: false).ConfigureAwait(false);
    }

    /// <summary>A token answer in the provider's shape.</summary>
    /// <param name="initial">True for a code exchange, false for a refresh.</param>
    private protected abstract Task WriteTokensAsync(HttpContext context, TokenSet tokens, bool initial);

    /// <summary>The answer to an unknown, used or revoked refresh token; by default the standard 400 <c>{"error":"invalid_grant"}</c> (RFC 6749 §5.2).</summary>
    private protected virtual Task WriteRefreshRejectedAsync(HttpContext context)
        => Respond.JsonAsync(context, StatusCodes.Status400BadRequest, StandardInvalidGrant);

    /// <summary>The standard invalid-grant answer, for a provider that uses it for bad codes too.</summary>
    private protected static Task WriteStandardInvalidGrantAsync(HttpContext context)
        => Respond.JsonAsync(context, StatusCodes.Status400BadRequest, StandardInvalidGrant);

    /// <summary>
    /// A revocation endpoint: applies <see cref="RevokeFaults"/>, runs <paramref name="revoke"/> unless a failure
    /// answered instead, and records the call with the status answered.
    /// </summary>
    private protected async Task RevocationAsync(HttpContext context, string? accessToken, string? tokenSource, Func<Task> revoke)
    {
        ArgumentNullException.ThrowIfNull(revoke);
        if (!await AnswerFaultAsync(context, RevokeFaults).ConfigureAwait(false))
        {
            await revoke().ConfigureAwait(false);
        }

        var status = context.RequestAborted.IsCancellationRequested ? 0 : context.Response.StatusCode;
        _revocations.Enqueue(new RevocationCall(
            context.Request.Method, context.Request.Path.Value ?? string.Empty, accessToken, tokenSource, status, TimeProvider.GetUtcNow()));
    }

    private string? ValidateAuthorize(AuthorizeRequest request, out string? scope)
    {
        var error = Validate(request, out scope);
        return error is null && RequirePkce && !Pkce.IsValidChallenge(request.CodeChallenge, request.CodeChallengeMethod)
            ? "Bad Request: invalid code_challenge"
            : error;
    }

    private static bool SameText(string? given, string expected)
        => given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await Respond.TextAsync(context, StatusCodes.Status400BadRequest, "Bad Request").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var request = AuthorizeRequest.From(form);
        var error = ValidateAuthorize(request, out var scope);
        if (error is not null)
        {
            await Respond.TextAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        var target = RedirectTarget(request);
        var state = new KeyValuePair<string, string?>("state", EchoedState(request));
        string location;
        if (!ConsentPage.Accepted(form))
        {
            location = ConsentPage.RedirectTo(target, state, new("error", "access_denied"));
        }
        else
        {
            var code = new KeyValuePair<string, string?>("code", Codes.Issue(ClientId, request.RedirectUri, scope!, request.CodeChallenge));
            location = RedirectCarriesScope
                ? ConsentPage.RedirectTo(target, state, code, new("scope", scope))
                : ConsentPage.RedirectTo(target, state, code);
        }

        await Respond.RedirectAsync(context, location).ConfigureAwait(false);
    }
}
