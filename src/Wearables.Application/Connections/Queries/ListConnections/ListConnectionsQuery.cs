using System.Text.Json.Serialization;
using AutoMapper;
using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Common;

namespace Wearables.Application.Connections.Queries.ListConnections;

/// <summary>A user's connections (seed 003): metadata only, never tokens.</summary>
public sealed record ListConnectionsQuery(string UserId) : IRequest<IReadOnlyList<ConnectionDto>>;

/// <summary>One connection in seed 003's shape (snake_case).</summary>
public sealed class ConnectionDto
{
    [JsonPropertyName("id")]
    public Guid Id { get; init; }

    [JsonPropertyName("user_id")]
    public string UserId { get; init; } = string.Empty;

    [JsonPropertyName("provider")]
    public string Provider { get; init; } = string.Empty;

    [JsonPropertyName("provider_user_id")]
    public string? ProviderUserId { get; init; }

    [JsonPropertyName("provider_username")]
    public string? ProviderUsername { get; init; }

    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    /// <summary>active | revoked | expired.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = string.Empty;

    [JsonPropertyName("last_synced_at")]
    public string? LastSyncedAt { get; init; }

    [JsonPropertyName("created_at")]
    public string CreatedAt { get; init; } = string.Empty;

    [JsonPropertyName("updated_at")]
    public string UpdatedAt { get; init; } = string.Empty;
}

public sealed class ListConnectionsQueryHandler(ICallerContext caller, IConnectionRepository connections, IMapper mapper)
    : IRequestHandler<ListConnectionsQuery, IReadOnlyList<ConnectionDto>>
{
    public const string UserNotFound = "User not found";

    // The answer mapped from each summaries list, for as long as that list lives: a store answers the same
    // instance while the user's connections are unchanged (the embedded store does), so that a repeated list
    // maps nothing, and the API can keep its serialized form by the answer's identity in turn.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<ConnectionSummary>, IReadOnlyList<ConnectionDto>> Mapped = [];

    public async Task<IReadOnlyList<ConnectionDto>> Handle(ListConnectionsQuery request, CancellationToken cancellationToken)
    {
        var identity = caller.Caller;

        // A patient sees only itself; others, like users of other projects, simply do not exist for it.
        if (!Identifiers.IsFhirId(request.UserId) || !identity.MayActFor(request.UserId))
        {
            throw new NotFoundException("user_not_found", UserNotFound);
        }

        var found = await connections.ListSummariesByPatientAsync(identity.ProjectId, request.UserId, cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            throw new NotFoundException("user_not_found", UserNotFound);
        }

        return Mapped.GetValue(found, list => mapper.Map<List<ConnectionDto>>(list).AsReadOnly());
    }
}
