using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// Revocations that the provider has not confirmed yet (see <see cref="IRetryJobStore{T}"/>), each
/// kept for at most <see cref="PendingRevocation.ExpiresAt"/>.
/// </summary>
public interface IPendingRevocationStore : IRetryJobStore<PendingRevocation>;

/// <summary>
/// A revocation to retry: the connection it came from and a sealed copy of its tokens (sealed for
/// this purpose only, see <see cref="RevocationTokens"/>: it opens as nothing else).
/// </summary>
public sealed record PendingRevocation(
    Guid ConnectionId,
    string ProjectId,
    string PatientId,
    string Provider,
    string? ProviderUserId,
    string AccessTokenEnvelope,
    string? RefreshTokenEnvelope,
    DateTimeOffset? TokenExpiresAt,
    DateTimeOffset RevokedAt,
    DateTimeOffset DueAt,
    DateTimeOffset ExpiresAt,
    int Attempts) : IRetryJob<PendingRevocation>
{
    public PendingRevocation DueAtTime(DateTimeOffset dueAt) => this with { DueAt = dueAt };

    public override string ToString() => $"PendingRevocation {ConnectionId} ({ProjectId}/{Provider}, attempt {Attempts}, due {DueAt:O})";
}
