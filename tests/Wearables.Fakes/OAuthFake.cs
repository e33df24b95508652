using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Fakes;

/// <summary>
/// What the OAuth 2.0 fakes have in common: one registered client, single-use authorization codes,
/// the consent page and its accept step (redirecting back with a code or <c>access_denied</c>), and
/// a record of every access token handed out. Each provider adds its own validation and token endpoint.
/// </summary>
public abstract class OAuthFake : FakeServer
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    private readonly ConcurrentQueue<string> _issuedAccessTokens = new();

    private protected OAuthFake(string clientId, string clientSecret, TimeProvider? timeProvider)
        : base(timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        ClientId = clientId;
        ClientSecret = clientSecret;
        Codes = new AuthorizationCodeStore(TimeProvider, CodeLifetime);
    }

    public string ClientId { get; }

    public string ClientSecret { get; }

    /// <summary>The service's id of the provider this fake stands in for, e.g. <c>strava</c>.</summary>
    public abstract string Provider { get; }

    public abstract Uri AuthorizeUrl { get; }

    public abstract Uri TokenUrl { get; }

    public abstract Uri ApiBaseUrl { get; }

    /// <summary>Every access token ever handed out, including refreshed and revoked ones.</summary>
    public IReadOnlyCollection<string> IssuedAccessTokens => _issuedAccessTokens.ToArray();

    private protected AuthorizationCodeStore Codes { get; }

    /// <summary>The service's settings that point <see cref="Provider"/> at this fake.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ServiceSettings() =>
    [
        new($"Wearables:Providers:{Provider}:AuthorizeUrl", AuthorizeUrl.ToString()),
        new($"Wearables:Providers:{Provider}:TokenUrl", TokenUrl.ToString()),
        new($"Wearables:Providers:{Provider}:ApiBaseUrl", ApiBaseUrl.ToString()),
    ];

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
            var error = Validate(request, out var scope);
            return error is not null
                ? Respond.TextAsync(context, StatusCodes.Status400BadRequest, error)
                : Respond.HtmlAsync(context, StatusCodes.Status200OK, ConsentPage.Render(ProviderName, acceptPath, scope!, request));
        });
        endpoints.MapPost(acceptPath, AcceptAsync);
    }

    /// <summary>Whether the credentials are the registered client's (both compared in constant time, as a real server would).</summary>
    protected bool IsRegisteredClient(string? clientId, string? clientSecret)
        => SameText(clientId, ClientId) & SameText(clientSecret, ClientSecret);

    /// <summary>A fresh random access token of <paramref name="hexLength"/> hex digits, recorded in <see cref="IssuedAccessTokens"/>.</summary>
    protected string NewAccessToken(int hexLength)
    {
        var token = RandomNumberGenerator.GetHexString(hexLength, lowercase: true);
        _issuedAccessTokens.Enqueue(token);
        return token;
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
        var error = Validate(request, out var scope);
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
            var code = new KeyValuePair<string, string?>("code", Codes.Issue(ClientId, request.RedirectUri, scope!));
            location = RedirectCarriesScope
                ? ConsentPage.RedirectTo(target, state, code, new("scope", scope))
                : ConsentPage.RedirectTo(target, state, code);
        }

        await Respond.RedirectAsync(context, location).ConfigureAwait(false);
    }
}
