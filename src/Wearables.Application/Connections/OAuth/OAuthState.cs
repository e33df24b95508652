using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Application.Connections;

/// <summary>OAuth state values: 256 random bits, base64url; stored only by hash. PKCE verifiers: <see cref="PkceVerifiers"/>.</summary>
public static class OAuthState
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(600);

    /// <summary>Upper bound for a state we accept at the callback (ours are 43 characters).</summary>
    public const int MaxLength = 128;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The store key for a state: its SHA-256, so the store never holds a usable state.</summary>
    public static string Hash(string state) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(state)));
}
