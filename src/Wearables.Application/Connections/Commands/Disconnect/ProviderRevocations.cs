using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// Revocation at the provider as a job: scheduled (a sealed copy of the tokens in the
/// <see cref="IPendingRevocationStore"/>) before the connection forgets its tokens, attempted at
/// once, and retried with backoff until the provider settles it or <see cref="KeepFor"/> has passed,
/// when the copy is dropped. A retry runs only while the connection is still revoked: a reconnect
/// (or a disconnect that never landed) makes the old grant none of our business.
/// </summary>
public sealed partial class ProviderRevocations(
    IPendingRevocationStore pending,
    IProviderRevoker revoker,
    IAccessTokenSource accessTokens,
    RevocationTokens tokens,
    IProviderCatalog catalog,
    IConnectionRepository connections,
    TimeProvider time,
    ILogger<ProviderRevocations> logger)
{
    /// <summary>The longest a sealed copy is kept for retrying.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromHours(24);

    /// <summary>The first retry comes this long after the disconnect (well past the provider timeout of the attempt at once).</summary>
    public static readonly TimeSpan FirstRetryAfter = TimeSpan.FromMinutes(1);

    /// <summary>Retries back off by doubling, up to this pause.</summary>
    public static readonly TimeSpan LongestPause = TimeSpan.FromHours(1);

    /// <summary>How long a drain holds a claimed revocation before another may take it (longer than one provider call).</summary>
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);

    /// <summary>At most this many revocations per drain.</summary>
    public const int BatchSize = 50;

    /// <summary>The pause after attempt <paramref name="attempts"/> (1, 2, 4 … minutes, at most <see cref="LongestPause"/>).</summary>
    public static TimeSpan PauseAfter(int attempts) =>
        TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, FirstRetryAfter.Ticks << Math.Clamp(attempts - 1, 0, 20)));

    /// <summary>Keeps a sealed copy of <paramref name="grant"/> for retrying, due after <see cref="FirstRetryAfter"/>.</summary>
    public async Task<PendingRevocation> ScheduleAsync(Connection connection, RevocableGrant grant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var revocation = tokens.Seal(connection, grant, now, now + FirstRetryAfter, now + KeepFor);
        await pending.SaveAsync(revocation, cancellationToken).ConfigureAwait(false);
        return revocation;
    }

    /// <summary>Forgets a scheduled revocation that turned out not to be ours to make (best effort: a leftover is dropped by its retry).</summary>
    public async Task CancelAsync(Guid connectionId, CancellationToken cancellationToken)
    {
        try
        {
            await pending.RemoveAsync(connectionId, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            LogStoreDown(logger, connectionId, "cancel");
        }
    }

    /// <summary>
    /// One attempt with the opened <paramref name="grant"/>. Settled: the copy is removed. Not: it stays,
    /// due again after the backoff (<see cref="PauseAfter"/>). Answers whether it is settled.
    /// </summary>
    public async Task<bool> AttemptAsync(PendingRevocation revocation, ProviderDescriptor provider, RevocableGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        ArgumentNullException.ThrowIfNull(provider);
        var attempt = revocation.Attempts + 1;
        RevocationOutcome outcome;
        try
        {
            var accessToken = await accessTokens.ForRevocationAsync(revocation.ProjectId, provider, grant, cancellationToken).ConfigureAwait(false);
            outcome = await revoker.RevokeAsync(revocation.ProjectId, provider, accessToken, grant.ProviderUserId, cancellationToken).ConfigureAwait(false);
        }
        catch (UpstreamException)
        {
            // A token source that had to refresh first and could not reach the provider.
            outcome = RevocationOutcome.Unavailable;
        }

        if (outcome.IsFinal())
        {
            LogSettled(logger, provider.Slug, revocation.ProjectId, revocation.ConnectionId, outcome, attempt);
            await pending.RemoveAsync(revocation.ConnectionId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var after = time.GetUtcNow() + PauseAfter(attempt);
        var due = after < revocation.ExpiresAt ? after : revocation.ExpiresAt;
        LogRetryLater(logger, provider.Slug, revocation.ProjectId, revocation.ConnectionId, attempt, due);
        await pending.SaveAsync(revocation with { Attempts = attempt, DueAt = due }, cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Claims the due revocations and settles each one: dropped when older than <see cref="KeepFor"/>,
    /// when its copy does not open, its provider left the catalog or its connection is active again;
    /// else attempted. Answers how many it claimed.
    /// </summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = await pending.ClaimDueAsync(now, now + ClaimFor, BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var revocation in due)
        {
            try
            {
                await RetryAsync(revocation, now, cancellationToken).ConfigureAwait(false);
            }
            catch (DependencyUnavailableException)
            {
                // The claim keeps it away until it ends; then it is due again.
                LogStoreDown(logger, revocation.ConnectionId, "retry");
            }
        }

        return due.Count;
    }

    private async Task RetryAsync(PendingRevocation revocation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (revocation.ExpiresAt <= now)
        {
            LogDropped(logger, revocation.Provider, revocation.ProjectId, revocation.ConnectionId, "kept for 24 h without the provider confirming", revocation.Attempts);
            await pending.RemoveAsync(revocation.ConnectionId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var connection = await connections.FindAsync(revocation.ProjectId, revocation.PatientId, revocation.Provider, cancellationToken).ConfigureAwait(false);
        if (connection is not null && connection.Status != ConnectionStatus.Revoked)
        {
            LogDropped(logger, revocation.Provider, revocation.ProjectId, revocation.ConnectionId, "the connection is not revoked (reconnected)", revocation.Attempts);
            await pending.RemoveAsync(revocation.ConnectionId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!catalog.TryGet(revocation.Provider, out var provider))
        {
            LogDropped(logger, revocation.Provider, revocation.ProjectId, revocation.ConnectionId, "the provider is no longer in the catalog", revocation.Attempts);
            await pending.RemoveAsync(revocation.ConnectionId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (tokens.OpenPending(revocation) is not { } grant)
        {
            LogDropped(logger, revocation.Provider, revocation.ProjectId, revocation.ConnectionId, "its sealed copy does not open", revocation.Attempts);
            await pending.RemoveAsync(revocation.ConnectionId, cancellationToken).ConfigureAwait(false);
            return;
        }

        await AttemptAsync(revocation, provider, grant, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Information, "Revocation at {Provider} for project {ProjectId} (connection {ConnectionId}): {Outcome} on attempt {Attempt}")]
    private static partial void LogSettled(ILogger logger, string provider, string projectId, Guid connectionId, RevocationOutcome outcome, int attempt);

    [LoggerMessage(LogLevel.Warning, "Revocation at {Provider} for project {ProjectId} (connection {ConnectionId}) failed on attempt {Attempt}; retrying at {DueAt:O}")]
    private static partial void LogRetryLater(ILogger logger, string provider, string projectId, Guid connectionId, int attempt, DateTimeOffset dueAt);

    [LoggerMessage(LogLevel.Warning, "Dropped the pending revocation at {Provider} for project {ProjectId} (connection {ConnectionId}) after {Attempts} attempts: {Reason}")]
    private static partial void LogDropped(ILogger logger, string provider, string projectId, Guid connectionId, string reason, int attempts);

    [LoggerMessage(LogLevel.Warning, "The pending-revocation store is not available ({Step} of connection {ConnectionId}); it is tried again later")]
    private static partial void LogStoreDown(ILogger logger, Guid connectionId, string step);
}
