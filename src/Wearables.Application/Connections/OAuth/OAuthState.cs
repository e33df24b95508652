using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Application.Connections;

/// <summary>
/// OAuth state values: 256 random bits followed by a MAC of them (HMAC-SHA256 truncated to 128 bits
/// under a key of <see cref="IOAuthStateKeys"/>), base64url: 64 characters. The callback refuses a
/// state whose MAC does not check before it touches a store, so a flood of made-up states costs no
/// store operation. Stored only by hash. PKCE verifiers: <see cref="PkceVerifiers"/>.
/// </summary>
public static class OAuthState
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(600);

    /// <summary>Upper bound for a state we accept at the callback (ours are <see cref="Length"/> characters).</summary>
    public const int MaxLength = 128;

    /// <summary>Random bytes of a state.</summary>
    public const int RandomBytes = 32;

    /// <summary>Bytes of the truncated MAC.</summary>
    public const int MacBytes = 16;

    /// <summary>The length of every state we mint (base64url of 48 bytes).</summary>
    public const int Length = (RandomBytes + MacBytes) * 4 / 3;

    /// <summary>A new state under the active key (the first of <paramref name="keys"/>).</summary>
    public static string NewToken(IOAuthStateKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Span<byte> state = stackalloc byte[RandomBytes + MacBytes];
        RandomNumberGenerator.Fill(state[..RandomBytes]);
        Mac(keys.Active, state[..RandomBytes], state[RandomBytes..]);
        return Base64Url.EncodeToString(state);
    }

    /// <summary>
    /// True when <paramref name="state"/> is one we could have minted: our length and alphabet, and a
    /// MAC that checks (constant-time) under one of the keys. Says nothing of whether it is still pending.
    /// </summary>
    public static bool IsOurs(string? state, IOAuthStateKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (state is null || state.Length != Length)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[RandomBytes + MacBytes];
        if (Base64Url.DecodeFromChars(state, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != state.Length || written != bytes.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        var ours = false;
        foreach (var key in keys.All)
        {
            Mac(key, bytes[..RandomBytes], expected);
            ours |= CryptographicOperations.FixedTimeEquals(expected, bytes[RandomBytes..]);
        }

        return ours;
    }

    /// <summary>The store key for a state: its SHA-256, so the store never holds a usable state.</summary>
    public static string Hash(string state) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> random, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, random, full);
        full[..MacBytes].CopyTo(mac);
    }
}
