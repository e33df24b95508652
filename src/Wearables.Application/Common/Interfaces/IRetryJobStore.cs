namespace Wearables.Application.Common.Interfaces;

/// <summary>
/// A job kept for retrying, one per connection, due at <see cref="DueAt"/> and dropped after
/// <see cref="ExpiresAt"/> (pending revocations, parked grants).
/// </summary>
public interface IRetryJob<out TSelf>
{
    Guid ConnectionId { get; }

    DateTimeOffset DueAt { get; }

    DateTimeOffset ExpiresAt { get; }

    /// <summary>The same job, due at <paramref name="dueAt"/> (what a claim answers).</summary>
    TSelf DueAtTime(DateTimeOffset dueAt);
}

/// <summary>
/// Where retry jobs wait beside the OAuth state (a Redis key with a time to live, or a SQLite table),
/// each for at most its <see cref="IRetryJob{TSelf}.ExpiresAt"/>. One per connection: saving again
/// replaces it. Store failures raise <see cref="Exceptions.DependencyUnavailableException"/>.
/// </summary>
public interface IRetryJobStore<T>
    where T : class, IRetryJob<T>
{
    /// <summary>Creates or replaces the job of its connection.</summary>
    Task SaveAsync(T job, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> jobs due at <paramref name="now"/> (expired ones included, so that
    /// they are dropped), each moved to <paramref name="leaseUntil"/> in the same step: a drain on another
    /// instance does not take it meanwhile, and one that dies with it leaves it due again at the lease's end.
    /// </summary>
    Task<IReadOnlyList<T>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken);

    /// <summary>The job of a connection, if any (for operators and tests).</summary>
    Task<T?> FindAsync(Guid connectionId, CancellationToken cancellationToken);

    Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken);

    /// <summary>Every job kept (they live a day at most; for re-sealing after a key rotation).</summary>
    Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="expected"/> by <paramref name="replacement"/> only while the store still
    /// holds exactly <paramref name="expected"/> (a drain's update since the read wins). False when it changed.
    /// </summary>
    Task<bool> ReplaceIfUnchangedAsync(T expected, T replacement, CancellationToken cancellationToken);
}
