using System.Globalization;

namespace Wearables.Application.Providers;

/// <summary>What a provider is called where people read it (a FHIR Endpoint's name, its connection type).</summary>
public static class ProviderDisplayNames
{
    /// <summary>
    /// The catalog's <see cref="ProviderDescriptor.DisplayName"/>; a provider reached only through
    /// Junction has no descriptor, so its slug in title case (<c>oura</c> → Oura).
    /// </summary>
    public static string DisplayNameOf(this IProviderCatalog catalog, string slug)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(slug);
        return catalog.TryGet(slug, out var descriptor)
            ? descriptor.DisplayName
            : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(slug.Replace('_', ' '));
    }
}
