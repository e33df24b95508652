using System.Text.Json.Serialization;

namespace Wearables.Api.Errors;

/// <summary>
/// The one error body of the service: RFC 9457 problem details plus <c>error</c> (a stable machine
/// code) and <c>message</c> (same as <c>detail</c>), so that it satisfies every source API's clients.
/// </summary>
public sealed class ApiProblem
{
    public required string Type { get; init; }

    public required string Title { get; init; }

    public required int Status { get; init; }

    public required string Detail { get; init; }

    /// <summary>Stable machine code, e.g. <c>state_invalid</c>, <c>provider_disabled</c>.</summary>
    public required string Error { get; init; }

    /// <summary>Same text as <c>detail</c>.</summary>
    public required string Message { get; init; }

    public string? TraceId { get; init; }

    /// <summary>Validation failures: field → messages.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
}
