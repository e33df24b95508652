using System.Text.Json.Serialization;

namespace Wearables.Fakes;

internal sealed record JunctionLinkTokenValidity(
    bool Valid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserId);

internal sealed record JunctionUser(
    string UserId,
    string TeamId,
    string ClientUserId,
    DateTimeOffset CreatedOn,
    IReadOnlyList<JunctionConnectedSource> ConnectedSources,
    string? FallbackTimeZone,
    string? FallbackBirthDate,
    string? IngestionStart,
    string? IngestionEnd);

internal sealed record JunctionConnectedSource(JunctionSource Source, DateTimeOffset CreatedOn);

internal sealed record JunctionSource(string Name, string Slug, string Logo);

internal sealed record JunctionProviders(IReadOnlyList<JunctionProvider> Providers);

internal sealed record JunctionProvider(
    string Name,
    string Slug,
    string Logo,
    string Status,
    DateTimeOffset CreatedOn,
    IReadOnlyDictionary<string, string> ResourceAvailability);

internal sealed record JunctionDetail(string Detail);

/// <summary>FastAPI-style 422 body, as Junction returns for a malformed request.</summary>
internal sealed record JunctionValidationError(IReadOnlyList<JunctionValidationIssue> Detail);

internal sealed record JunctionValidationIssue(IReadOnlyList<string> Loc, string Msg, string Type);
