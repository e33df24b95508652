namespace Wearables.Api.Tests.Auth;

/// <summary>Every admin-only request of the API, with a body that would be valid, for role and tenant checks.</summary>
public static class AdminEndpoints
{
    public static IEnumerable<(string Method, string Path, string? Body)> All(string someKeyId = "wk_abcdefgh") =>
    [
        ("GET", "/v1/wearables/strava/credentials", null),
        ("PUT", "/v1/wearables/strava/credentials", """{"clientId":"abcdXY34","clientSecret":"secret"}"""),
        ("DELETE", "/v1/wearables/strava/credentials", null),
        ("GET", "/v1/wearables/polar/credentials", null),
        ("GET", "/v1/project/settings", null),
        ("PUT", "/v1/project/settings/WEARABLE_STRAVA_ENABLED", """{"value":true}"""),
        ("PUT", "/v1/project/settings/WEARABLE_REDIRECT_ORIGINS", """{"value":"https://a.example"}"""),
        ("GET", "/v1/api-keys", null),
        ("POST", "/v1/api-keys", """{"name":"x","role":"admin"}"""),
        ("DELETE", $"/v1/api-keys/{someKeyId}", null),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        All().Select(e => new TestCaseData(e.Method, e.Path, e.Body).SetArgDisplayNames(e.Method, e.Path));
}
