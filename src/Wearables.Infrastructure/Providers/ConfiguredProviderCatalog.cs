using Microsoft.Extensions.Configuration;
using Wearables.Application.Providers;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// The built-in providers, with each URL and the scopes overridable under
/// <c>Wearables:Providers:&lt;slug&gt;:AuthorizeUrl|TokenUrl|ApiBaseUrl|RevokeUrl|Scopes</c> (tests and sandboxes
/// point them elsewhere), and PKCE under <c>:UsePkce</c> (true/false; the entry's own
/// <see cref="ProviderDescriptor.UsePkce"/> when absent). Adding a provider: one entry here, plus at
/// most a small strategy; one that requires PKCE (Garmin, Fitbit) sets <c>UsePkce = true</c> in its entry.
/// </summary>
public sealed class ConfiguredProviderCatalog : IProviderCatalog
{
    public static readonly IReadOnlyList<ProviderDescriptor> Defaults =
    [
        new()
        {
            Slug = "strava",
            DisplayName = "Strava",
            AuthorizeUrl = new Uri("https://www.strava.com/oauth/authorize"),
            TokenUrl = new Uri("https://www.strava.com/oauth/token"),
            ApiBaseUrl = new Uri("https://www.strava.com/api/v3"),
            RevokeUrl = new Uri("https://www.strava.com/oauth/deauthorize"),
            Revocation = RevocationStyle.PostAccessToken,
            DefaultScopes = ["read", "activity:read_all"],
            ScopeSeparator = ",",
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = false, // not documented by Strava (unconf.)
            ExtraAuthorizeParameters = new Dictionary<string, string> { ["approval_prompt"] = "auto" },
            UserIdPath = "athlete.id",
            UsernamePath = "athlete.username",
        },
        new()
        {
            Slug = "polar",
            DisplayName = "Polar",
            AuthorizeUrl = new Uri("https://flow.polar.com/oauth2/authorization"),
            TokenUrl = new Uri("https://polarremote.com/v2/oauth2/token"),
            ApiBaseUrl = new Uri("https://www.polaraccesslink.com/v3"),
            Revocation = RevocationStyle.DeleteUser,
            DefaultScopes = ["accesslink.read_all"],
            ScopeSeparator = " ",
            TokenAuth = TokenEndpointAuth.Basic,
            UsePkce = false, // not supported by Polar
            UserIdPath = "x_user_id",
        },
    ];

    private readonly Dictionary<string, ProviderDescriptor> bySlug;

    public ConfiguredProviderCatalog(IConfiguration configuration)
        : this(configuration, Defaults)
    {
    }

    /// <summary>A catalog of other entries (tests of how configuration applies to an entry).</summary>
    internal ConfiguredProviderCatalog(IConfiguration configuration, IEnumerable<ProviderDescriptor> defaults)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(defaults);
        bySlug = new Dictionary<string, ProviderDescriptor>(StringComparer.Ordinal);
        foreach (var descriptor in defaults)
        {
            var section = configuration.GetSection($"Wearables:Providers:{descriptor.Slug}");
            var scopes = section.GetSection("Scopes").Get<string[]>();
            bySlug[descriptor.Slug] = descriptor with
            {
                AuthorizeUrl = Url(section, "AuthorizeUrl", descriptor.AuthorizeUrl),
                TokenUrl = Url(section, "TokenUrl", descriptor.TokenUrl),
                ApiBaseUrl = Url(section, "ApiBaseUrl", descriptor.ApiBaseUrl),
                RevokeUrl = OptionalUrl(section, "RevokeUrl", descriptor.RevokeUrl),
                DefaultScopes = scopes is { Length: > 0 } ? scopes : descriptor.DefaultScopes,
                UsePkce = Flag(section, "UsePkce", descriptor.UsePkce),
            };
        }

        All = bySlug.Values.OrderBy(p => p.Slug, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyCollection<ProviderDescriptor> All { get; }

    public bool TryGet(string? slug, out ProviderDescriptor descriptor)
    {
        if (slug is not null && bySlug.TryGetValue(slug, out var found))
        {
            descriptor = found;
            return true;
        }

        descriptor = null!;
        return false;
    }

    private static bool Flag(IConfigurationSection section, string name, bool fallback)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return bool.TryParse(value.Trim(), out var flag)
            ? flag
            : throw new InvalidOperationException($"{section.Path}:{name} must be true or false.");
    }

    private static Uri Url(IConfigurationSection section, string name, Uri fallback) => OptionalUrl(section, name, fallback) ?? fallback;

    private static Uri? OptionalUrl(IConfigurationSection section, string name, Uri? fallback)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new InvalidOperationException($"{section.Path}:{name} must be an absolute http(s) URL.");
    }
}
