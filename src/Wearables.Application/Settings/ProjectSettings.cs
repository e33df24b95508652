using System.Text.Json;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Validation;
using Wearables.Application.Providers;
using Wearables.Domain.Projects;

namespace Wearables.Application.Settings;

/// <summary>
/// The project settings this service knows: one <c>WEARABLE_&lt;PROVIDER&gt;_ENABLED</c> toggle per
/// provider of the catalog (default off) and <c>WEARABLE_REDIRECT_ORIGINS</c> (default empty).
/// Values are stored normalized: <c>true</c>/<c>false</c>, and origins as <c>scheme://host[:port]</c> joined by commas.
/// </summary>
/// <remarks>Scoped: one read of a project's settings serves the whole request.</remarks>
public sealed class ProjectSettings(IProviderCatalog catalog, IProjectSettingsStore store)
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> read = new(StringComparer.Ordinal);

    public const int MaxOrigins = 32;
    public const int MaxOriginsLength = 4096;

    public IEnumerable<string> Keys =>
        catalog.All.Select(p => p.EnabledSettingKey).Order(StringComparer.Ordinal).Append(ProjectSettingKeys.RedirectOrigins);

    public bool IsKnown(string key) => Keys.Contains(key, StringComparer.Ordinal);

    /// <summary>All settings with their typed values (booleans for toggles, a string for origins).</summary>
    public async Task<IReadOnlyDictionary<string, object>> GetAllAsync(string projectId, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, cancellationToken).ConfigureAwait(false);
        var result = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            stored.TryGetValue(key, out var value);
            result[key] = ToPublic(key, value);
        }

        return result;
    }

    public async Task<bool> IsProviderEnabledAsync(string projectId, ProviderDescriptor provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return (await LoadAsync(projectId, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(provider.EnabledSettingKey) == "true";
    }

    public async Task<IReadOnlyList<string>> GetRedirectOriginsAsync(string projectId, CancellationToken cancellationToken)
    {
        var value = (await LoadAsync(projectId, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(ProjectSettingKeys.RedirectOrigins);
        return string.IsNullOrEmpty(value) ? [] : value.Split(',');
    }

    public async Task SetAsync(string projectId, string key, string normalized, CancellationToken cancellationToken)
    {
        read.Remove(projectId);
        await store.SetAsync(projectId, key, normalized, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyDictionary<string, string>> LoadAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!read.TryGetValue(projectId, out var stored))
        {
            stored = await store.GetAllAsync(projectId, cancellationToken).ConfigureAwait(false);
            read[projectId] = stored;
        }

        return stored;
    }

    /// <summary>Parses and normalizes a value for a key; throws 422 when it is not acceptable.</summary>
    public static string Normalize(string key, JsonElement? value)
    {
        if (key == ProjectSettingKeys.RedirectOrigins)
        {
            return NormalizeOrigins(value);
        }

        return value switch
        {
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            { ValueKind: JsonValueKind.String } s when string.Equals(TextOf(s), "true", StringComparison.OrdinalIgnoreCase) => "true",
            { ValueKind: JsonValueKind.String } s when string.Equals(TextOf(s), "false", StringComparison.OrdinalIgnoreCase) => "false",
            _ => throw Invalid("'value' must be true or false (a JSON boolean or the strings \"true\"/\"false\")."),
        };
    }

    public static object ToPublic(string key, string? stored) =>
        key == ProjectSettingKeys.RedirectOrigins ? stored ?? string.Empty : stored == "true";

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

    private static string NormalizeOrigins(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.String } element)
        {
            throw Invalid("'value' must be a string: a comma-separated list of origins such as https://my.dashboard.");
        }

        var text = TextOf(element) ?? throw Invalid("'value' must be valid text (UTF-8, no lone surrogates).");
        if (text.Length > MaxOriginsLength || TextRules.HasControlCharacters(text))
        {
            throw Invalid($"'value' must be at most {MaxOriginsLength} characters without control characters.");
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxOrigins)
        {
            throw Invalid($"At most {MaxOrigins} origins are allowed.");
        }

        var origins = new List<string>();
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri)
                || !IsSecureOrLoopback(uri)
                || !string.IsNullOrEmpty(uri.UserInfo)
                || uri.PathAndQuery != "/"
                || !string.IsNullOrEmpty(uri.Fragment))
            {
                throw Invalid($"'{Truncate(part)}' is not an origin: use https://host[:port] (http only for localhost), without path, query or credentials.");
            }

            var origin = OriginOf(uri)!;
            if (!origins.Contains(origin, StringComparer.Ordinal))
            {
                origins.Add(origin);
            }
        }

        return string.Join(',', origins);
    }

    /// <summary>The string, or null when the JSON string is not valid text (a lone surrogate, bad UTF-8).</summary>
    private static string? TextOf(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";

    private static RequestValidationException Invalid(string message) =>
        new("setting_value_invalid", message, new Dictionary<string, string[]> { ["value"] = [message] }, asBadRequest: false);
}
