using System.Text.Json.Serialization;

namespace Wearables.Fakes;

internal sealed record PolarTokenResponse(string AccessToken, string TokenType, long ExpiresIn, long XUserId);

internal sealed record PolarOAuthError(
    string Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorDescription);

/// <summary>AccessLink's user record, which (unlike its OAuth endpoints) uses kebab-case names.</summary>
internal sealed record PolarUser(
    [property: JsonPropertyName("polar-user-id")] long PolarUserId,
    [property: JsonPropertyName("member-id")] string MemberId,
    [property: JsonPropertyName("registration-date")] string RegistrationDate,
    [property: JsonPropertyName("first-name")] string FirstName,
    [property: JsonPropertyName("last-name")] string LastName,
    [property: JsonPropertyName("birthdate")] string Birthdate,
    [property: JsonPropertyName("gender")] string Gender,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("height")] double Height,
    [property: JsonPropertyName("extra-info")] IReadOnlyList<PolarExtraInfo> ExtraInfo);

internal sealed record PolarExtraInfo(
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("name")] string Name);
