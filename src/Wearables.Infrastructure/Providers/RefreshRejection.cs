using System.Net;
using System.Text.Json;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// The one reading of "the provider refused the refresh token itself", per provider. Only this
/// makes a connection expired; every other failure is transient (see the lessons in providers.md:
/// a platform that read any 400/401 as revoked lost healthy connections).
/// </summary>
internal static class RefreshRejection
{
    public static bool IsGrantRejected(string provider, HttpStatusCode status, JsonDocument? body)
    {
        if (status != HttpStatusCode.BadRequest || body?.RootElement is not { ValueKind: JsonValueKind.Object } json)
        {
            return false;
        }

        return IsStandardInvalidGrant(json) || (provider == "strava" && IsStravaInvalidRefreshToken(json)) || (provider == "fitbit" && IsFitbitInvalidGrant(json));
    }

    /// <summary>
    /// Fitbit: 400 <c>{"errors":[{"errorType":"invalid_grant","message":…}],"success":false}</c> (Fitbit's error-messages
    /// reference; unconfirmed here, as providers.md does not record it).
    /// </summary>
    private static bool IsFitbitInvalidGrant(JsonElement json) =>
        json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
        && errors.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object
            && e.TryGetProperty("errorType", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "invalid_grant");

    /// <summary>RFC 6749 §5.2: <c>{"error":"invalid_grant"}</c>.</summary>
    private static bool IsStandardInvalidGrant(JsonElement json) =>
        json.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String && error.GetString() == "invalid_grant";

    /// <summary>
    /// Strava: 400 <c>{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}</c>
    /// (from client libraries and forum reports; Strava documents the same shape for a bad code).
    /// </summary>
    private static bool IsStravaInvalidRefreshToken(JsonElement json) =>
        json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
        && errors.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object
            && e.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.String && resource.GetString() == "RefreshToken"
            && e.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() == "invalid");
}
