namespace Wearables.Fakes;

/// <summary>How a provider's token endpoint authenticates the client.</summary>
public enum FakeClientAuth
{
    /// <summary><c>client_id</c> and <c>client_secret</c> in the form body; HTTP Basic is refused.</summary>
    FormBody,

    /// <summary>HTTP Basic only; credentials in the body are refused.</summary>
    Basic,
}

/// <summary>Where a provider tells who authorized.</summary>
public enum FakeUserIdSource
{
    /// <summary>A field of the token answer (Fitbit <c>user_id</c>, Withings <c>userid</c>).</summary>
    TokenAnswer,

    /// <summary>A profile endpoint called with the access token (WHOOP, Oura, Garmin, Dexcom).</summary>
    Profile,

    /// <summary>The access token is a JWT whose claims <c>sub</c> and <c>user</c> name the user (Suunto).</summary>
    AccessTokenClaims,
}

/// <summary>How a provider revokes a grant.</summary>
public enum FakeRevocation
{
    /// <summary>It cannot (Withings: "partners cannot unlink a user").</summary>
    None,

    /// <summary>RFC 7009 <c>POST token=…</c> with client authentication (Fitbit).</summary>
    PostToken,

    /// <summary><c>POST …?access_token=…</c> (Oura).</summary>
    PostAccessTokenQuery,

    /// <summary><c>DELETE</c> with the access token as Bearer, 204 (WHOOP's user access, Garmin's user registration).</summary>
    DeleteWithBearer,
}

/// <summary>
/// One provider's OAuth facts as providers.md records them (paths as at the provider), for <see cref="FakeCatalogProvider"/>.
/// </summary>
public sealed record FakeProviderFacts
{
    public required string Provider { get; init; }

    public required string Name { get; init; }

    public required string AuthorizePath { get; init; }

    public required string TokenPath { get; init; }

    /// <summary>A second refresh endpoint (Oura's for apps of its new developer portal), or null.</summary>
    public string? NewPortalRefreshPath { get; init; }

    /// <summary>The API root, with a trailing slash.</summary>
    public required string ApiPath { get; init; }

    public FakeClientAuth ClientAuth { get; init; }

    public bool RequirePkce { get; init; }

    /// <summary>PKCE is optional, but a code whose authorize request carried a challenge needs its verifier (Fitbit).</summary>
    public bool SupportsPkce { get; init; }

    public FakeUserIdSource UserIdSource { get; init; }

    /// <summary>The field that carries the user id (token answer, profile answer or JWT claim).</summary>
    public required string UserIdField { get; init; }

    /// <summary>Whether the user id is a JSON number (WHOOP's <c>user_id</c>).</summary>
    public bool NumericUserId { get; init; }

    /// <summary>With <see cref="FakeUserIdSource.Profile"/>: the profile path under <see cref="ApiPath"/>.</summary>
    public string? ProfilePath { get; init; }

    public FakeRevocation Revocation { get; init; }

    /// <summary>The revocation path from the server root.</summary>
    public string? RevokePath { get; init; }

    public int AccessTokenLifetimeSeconds { get; init; } = 3600;

    public RefreshRotation Rotation { get; init; } = RefreshRotation.RotateStrict;

    /// <summary>The scope without which no refresh token is issued (WHOOP <c>offline</c>), or null.</summary>
    public string? RefreshTokenScope { get; init; }

    public string ScopeSeparator { get; init; } = " ";

    /// <summary>Withings' dialect: <c>action=requesttoken</c>, answers wrapped in <c>{"status":0,"body":…}</c>, errors as HTTP 200 with a status.</summary>
    public bool WithingsDialect { get; init; }

    /// <summary>Fitbit's error shape: <c>{"errors":[{"errorType":"invalid_grant","message":…}],"success":false}</c> (its error-messages reference; not in providers.md).</summary>
    public bool FitbitErrors { get; init; }

    /// <summary>The user who approves by default.</summary>
    public string DefaultUserId { get; init; } = "user-1";

    public static readonly FakeProviderFacts Garmin = new()
    {
        Provider = "garmin",
        Name = "Garmin Connect",
        AuthorizePath = "/oauth2Confirm",
        TokenPath = "/di-oauth2-service/oauth/token",
        ApiPath = "/wellness-api/rest/",
        RequirePkce = true, // mandatory at Garmin
        UserIdSource = FakeUserIdSource.Profile,
        ProfilePath = "user/id",
        UserIdField = "userId",
        Revocation = FakeRevocation.DeleteWithBearer,
        RevokePath = "/wellness-api/rest/user/registration",
        AccessTokenLifetimeSeconds = 86400, // about 24 h (unconf.)
        DefaultUserId = "d3315b1072421d0dd7c8f6b8e1de4df8",
    };

    public static readonly FakeProviderFacts Whoop = new()
    {
        Provider = "whoop",
        Name = "WHOOP",
        AuthorizePath = "/oauth/oauth2/auth",
        TokenPath = "/oauth/oauth2/token",
        ApiPath = "/developer/",
        UserIdSource = FakeUserIdSource.Profile,
        ProfilePath = "v2/user/profile/basic",
        UserIdField = "user_id",
        NumericUserId = true,
        Revocation = FakeRevocation.DeleteWithBearer,
        RevokePath = "/developer/v2/user/access",
        Rotation = RefreshRotation.RotateStrict, // the old refresh token dies at once
        RefreshTokenScope = "offline",
        DefaultUserId = "10129",
    };

    public static readonly FakeProviderFacts Oura = new()
    {
        Provider = "oura",
        Name = "Oura",
        AuthorizePath = "/oauth/authorize",
        TokenPath = "/oauth/token",
        NewPortalRefreshPath = "/oauth/v2/ext/oauth-token",
        ApiPath = "/v2/",
        UserIdSource = FakeUserIdSource.Profile,
        ProfilePath = "usercollection/personal_info",
        UserIdField = "id",
        Revocation = FakeRevocation.PostAccessTokenQuery,
        RevokePath = "/oauth/revoke",
        Rotation = RefreshRotation.Rotate, // rotation unconf.
        DefaultUserId = "8f9a5221-639e-4a85-81cb-4065ef23f979",
    };

    public static readonly FakeProviderFacts Fitbit = new()
    {
        Provider = "fitbit",
        Name = "Fitbit",
        AuthorizePath = "/oauth2/authorize",
        TokenPath = "/oauth2/token",
        ApiPath = "/1/",
        ClientAuth = FakeClientAuth.Basic,
        SupportsPkce = true,
        UserIdField = "user_id",
        Revocation = FakeRevocation.PostToken,
        RevokePath = "/oauth2/revoke",
        AccessTokenLifetimeSeconds = 28800,
        FitbitErrors = true,
        Rotation = RefreshRotation.RotateStrict, // a new refresh token on every refresh; single use unconf.
        DefaultUserId = "GGNJL9",
    };

    public static readonly FakeProviderFacts Withings = new()
    {
        Provider = "withings",
        Name = "Withings",
        AuthorizePath = "/oauth2_user/authorize2",
        TokenPath = "/v2/oauth2",
        ApiPath = "/",
        UserIdField = "userid",
        Revocation = FakeRevocation.None,
        AccessTokenLifetimeSeconds = 10800,
        Rotation = RefreshRotation.Rotate, // the old refresh token lives on for a while (8 h, or until the new access token is used)
        ScopeSeparator = ",",
        WithingsDialect = true,
        DefaultUserId = "363",
    };

    public static readonly FakeProviderFacts Suunto = new()
    {
        Provider = "suunto",
        Name = "Suunto",
        AuthorizePath = "/oauth/authorize",
        TokenPath = "/oauth/token",
        ApiPath = "/v2/",
        ClientAuth = FakeClientAuth.Basic,
        UserIdSource = FakeUserIdSource.AccessTokenClaims,
        UserIdField = "sub",
        Revocation = FakeRevocation.None, // unconf.
        Rotation = RefreshRotation.Rotate, // unconf.
        DefaultUserId = "suunto-user-7",
    };

    public static readonly FakeProviderFacts Dexcom = new()
    {
        Provider = "dexcom",
        Name = "Dexcom",
        AuthorizePath = "/v2/oauth2/login",
        TokenPath = "/v2/oauth2/token",
        ApiPath = "/",
        UserIdSource = FakeUserIdSource.Profile,
        ProfilePath = "v3/users/self/dataRange", // the userId in v3 answers is unconf.
        UserIdField = "userId",
        Revocation = FakeRevocation.None, // unconf.
        AccessTokenLifetimeSeconds = 7200,
        Rotation = RefreshRotation.RotateStrict,
        DefaultUserId = "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    };

    /// <summary>The seven providers beyond Strava and Polar, in slug order.</summary>
    public static IReadOnlyList<FakeProviderFacts> All { get; } = [Dexcom, Fitbit, Garmin, Oura, Suunto, Whoop, Withings];

    public override string ToString() => Provider;
}
