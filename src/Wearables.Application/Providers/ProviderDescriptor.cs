namespace Wearables.Application.Providers;

/// <summary>How the client authenticates at a provider's token endpoint.</summary>
public enum TokenEndpointAuth
{
    /// <summary><c>client_id</c> and <c>client_secret</c> in the form body (Strava).</summary>
    FormBody,

    /// <summary>HTTP Basic <c>client_id:client_secret</c> (Polar, Fitbit).</summary>
    Basic,
}

/// <summary>How a grant is revoked at the provider (a disconnect).</summary>
public enum RevocationStyle
{
    /// <summary>The provider offers no revocation.</summary>
    None,

    /// <summary><c>POST {RevokeUrl}</c> with the access token as the <c>access_token</c> form field and as Bearer (Strava's deauthorize).</summary>
    PostAccessToken,

    /// <summary><c>DELETE {ApiBaseUrl}/users/{provider user id}</c> with the access token as Bearer (Polar AccessLink's de-registration).</summary>
    DeleteUser,

    /// <summary>RFC 7009: <c>POST {RevokeUrl}</c> with form field <c>token</c> and the provider's client authentication (Fitbit).</summary>
    PostToken,

    /// <summary><c>POST {RevokeUrl}?access_token=…</c> (Oura).</summary>
    PostAccessTokenQuery,

    /// <summary><c>DELETE {RevokeUrl}</c> with the access token as Bearer (WHOOP's user access, Garmin's user registration).</summary>
    DeleteWithBearer,
}

/// <summary>Where the provider user id (and username) of a new grant is read.</summary>
public enum UserIdSource
{
    /// <summary>The token answer, at <see cref="ProviderDescriptor.UserIdPath"/> (Strava, Polar, Fitbit, Withings).</summary>
    TokenAnswer,

    /// <summary><c>GET {ApiBaseUrl}/{ProfilePath}</c> with the new access token (WHOOP, Oura, Garmin, Dexcom).</summary>
    ProfileCall,

    /// <summary>The claims of the access token, a JWT the provider issued over TLS (Suunto's <c>sub</c> and <c>user</c>).</summary>
    AccessTokenClaims,
}

/// <summary>How the token endpoint is spoken to.</summary>
public enum TokenDialect
{
    /// <summary>RFC 6749: errors as 4xx with <c>{"error": …}</c>.</summary>
    Standard,

    /// <summary>
    /// Withings: <c>action=requesttoken</c> in the form, the answer wrapped as <c>{"status": 0, "body": {…}}</c>, and errors
    /// as HTTP 200 with a non-zero <c>status</c> (<see cref="ProviderDescriptor.GrantRejectedStatuses"/> say which mean expired).
    /// </summary>
    Withings,
}

/// <summary>
/// One OAuth 2.0 provider of the catalog: data, not code. What differs beyond this data lives in a
/// small per-provider strategy in the infrastructure layer (e.g. Polar's user registration).
/// </summary>
public sealed record ProviderDescriptor
{
    public required string Slug { get; init; }

    public required string DisplayName { get; init; }

    public required Uri AuthorizeUrl { get; init; }

    public required Uri TokenUrl { get; init; }

    /// <summary>The provider API base, stored as the FHIR Endpoint address.</summary>
    public required Uri ApiBaseUrl { get; init; }

    /// <summary>Where a grant is revoked, when that is not under <see cref="ApiBaseUrl"/> (Strava's <c>/oauth/deauthorize</c>).</summary>
    public Uri? RevokeUrl { get; init; }

    public RevocationStyle Revocation { get; init; }

    public required IReadOnlyList<string> DefaultScopes { get; init; }

    public string ScopeSeparator { get; init; } = " ";

    public TokenEndpointAuth TokenAuth { get; init; } = TokenEndpointAuth.FormBody;

    public bool UsePkce { get; init; }

    /// <summary>Added to the authorize URL as they are (e.g. Strava's <c>approval_prompt=auto</c>).</summary>
    public IReadOnlyDictionary<string, string> ExtraAuthorizeParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Where a refresh goes, when not to <see cref="TokenUrl"/> (Oura's newer endpoint for apps of its new developer portal).</summary>
    public Uri? RefreshUrl { get; init; }

    public TokenDialect Dialect { get; init; }

    /// <summary>Withings only: the <c>status</c> values of a refresh answer that mean the refresh token itself is refused (expired); any other is transient.</summary>
    public IReadOnlyList<int> GrantRejectedStatuses { get; init; } = [];

    public UserIdSource UserIds { get; init; }

    /// <summary>With <see cref="UserIdSource.ProfileCall"/>: the profile path under <see cref="ApiBaseUrl"/> (WHOOP <c>v2/user/profile/basic</c>).</summary>
    public string? ProfilePath { get; init; }

    /// <summary>
    /// Dotted path of the provider user id in the token response (<c>athlete.id</c>, <c>x_user_id</c>), in the profile
    /// answer or in the access token's claims, as <see cref="UserIds"/> says.
    /// </summary>
    public string? UserIdPath { get; init; }

    /// <summary>Dotted path of the provider username, read where the user id is, if the provider has one.</summary>
    public string? UsernamePath { get; init; }

    /// <summary>
    /// Where the provider's webhook deliveries may come from (<c>Wearables:Providers:&lt;slug&gt;:WebhookAllowedRanges</c>,
    /// CIDR networks or addresses). Empty: any address, unless the provider's verifier requires a source (Withings).
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> WebhookAllowedRanges { get; init; } = [];

    /// <summary>The toggle that enables the provider in a project (<c>WEARABLE_STRAVA_ENABLED</c>).</summary>
    public string EnabledSettingKey => Domain.Projects.ProjectSettingKeys.EnabledToggle(Slug);

    public string JoinedDefaultScopes => string.Join(ScopeSeparator, DefaultScopes);

    /// <summary>A resource under <see cref="ApiBaseUrl"/>, which may carry a path, with or without a trailing slash.</summary>
    public Uri ApiUrl(string relative) => new(ApiBaseUrl.ToString().TrimEnd('/') + "/" + relative.TrimStart('/'));
}

/// <summary>The known providers, by slug.</summary>
public interface IProviderCatalog
{
    IReadOnlyCollection<ProviderDescriptor> All { get; }

    bool TryGet(string? slug, out ProviderDescriptor descriptor);
}
