using System.Text.Json;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Settings;

/// <summary>
/// A project's allowed redirect origins (<c>WEARABLE_REDIRECT_ORIGINS</c>), and the rules for them:
/// an origin is <c>scheme://host[:port]</c>, https anywhere and http only for loopback hosts;
/// stored normalized (lower case, no duplicates) and joined by commas.
/// </summary>
public sealed class RedirectOrigins
{
    public const int MaxOrigins = 32;
    public const int MaxLength = 4096;

    private readonly string[] origins;

    private RedirectOrigins(string[] origins) => this.origins = origins;

    public IReadOnlyList<string> Values => origins;

    /// <summary>The origins of a stored (normalized) value; none when it is absent or empty.</summary>
    public static RedirectOrigins FromStored(string? stored) => new(string.IsNullOrEmpty(stored) ? [] : stored.Split(','));

    /// <summary>True when <paramref name="uri"/> lies within one of the origins.</summary>
    public bool Allows(Uri uri) => OriginOf(uri) is { } origin && origins.Contains(origin, StringComparer.Ordinal);

    /// <summary>The normalized origin (<c>scheme://host[:port]</c>) of an absolute URI, or null if it has none.</summary>
    public static string? OriginOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() : null;
    }

    /// <summary>https anywhere; http only for loopback hosts (local development).</summary>
    public static bool IsSecureOrLoopback(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
    }

    /// <summary>Parses a submitted list (a comma-separated string) into its stored form; throws 422 when it is not acceptable.</summary>
    public static string Normalize(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.String } element)
        {
            throw SettingValue.Invalid("'value' must be a string: a comma-separated list of origins such as https://my.dashboard.");
        }

        var text = SettingValue.TextOf(element) ?? throw SettingValue.Invalid("'value' must be valid text (UTF-8, no lone surrogates).");
        if (text.Length > MaxLength || TextRules.HasControlCharacters(text))
        {
            throw SettingValue.Invalid($"'value' must be at most {MaxLength} characters without control characters.");
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxOrigins)
        {
            throw SettingValue.Invalid($"At most {MaxOrigins} origins are allowed.");
        }

        var normalized = new List<string>();
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri)
                || !IsSecureOrLoopback(uri)
                || !string.IsNullOrEmpty(uri.UserInfo)
                || uri.PathAndQuery != "/"
                || !string.IsNullOrEmpty(uri.Fragment))
            {
                throw SettingValue.Invalid($"'{Truncate(part)}' is not an origin: use https://host[:port] (http only for localhost), without path, query or credentials.");
            }

            var origin = OriginOf(uri)!;
            if (!normalized.Contains(origin, StringComparer.Ordinal))
            {
                normalized.Add(origin);
            }
        }

        return string.Join(',', normalized);
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
