namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// Revocations that the provider has not confirmed yet, kept beside the OAuth state (a Redis key
/// with a time to live, or a SQLite table), each for at most <see cref="PendingRevocation.ExpiresAt"/>.
/// One per connection: saving again replaces it. Store failures raise
/// <see cref="Common.Exceptions.DependencyUnavailableException"/>.
/// </summary>
public interface IPendingRevocationStore
{
    /// <summary>Creates or replaces the pending revocation of <see cref="PendingRevocation.ConnectionId"/>.</summary>
    Task SaveAsync(PendingRevocation revocation, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> revocations due at <paramref name="now"/> (expired ones included, so that
    /// they are dropped), each moved to <paramref name="leaseUntil"/> in the same step: a drain on another
    /// instance does not take it meanwhile, and one that dies with it leaves it due again at the lease's end.
    /// </summary>
    Task<IReadOnlyList<PendingRevocation>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken);

    /// <summary>The pending revocation of a connection, if any (for operators and tests).</summary>
    Task<PendingRevocation?> FindAsync(Guid connectionId, CancellationToken cancellationToken);

    Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken);
}

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
    int Attempts)
{
    public override string ToString() => $"PendingRevocation {ConnectionId} ({ProjectId}/{Provider}, attempt {Attempts}, due {DueAt:O})";
}
