using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Wearables.Fakes;

/// <summary>
/// The parts of the Junction (formerly Vital) API the service calls: link-token validation, user lookup and the
/// user's connected providers. Every call needs the team's <c>x-vital-api-key</c>.
/// </summary>
public sealed class FakeJunction : FakeServer
{
    public const string ApiKeyHeader = "x-vital-api-key";

    private static readonly byte[] InvalidApiKey = FakesJsonContext.Serialize(new JunctionDetail("Invalid API key"), FakesJsonContext.Default.JunctionDetail);
    private static readonly byte[] UserNotFound = FakesJsonContext.Serialize(new JunctionDetail("User not found"), FakesJsonContext.Default.JunctionDetail);
    private static readonly byte[] TokenMissing = FakesJsonContext.Serialize(
        new JunctionValidationError([new JunctionValidationIssue(["body", "token"], "Field required", "missing")]),
        FakesJsonContext.Default.JunctionValidationError);

    private readonly string _apiKey;
    private readonly ConcurrentDictionary<string, LinkToken> _linkTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, User> _users = new(StringComparer.Ordinal);

    public FakeJunction(string apiKey, TimeProvider? timeProvider = null)
        : base(timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        _apiKey = apiKey;
    }

    public string ApiKey => _apiKey;

    public string TeamId { get; set; } = Guid.NewGuid().ToString();

    /// <summary>When set, every link token answers <c>{"valid":false}</c>.</summary>
    public bool InvalidTokens { get; set; }

    /// <summary>Issues a link token for the user (registering the user if unknown), as Junction's link flow would.</summary>
    public string AddLinkToken(string userId)
    {
        EnsureUser(userId);
        var token = RandomNumberGenerator.GetHexString(48, lowercase: true);
        _linkTokens[token] = new LinkToken(userId, Used: false);
        return token;
    }

    /// <summary>Marks the token as spent by a completed link, after which it answers <c>{"valid":false}</c>.</summary>
    public void MarkUsed(string token)
    {
        if (!_linkTokens.TryGetValue(token, out var linkToken))
        {
            throw new ArgumentException("Unknown link token.", nameof(token));
        }

        _linkTokens[token] = linkToken with { Used = true };
    }

    /// <summary>Registers the user, or changes the client_user_id of a known one (keeping its providers).</summary>
    public void AddUser(string userId, string clientUserId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientUserId);
        EnsureUser(userId).ClientUserId = clientUserId;
    }

    /// <summary>Adds or updates the user's connection to a provider (registering the user if unknown).</summary>
    /// <param name="status">As Junction reports it, e.g. <c>connected</c>, <c>error</c>, <c>paused</c>.</param>
    public void SetProvider(string userId, string slug, string name, string status)
    {
        ArgumentException.ThrowIfNullOrEmpty(slug);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(status);
        EnsureUser(userId).SetProvider(slug, name, status, TimeProvider.GetUtcNow());
    }

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v2/link/token/isValid", IsValidAsync).AffectedByMode();
        endpoints.MapGet("/v2/user/{user_id}", GetUserAsync).AffectedByMode();
        endpoints.MapGet("/v2/user/providers/{user_id}", GetProvidersAsync).AffectedByMode();
    }

    private async Task IsValidAsync(HttpContext context)
    {
        if (!HasApiKey(context))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidApiKey).ConfigureAwait(false);
            return;
        }

        var token = await JsonBody.ReadStringPropertyAsync(context, "token").ConfigureAwait(false);
        if (token is null)
        {
            await Respond.JsonAsync(context, StatusCodes.Status422UnprocessableEntity, TokenMissing).ConfigureAwait(false);
            return;
        }

        var validity = !InvalidTokens && _linkTokens.TryGetValue(token, out var linkToken) && !linkToken.Used
            ? new JunctionLinkTokenValidity(true, linkToken.UserId)
            : new JunctionLinkTokenValidity(false, null);
        await Respond.JsonAsync(context, StatusCodes.Status200OK, validity, FakesJsonContext.Default.JunctionLinkTokenValidity).ConfigureAwait(false);
    }

    private Task GetUserAsync(HttpContext context)
    {
        if (!HasApiKey(context))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidApiKey);
        }

        if (!TryFindUser(context, out var userId, out var user))
        {
            return Respond.JsonAsync(context, StatusCodes.Status404NotFound, UserNotFound);
        }

        var sources = user.Providers()
            .Select(p => new JunctionConnectedSource(new JunctionSource(p.Name, p.Slug, Logo(p.Slug)), p.CreatedOn))
            .ToArray();
        var body = new JunctionUser(userId, TeamId, user.ClientUserId, user.CreatedOn, sources, null, null, null, null);
        return Respond.JsonAsync(context, StatusCodes.Status200OK, body, FakesJsonContext.Default.JunctionUser);
    }

    private Task GetProvidersAsync(HttpContext context)
    {
        if (!HasApiKey(context))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidApiKey);
        }

        if (!TryFindUser(context, out _, out var user))
        {
            return Respond.JsonAsync(context, StatusCodes.Status404NotFound, UserNotFound);
        }

        var providers = user.Providers()
            .Select(p => new JunctionProvider(p.Name, p.Slug, Logo(p.Slug), p.Status, p.CreatedOn, new Dictionary<string, string>()))
            .ToArray();
        return Respond.JsonAsync(context, StatusCodes.Status200OK, new JunctionProviders(providers), FakesJsonContext.Default.JunctionProviders);
    }

    private bool HasApiKey(HttpContext context)
        => context.Request.Headers.TryGetValue(ApiKeyHeader, out var key) && string.Equals(key.ToString(), _apiKey, StringComparison.Ordinal);

    private bool TryFindUser(HttpContext context, out string userId, out User user)
    {
        userId = context.Request.RouteValues["user_id"] as string ?? string.Empty;
        return _users.TryGetValue(userId, out user!);
    }

    private User EnsureUser(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _users.GetOrAdd(userId, static (id, now) => new User(id, now), TimeProvider.GetUtcNow());
    }

    private static string Logo(string slug) => $"https://storage.googleapis.com/vital-assets/{slug}.png";

    private readonly record struct LinkToken(string UserId, bool Used);

    private sealed record Provider(string Slug, string Name, string Status, DateTimeOffset CreatedOn);

    private sealed class User(string clientUserId, DateTimeOffset createdOn)
    {
        private readonly List<Provider> _providers = [];
        private readonly Lock _lock = new();

        public string ClientUserId { get; set; } = clientUserId;

        public DateTimeOffset CreatedOn { get; } = createdOn;

        public Provider[] Providers()
        {
            lock (_lock)
            {
                return [.. _providers];
            }
        }

        public void SetProvider(string slug, string name, string status, DateTimeOffset now)
        {
            lock (_lock)
            {
                var index = _providers.FindIndex(p => p.Slug == slug);
                if (index < 0)
                {
                    _providers.Add(new Provider(slug, name, status, now));
                }
                else
                {
                    _providers[index] = _providers[index] with { Name = name, Status = status };
                }
            }
        }
    }
}
