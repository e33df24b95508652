using System.Security.Cryptography;
using System.Text;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>Comparing what a webhook call carries with what the project stored (a verify token, a code, a client id).</summary>
internal static class WebhookTokens
{
    /// <summary>Constant time over the bytes (hashed first, so the lengths do not show either); a missing side (or an empty stored value) never matches.</summary>
    public static bool Equal(string? given, string? stored) =>
        given is not null && stored is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(stored)));
}
