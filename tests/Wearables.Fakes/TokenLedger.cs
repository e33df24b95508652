using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Wearables.Fakes;

/// <summary>What happens to the refresh token a client presents when it refreshes.</summary>
public enum RefreshRotation
{
    /// <summary>The answer repeats the same refresh token, which stays valid (Strava's usual answer).</summary>
    Same,

    /// <summary>The answer carries a new refresh token; the old one stays valid too.</summary>
    Rotate,

    /// <summary>The answer carries a new refresh token and the old one dies at once (WHOOP-like, the strictest case).</summary>
    RotateStrict,
}

/// <summary>What one user approved for the client; every token issued under it dies with it.</summary>
internal class Grant(string subject)
{
    /// <summary>The provider's id of the user, as text.</summary>
    public string Subject { get; } = subject;

    public volatile bool Revoked;
}

/// <summary>An access token (and the refresh token, if any) as one token answer hands them out.</summary>
internal readonly record struct TokenSet(Grant Grant, string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt, long ExpiresIn);

/// <summary>
/// The access and refresh tokens of one OAuth fake: who they belong to, when they expire, which are still alive,
/// and how often each refresh token was presented.
/// </summary>
internal sealed class TokenLedger(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Access> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _refreshCalls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Latest> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issuedAccessTokens = new();
    private readonly ConcurrentQueue<string> _issuedRefreshTokens = new();
    private int _refreshCallsTotal;

    public IReadOnlyCollection<string> IssuedAccessTokens => _issuedAccessTokens.ToArray();

    public IReadOnlyCollection<string> IssuedRefreshTokens => _issuedRefreshTokens.ToArray();

    public int RefreshCalls => Volatile.Read(ref _refreshCallsTotal);

    public int RefreshCallsFor(string refreshToken) => _refreshCalls.TryGetValue(refreshToken, out var count) ? count : 0;

    /// <summary>Counts one refresh request; a request without a refresh token counts under the empty string.</summary>
    public void CountRefresh(string? refreshToken)
    {
        Interlocked.Increment(ref _refreshCallsTotal);
        _refreshCalls.AddOrUpdate(refreshToken ?? string.Empty, 1, static (_, count) => count + 1);
    }

    /// <param name="lifetime">Zero or negative: the token is already expired when handed out.</param>
    /// <param name="newAccessToken">Makes the access token for its expiry (a provider issuing JWTs); null means random hex.</param>
    public TokenSet Issue(Grant grant, TimeSpan lifetime, int accessHexLength, string? refreshToken, Func<Grant, DateTimeOffset, string>? newAccessToken = null)
    {
        var expiresAt = timeProvider.GetUtcNow() + lifetime;
        var accessToken = newAccessToken?.Invoke(grant, expiresAt) ?? RandomNumberGenerator.GetHexString(accessHexLength, lowercase: true);
        _accessTokens[accessToken] = new Access(grant, expiresAt);
        _issuedAccessTokens.Enqueue(accessToken);
        _latest[grant.Subject] = new Latest(accessToken, refreshToken);
        return new TokenSet(grant, accessToken, refreshToken, expiresAt, Math.Max(0, (long)Math.Floor(lifetime.TotalSeconds)));
    }

    public string NewRefreshToken(Grant grant)
    {
        var refreshToken = RandomNumberGenerator.GetHexString(40, lowercase: true);
        _refreshTokens[refreshToken] = grant;
        _issuedRefreshTokens.Enqueue(refreshToken);
        return refreshToken;
    }

    /// <returns>The grant and the refresh token the answer carries; null when the token is unknown, used up or revoked.</returns>
    public (Grant Grant, string RefreshToken)? Redeem(string? refreshToken, RefreshRotation rotation)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            return null;
        }

        // Strict rotation removes the token: of two concurrent refreshes with it only one wins, as at WHOOP.
        var found = rotation == RefreshRotation.RotateStrict
            ? _refreshTokens.TryRemove(refreshToken, out var grant)
            : _refreshTokens.TryGetValue(refreshToken, out grant);
        if (!found || grant!.Revoked)
        {
            return null;
        }

        return (grant, rotation == RefreshRotation.Same ? refreshToken : NewRefreshToken(grant));
    }

    /// <returns>The grant of a live access token: known, not expired, not revoked.</returns>
    public bool TryGetLive(string? accessToken, out Grant grant)
    {
        if (accessToken is not null && _accessTokens.TryGetValue(accessToken, out var access) && !access.Grant.Revoked
            && timeProvider.GetUtcNow() < access.ExpiresAt)
        {
            grant = access.Grant;
            return true;
        }

        grant = null!;
        return false;
    }

    public bool IsRefreshTokenLive(string refreshToken) => TryGetGrantOfRefreshToken(refreshToken, out _);

    public bool TryGetGrantOfRefreshToken(string? refreshToken, out Grant grant)
    {
        if (refreshToken is not null && _refreshTokens.TryGetValue(refreshToken, out var found) && !found.Revoked)
        {
            grant = found;
            return true;
        }

        grant = null!;
        return false;
    }

    /// <summary>The access token most recently handed out to the user, while it is live.</summary>
    public string? CurrentAccessToken(string subject)
        => _latest.TryGetValue(subject, out var latest) && TryGetLive(latest.AccessToken, out _) ? latest.AccessToken : null;

    /// <summary>The refresh token most recently handed out to the user, while it is live.</summary>
    public string? CurrentRefreshToken(string subject)
        => _latest.TryGetValue(subject, out var latest) && latest.RefreshToken is { } token && IsRefreshTokenLive(token) ? token : null;

    /// <summary>Kills every access and refresh token of every grant of the user.</summary>
    public void Revoke(string subject)
    {
        foreach (var (token, access) in _accessTokens)
        {
            if (access.Grant.Subject == subject)
            {
                access.Grant.Revoked = true;
                _accessTokens.TryRemove(token, out _);
            }
        }

        foreach (var (token, grant) in _refreshTokens)
        {
            if (grant.Subject == subject)
            {
                grant.Revoked = true;
                _refreshTokens.TryRemove(token, out _);
            }
        }

        _latest.TryRemove(subject, out _);
    }

    private readonly record struct Access(Grant Grant, DateTimeOffset ExpiresAt);

    private readonly record struct Latest(string AccessToken, string? RefreshToken);
}
