using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// The checks the signing providers (Polar, WHOOP, Oura, Suunto) share: HMAC-SHA256 over an optional
/// prefix (a timestamp header's text) and the exact body, compared in constant time, and the
/// window a signed timestamp must fall in. A missing key or signature never matches.
/// </summary>
internal static class WebhookSignatures
{
    /// <summary>How far a signed timestamp may be from the time of receipt, either way, unless configured.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    private const int MaxToleranceSeconds = 86_400;

    /// <summary>Whether <paramref name="signature"/> is the hex (any case) of HMAC-SHA256(<paramref name="key"/>, prefix + body).</summary>
    public static bool HexMatches(string? signature, string? key, string? prefix, ReadOnlySpan<byte> body)
    {
        if (signature is null || key is not { Length: > 0 } || signature.Length != HMACSHA256.HashSizeInBytes * 2)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != given.Length)
        {
            return false;
        }

        return Matches(given, key, prefix, body);
    }

    /// <summary>Whether <paramref name="signature"/> is the standard base64 of HMAC-SHA256(<paramref name="key"/>, prefix + body).</summary>
    public static bool Base64Matches(string? signature, string? key, string? prefix, ReadOnlySpan<byte> body)
    {
        if (signature is null || key is not { Length: > 0 } || signature.Length > 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[48];
        return Convert.TryFromBase64String(signature, given, out var written) && written == HMACSHA256.HashSizeInBytes
            && Matches(given[..written], key, prefix, body);
    }

    /// <summary>HMAC-SHA256(<paramref name="key"/>, prefix + body), the bytes as they are signed.</summary>
    public static byte[] Compute(string key, string? prefix, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(key));
        if (prefix is not null)
        {
            hmac.AppendData(Encoding.UTF8.GetBytes(prefix));
        }

        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    /// <summary>Whether a signed instant lies within <paramref name="tolerance"/> of the receipt, either way.</summary>
    public static bool IsFresh(DateTimeOffset signedAt, DateTimeOffset receivedAt, TimeSpan tolerance) =>
        (signedAt - receivedAt).Duration() <= tolerance;

    /// <summary>An instant given as whole milliseconds since the Unix epoch (digits only), or null.</summary>
    public static DateTimeOffset? FromUnixMilliseconds(string? text) =>
        text is { Length: > 0 and <= 15 } && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    /// <summary>
    /// <c>Wearables:Providers:&lt;slug&gt;:WebhookToleranceSeconds</c>: whole seconds from 1 to 86400;
    /// absent or anything else is the default (a bad value never switches the check off).
    /// </summary>
    public static TimeSpan Tolerance(IConfiguration configuration, string provider)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[$"Wearables:Providers:{provider}:WebhookToleranceSeconds"];
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= MaxToleranceSeconds
            ? TimeSpan.FromSeconds(seconds)
            : DefaultTolerance;
    }

    private static bool Matches(ReadOnlySpan<byte> given, string key, string? prefix, ReadOnlySpan<byte> body) =>
        CryptographicOperations.FixedTimeEquals(given, Compute(key, prefix, body));
}
