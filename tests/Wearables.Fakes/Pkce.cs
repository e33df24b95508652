using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Fakes;

/// <summary>PKCE with the S256 method (RFC 7636), the only one the fakes accept.</summary>
public static class Pkce
{
    public const string S256 = "S256";

    /// <summary>BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 §4.2).</summary>
    public static string Challenge(string codeVerifier)
    {
        ArgumentNullException.ThrowIfNull(codeVerifier);
        return WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(codeVerifier)));
    }

    /// <summary>Whether the verifier is well formed (43 to 128 unreserved characters, §4.1) and hashes to the challenge.</summary>
    public static bool Matches(string? codeVerifier, string? codeChallenge)
    {
        if (codeVerifier is null || codeChallenge is null || codeVerifier.Length is < 43 or > 128
            || !codeVerifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~'))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Challenge(codeVerifier));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(codeChallenge));
    }

    /// <summary>Whether an authorize request's challenge is acceptable: S256 and 43 base64url characters (a SHA-256 digest).</summary>
    internal static bool IsValidChallenge(string? codeChallenge, string? method)
        => method == S256 && codeChallenge is { Length: 43 } && codeChallenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
