using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.HandleCallback;

/// <summary>
/// Grants the provider issued at a callback while the connection store could not take them, kept
/// (sealed) until a background write stores them (<see cref="ParkedGrants"/>), for at most
/// <see cref="ParkedGrant.ExpiresAt"/>.
/// </summary>
public interface IParkedGrantStore : IRetryJobStore<ParkedGrant>;

/// <summary>
/// A grant waiting for the connection store: where it goes and the tokens as the connection's own
/// envelopes (<see cref="ConnectionTokens"/>, scope <c>connection:&lt;id&gt;</c>), never plaintext.
/// </summary>
public sealed record ParkedGrant(
    Guid ConnectionId,
    string ProjectId,
    string PatientId,
    string Provider,
    string Address,
    OAuthGrant Grant,
    DateTimeOffset ParkedAt,
    DateTimeOffset DueAt,
    DateTimeOffset ExpiresAt,
    int Attempts) : IRetryJob<ParkedGrant>
{
    public ParkedGrant DueAtTime(DateTimeOffset dueAt) => this with { DueAt = dueAt };

    public override string ToString() => $"ParkedGrant {ConnectionId} ({ProjectId}/{Provider}, attempt {Attempts}, due {DueAt:O})";
}
