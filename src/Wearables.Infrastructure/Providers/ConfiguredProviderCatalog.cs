using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Providers;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// The built-in providers, with each URL and the scopes overridable under
/// <c>Wearables:Providers:&lt;slug&gt;:AuthorizeUrl|TokenUrl|RefreshUrl|ApiBaseUrl|RevokeUrl|Scopes</c> (tests and sandboxes
/// point them elsewhere), PKCE under <c>:UsePkce</c> (true/false; the entry's own
/// <see cref="ProviderDescriptor.UsePkce"/> when absent), and the facts providers.md marks unconfirmed
/// (<c>:Revocation</c>, <c>:ProfilePath</c>, <c>:UserIdPath</c>, <c>:UsernamePath</c>, <c>:GrantRejectedStatuses</c>),
/// and where webhooks may come from (<c>:WebhookAllowedRanges</c>, CIDR networks or addresses).
/// Adding a provider: one entry here, plus at most a small strategy (<see cref="IProviderStrategy"/>);
/// its token dialect, where its user id is and how it revokes are data of the entry.
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
        new()
        {
            Slug = "garmin",
            DisplayName = "Garmin",
            AuthorizeUrl = new Uri("https://connect.garmin.com/oauth2Confirm"),
            TokenUrl = new Uri("https://diauth.garmin.com/di-oauth2-service/oauth/token"),
            ApiBaseUrl = new Uri("https://apis.garmin.com/wellness-api/rest"),
            RevokeUrl = new Uri("https://apis.garmin.com/wellness-api/rest/user/registration"),
            Revocation = RevocationStyle.DeleteWithBearer,
            DefaultScopes = [], // chosen in Garmin's developer portal, not in the URL
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = true, // required by Garmin
            UserIds = UserIdSource.ProfileCall,
            ProfilePath = "user/id",
            UserIdPath = "userId",
        },
        new()
        {
            Slug = "whoop",
            DisplayName = "WHOOP",
            AuthorizeUrl = new Uri("https://api.prod.whoop.com/oauth/oauth2/auth"),
            TokenUrl = new Uri("https://api.prod.whoop.com/oauth/oauth2/token"),
            ApiBaseUrl = new Uri("https://api.prod.whoop.com/developer"),
            RevokeUrl = new Uri("https://api.prod.whoop.com/developer/v2/user/access"),
            Revocation = RevocationStyle.DeleteWithBearer,

            // "offline" is what makes WHOOP issue a refresh token; it rotates and the old one dies at once.
            DefaultScopes = ["offline", "read:recovery", "read:cycles", "read:workout", "read:sleep", "read:profile", "read:body_measurement"],
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = false, // unconfirmed whether WHOOP supports it
            UserIds = UserIdSource.ProfileCall,
            ProfilePath = "v2/user/profile/basic",
            UserIdPath = "user_id",
        },
        new()
        {
            Slug = "oura",
            DisplayName = "Oura",
            AuthorizeUrl = new Uri("https://cloud.ouraring.com/oauth/authorize"),
            TokenUrl = new Uri("https://api.ouraring.com/oauth/token"),

            // Apps of Oura's new developer portal must refresh at https://moi.ouraring.com/oauth/v2/ext/oauth-token
            // (the old endpoint answers 400 there): set Wearables:Providers:oura:RefreshUrl for those.
            RefreshUrl = null,
            ApiBaseUrl = new Uri("https://api.ouraring.com/v2"),
            RevokeUrl = new Uri("https://api.ouraring.com/oauth/revoke"),
            Revocation = RevocationStyle.PostAccessTokenQuery,
            DefaultScopes = ["personal", "daily", "heartrate", "workout", "session", "spo2Daily"],
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = false, // unconfirmed whether Oura supports it
            UserIds = UserIdSource.ProfileCall,
            ProfilePath = "usercollection/personal_info",
            UserIdPath = "id",
        },
        new()
        {
            Slug = "fitbit",
            DisplayName = "Fitbit",
            AuthorizeUrl = new Uri("https://www.fitbit.com/oauth2/authorize"),
            TokenUrl = new Uri("https://api.fitbit.com/oauth2/token"),
            ApiBaseUrl = new Uri("https://api.fitbit.com"),
            RevokeUrl = new Uri("https://api.fitbit.com/oauth2/revoke"),
            Revocation = RevocationStyle.PostToken,
            DefaultScopes = ["activity", "heartrate", "sleep", "profile", "weight"],
            TokenAuth = TokenEndpointAuth.Basic, // server applications
            UsePkce = true, // supported by Fitbit
            UserIdPath = "user_id",
        },
        new()
        {
            Slug = "withings",
            DisplayName = "Withings",
            AuthorizeUrl = new Uri("https://account.withings.com/oauth2_user/authorize2"),
            TokenUrl = new Uri("https://wbsapi.withings.net/v2/oauth2"),
            ApiBaseUrl = new Uri("https://wbsapi.withings.net"),
            Revocation = RevocationStyle.None, // "Partners cannot unlink a user": a disconnect only wipes the tokens
            DefaultScopes = ["user.info", "user.metrics", "user.activity", "user.sleepevents"],
            ScopeSeparator = ",",
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = false, // not supported by Withings
            Dialect = TokenDialect.Withings,

            // Unconfirmed: 401 (invalid token, as client code reports it) and 283 ("token is invalid or doesn't exist").
            // Invalid refresh tokens are also reported as 503 "Invalid Params"; that status covers other mistakes too,
            // so it stays transient unless Wearables:Providers:withings:GrantRejectedStatuses names it.
            GrantRejectedStatuses = [401, 283],
            UserIdPath = "userid",
        },
        new()
        {
            Slug = "suunto",
            DisplayName = "Suunto",
            AuthorizeUrl = new Uri("https://cloudapi-oauth.suunto.com/oauth/authorize"),
            TokenUrl = new Uri("https://cloudapi-oauth.suunto.com/oauth/token"),
            ApiBaseUrl = new Uri("https://cloudapi.suunto.com"),
            Revocation = RevocationStyle.None, // unconfirmed: no revocation known; configurable (Revocation, RevokeUrl)
            DefaultScopes = [], // Suunto takes none
            TokenAuth = TokenEndpointAuth.Basic,
            UsePkce = false, // unconfirmed whether Suunto supports it
            UserIds = UserIdSource.AccessTokenClaims,
            UserIdPath = "sub",
            UsernamePath = "user",
        },
        new()
        {
            Slug = "dexcom",
            DisplayName = "Dexcom",
            AuthorizeUrl = new Uri("https://api.dexcom.com/v2/oauth2/login"),
            TokenUrl = new Uri("https://api.dexcom.com/v2/oauth2/token"),
            ApiBaseUrl = new Uri("https://api.dexcom.com"),
            Revocation = RevocationStyle.None, // unconfirmed: no revocation known; configurable (Revocation, RevokeUrl)
            DefaultScopes = ["offline_access"],
            TokenAuth = TokenEndpointAuth.FormBody,
            UsePkce = false, // unconfirmed whether Dexcom supports it
            UserIds = UserIdSource.ProfileCall,

            // Unconfirmed: Dexcom's v3 answers carry a userId; the data range is the smallest of them.
            ProfilePath = "v3/users/self/dataRange",
            UserIdPath = "userId",
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
                RefreshUrl = OptionalUrl(section, "RefreshUrl", descriptor.RefreshUrl),
                Revocation = Choice(section, "Revocation", descriptor.Revocation),
                DefaultScopes = scopes is { Length: > 0 } ? scopes : descriptor.DefaultScopes,
                UsePkce = Flag(section, "UsePkce", descriptor.UsePkce),
                ProfilePath = Text(section, "ProfilePath", descriptor.ProfilePath),
                UserIdPath = Text(section, "UserIdPath", descriptor.UserIdPath),
                UsernamePath = Text(section, "UsernamePath", descriptor.UsernamePath),
                GrantRejectedStatuses = section.GetSection("GrantRejectedStatuses").Get<int[]>() is { Length: > 0 } statuses
                    ? statuses
                    : descriptor.GrantRejectedStatuses,
                WebhookAllowedRanges = Ranges(section, "WebhookAllowedRanges", descriptor.WebhookAllowedRanges),
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

    private static string? Text(IConfigurationSection section, string name, string? fallback) =>
        string.IsNullOrWhiteSpace(section[name]) ? fallback : section[name]!.Trim();

    private static RevocationStyle Choice(IConfigurationSection section, string name, RevocationStyle fallback)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return Enum.TryParse<RevocationStyle>(value.Trim(), ignoreCase: true, out var style) && Enum.IsDefined(style) && !int.TryParse(value, out _)
            ? style
            : throw new InvalidOperationException($"{section.Path}:{name} must be one of {string.Join(", ", Enum.GetNames<RevocationStyle>())}.");
    }

    /// <summary>CIDR networks, or single addresses (a /32 or /128); anything else stops the start.</summary>
    private static IReadOnlyList<IPNetwork> Ranges(IConfigurationSection section, string name, IReadOnlyList<IPNetwork> fallback)
    {
        var values = section.GetSection(name).Get<string[]>();
        if (values is null || values.Length == 0)
        {
            return fallback;
        }

        var ranges = new List<IPNetwork>(values.Length);
        foreach (var raw in values.Select(v => v.Trim()).Where(v => v.Length > 0))
        {
            if (raw.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(raw, out var network) : TrySingle(raw, out network))
            {
                ranges.Add(network);
            }
            else
            {
                throw new InvalidOperationException($"{section.Path}:{name}: '{raw}' is neither an IP address nor a CIDR network (e.g. 203.0.113.0/24).");
            }
        }

        return ranges;

        static bool TrySingle(string value, out IPNetwork network)
        {
            var ok = IPAddress.TryParse(value, out var address);
            network = ok ? new IPNetwork(address!, address!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) : default;
            return ok;
        }
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
