using System.Text.Json;
using Wearables.Application.Providers;
using Wearables.Domain.Projects;

namespace Wearables.Application.Settings;

/// <summary>
/// The project settings this service knows: one <c>WEARABLE_&lt;PROVIDER&gt;_ENABLED</c> toggle per
/// provider of the catalog (default off) and <c>WEARABLE_REDIRECT_ORIGINS</c> (default empty; its
/// rules: <see cref="RedirectOrigins"/>). Values are stored normalized: <c>true</c>/<c>false</c> for toggles.
/// </summary>
/// <remarks>Scoped: one read of a project's settings serves the whole request.</remarks>
public sealed class ProjectSettings(IProviderCatalog catalog, IProjectSettingsStore store)
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> read = new(StringComparer.Ordinal);

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

    public async Task<RedirectOrigins> GetRedirectOriginsAsync(string projectId, CancellationToken cancellationToken) =>
        RedirectOrigins.FromStored((await LoadAsync(projectId, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(ProjectSettingKeys.RedirectOrigins));

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
            return RedirectOrigins.Normalize(value);
        }

        return value switch
        {
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            { ValueKind: JsonValueKind.String } s when string.Equals(SettingValue.TextOf(s), "true", StringComparison.OrdinalIgnoreCase) => "true",
            { ValueKind: JsonValueKind.String } s when string.Equals(SettingValue.TextOf(s), "false", StringComparison.OrdinalIgnoreCase) => "false",
            _ => throw SettingValue.Invalid("'value' must be true or false (a JSON boolean or the strings \"true\"/\"false\")."),
        };
    }

    public static object ToPublic(string key, string? stored) =>
        key == ProjectSettingKeys.RedirectOrigins ? stored ?? string.Empty : stored == "true";
}
