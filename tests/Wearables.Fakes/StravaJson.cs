using System.Text.Json.Serialization;

namespace Wearables.Fakes;

internal sealed record StravaTokenResponse(
    string TokenType,
    long ExpiresAt,
    int ExpiresIn,
    string RefreshToken,
    string AccessToken,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StravaAthlete? Athlete);

/// <summary>The summary athlete Strava embeds in the initial token response.</summary>
internal sealed record StravaAthlete(
    long Id,
    string Username,
    int ResourceState,
    string Firstname,
    string Lastname,
    string City,
    string State,
    string Country,
    string Sex,
    bool Premium,
    bool Summit,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string ProfileMedium,
    string Profile);

internal sealed record StravaFault(string Message, IReadOnlyList<StravaFaultError> Errors);

internal sealed record StravaFaultError(string Resource, string Field, string Code);

internal sealed record StravaDeauthorizeResponse(string AccessToken);
