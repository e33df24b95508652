using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Wearables.Fakes;

/// <param name="CodeChallenge">The PKCE S256 challenge of the authorize request, if it had one.</param>
internal sealed record IssuedCode(string ClientId, string? RedirectUri, string Scope, DateTimeOffset ExpiresAt, string? CodeChallenge);

/// <summary>Random, single-use authorization codes bound to the client, redirect URI and scope they were issued for.</summary>
internal sealed class AuthorizationCodeStore(TimeProvider timeProvider, TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);

    public string Issue(string clientId, string? redirectUri, string scope, string? codeChallenge = null)
    {
        var code = RandomNumberGenerator.GetHexString(40, lowercase: true);
        _codes[code] = new IssuedCode(clientId, redirectUri, scope, timeProvider.GetUtcNow() + lifetime, codeChallenge);
        return code;
    }

    /// <param name="redirectRequired">
    /// When the code was bound to a redirect URI, whether the token request must repeat it (RFC 6749 §4.1.3)
    /// rather than merely not contradict it.
    /// </param>
    /// <param name="requirePkce">Whether <paramref name="codeVerifier"/> must match the code's S256 challenge (RFC 7636 §4.6).</param>
    /// <returns>The code's grant, consumed; null when unknown, used, expired or not matching. A mismatch does not burn the code.</returns>
    /// <param name="verifyWhenChallenged">Checks the verifier of a code whose authorize request carried a challenge, even where PKCE is optional (Fitbit).</param>
    public IssuedCode? Redeem(string? code, string clientId, string? redirectUri, bool redirectRequired, bool requirePkce = false, string? codeVerifier = null, bool verifyWhenChallenged = false)
    {
        if (string.IsNullOrEmpty(code) || !_codes.TryGetValue(code, out var issued))
        {
            return null;
        }

        if (timeProvider.GetUtcNow() >= issued.ExpiresAt)
        {
            _codes.TryRemove(new KeyValuePair<string, IssuedCode>(code, issued));
            return null;
        }

        var redirectMatches = issued.RedirectUri is null
            || (redirectUri is null ? !redirectRequired : string.Equals(redirectUri, issued.RedirectUri, StringComparison.Ordinal));
        if (!string.Equals(issued.ClientId, clientId, StringComparison.Ordinal) || !redirectMatches
            || ((requirePkce || (verifyWhenChallenged && issued.CodeChallenge is not null)) && !Pkce.Matches(codeVerifier, issued.CodeChallenge)))
        {
            return null;
        }

        // Compare-and-remove: of two concurrent redemptions only one wins.
        return _codes.TryRemove(new KeyValuePair<string, IssuedCode>(code, issued)) ? issued : null;
    }
}
