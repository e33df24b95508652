using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Metrics;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// One refresh of one connection, under its lock: re-read (another instance may have refreshed
/// already), call the provider with the refresh token that is actually stored, write the new pair
/// with a version check before anyone gets the new access token. A write that loses the race
/// re-reads: a pair stored meanwhile by someone else wins over ours. A refused grant counts only
/// while the refused refresh token is still the stored one.
/// </summary>
public sealed partial class RefreshRun(
    IConnectionRepository connections,
    IRefreshLock locks,
    IRefreshBackoff backoff,
    ConnectionTokens tokens,
    ProjectCredentials credentials,
    IOAuthProviderClient providers,
    IProviderCatalog catalog,
    TokenRefreshOptions options,
    TimeProvider time,
    WearablesMetrics metrics,
    ILogger<RefreshRun> logger)
{
    /// <summary>Writes tried after a lost race before giving up (each after a fresh read).</summary>
    private const int MaxWrites = 3;

    public async Task<Connection> RunAsync(Connection seen, TimeSpan minValidity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (await backoff.IsDeferredAsync(seen.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            metrics.Refresh(seen.Provider, RefreshOutcomes.Deferred);
            throw TokenRules.Unavailable();
        }

        await using var held = await locks.TryAcquireAsync(seen.Id, options.LockWait, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(seen, cancellationToken).ConfigureAwait(false);
        if (TokenRules.IsFresh(current, minValidity, time.GetUtcNow()))
        {
            metrics.Refresh(current.Provider, RefreshOutcomes.AlreadyFresh);
            return current;
        }

        if (held is null)
        {
            // Another holder kept the lock for the whole wait and what it left is still stale.
            LogLockWaitExpired(logger, current.Provider, current.ProjectId, current.Id);
            metrics.Refresh(current.Provider, RefreshOutcomes.LockTimeout);
            throw TokenRules.Unavailable();
        }

        if (await backoff.IsDeferredAsync(current.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            metrics.Refresh(current.Provider, RefreshOutcomes.Deferred);
            throw TokenRules.Unavailable();
        }

        return await RefreshHeldAsync(current, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Connection> RefreshHeldAsync(Connection current, CancellationToken cancellationToken)
    {
        var refreshToken = tokens.OpenRefreshToken(current);
        if (refreshToken is null)
        {
            // No refresh token (Polar): the connection lives exactly as long as its access token.
            if (current.TokenExpiresAt is { } at && at <= time.GetUtcNow())
            {
                await ExpireAsync(current, null, cancellationToken).ConfigureAwait(false);
            }

            metrics.Refresh(current.Provider, RefreshOutcomes.NotRefreshable);
            return current;
        }

        if (!catalog.TryGet(current.Provider, out var provider))
        {
            throw TokenRules.NotFound();
        }

        var app = await credentials.GetAsync(current.ProjectId, provider.Slug, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableException("credentials_missing", "The project's OAuth credentials for the provider are not on file; the token cannot be refreshed.");

        var result = await providers.RefreshAsync(provider, app, refreshToken, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case RefreshOutcome.Refreshed:
                var grant = tokens.Seal(current.ProjectId, current.Id, result.Tokens!);
                return await StoreAsync(current, grant, refreshToken, cancellationToken).ConfigureAwait(false);
            case RefreshOutcome.GrantRejected:
                return await RejectedAsync(current, refreshToken, cancellationToken).ConfigureAwait(false);
            default:
                var now = time.GetUtcNow();
                await backoff.DeferAsync(current.Id, now, now + options.Backoff, cancellationToken).ConfigureAwait(false);
                LogDeferred(logger, current.Provider, current.ProjectId, current.Id, options.Backoff.TotalSeconds);
                metrics.Refresh(current.Provider, RefreshOutcomes.Failed);
                throw TokenRules.Unavailable();
        }
    }

    /// <summary>Writes the new pair; after a lost race, a pair someone else stored meanwhile wins over ours.</summary>
    private async Task<Connection> StoreAsync(Connection current, OAuthGrant grant, string usedRefreshToken, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                current.Refreshed(grant, time.GetUtcNow());
                await connections.SaveAsync(current, cancellationToken).ConfigureAwait(false);
                LogRefreshed(logger, current.Provider, current.ProjectId, current.Id);
                metrics.Refresh(current.Provider, RefreshOutcomes.Refreshed);
                return current;
            }
            catch (ConflictException) when (attempt < MaxWrites)
            {
                current = await ReadAsync(current, cancellationToken).ConfigureAwait(false);
                if (!tokens.StoresRefreshToken(current, usedRefreshToken))
                {
                    // Another writer stored another pair (a refresh elsewhere, a reconnect): it is the newer one.
                    LogLostRace(logger, current.Provider, current.ProjectId, current.Id);
                    metrics.Refresh(current.Provider, RefreshOutcomes.LostRace);
                    return current;
                }
            }
        }
    }

    /// <summary>invalid_grant: the connection expires, unless the refused token is no longer the stored one.</summary>
    private async Task<Connection> RejectedAsync(Connection current, string usedRefreshToken, CancellationToken cancellationToken)
    {
        var reread = await ReadAsync(current, cancellationToken).ConfigureAwait(false);
        if (!tokens.StoresRefreshToken(reread, usedRefreshToken))
        {
            // Another instance rotated the refresh token under us: its pair is the live one.
            LogLostRace(logger, reread.Provider, reread.ProjectId, reread.Id);
            metrics.Refresh(reread.Provider, RefreshOutcomes.LostRace);
            return TokenRules.IsFresh(reread, TimeSpan.Zero, time.GetUtcNow()) ? reread : throw TokenRules.Unavailable();
        }

        await ExpireAsync(reread, usedRefreshToken, cancellationToken).ConfigureAwait(false);
        return reread;
    }

    /// <summary>Marks the connection expired (re-reading after a lost race) and answers 409 connection_expired.</summary>
    private async Task ExpireAsync(Connection current, string? usedRefreshToken, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                current.MarkExpired(time.GetUtcNow());
                await connections.SaveAsync(current, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (ConflictException) when (attempt < MaxWrites)
            {
                current = await ReadAsync(current, cancellationToken).ConfigureAwait(false);
                if (usedRefreshToken is not null && !tokens.StoresRefreshToken(current, usedRefreshToken))
                {
                    // Changed meanwhile (a reconnect, a refresh elsewhere): nothing to expire any more.
                    throw TokenRules.Unavailable();
                }
            }
        }

        LogExpired(logger, current.Provider, current.ProjectId, current.Id);
        metrics.Refresh(current.Provider, RefreshOutcomes.Expired);
        throw TokenRules.Expired(current);
    }

    /// <summary>The stored connection as it is now; 404 when it is gone, 409 when it can no longer be used.</summary>
    private async Task<Connection> ReadAsync(Connection connection, CancellationToken cancellationToken)
    {
        var current = await connections.FindAsync(connection.ProjectId, connection.PatientId, connection.Provider, cancellationToken).ConfigureAwait(false)
            ?? throw TokenRules.NotFound();
        TokenRules.EnsureUsable(current);
        return current;
    }

    [LoggerMessage(LogLevel.Information, "Refreshed the {Provider} tokens of project {ProjectId} (connection {ConnectionId})")]
    private static partial void LogRefreshed(ILogger logger, string provider, string projectId, Guid connectionId);

    [LoggerMessage(LogLevel.Information, "Another writer stored newer {Provider} tokens of project {ProjectId} (connection {ConnectionId}); answering those")]
    private static partial void LogLostRace(ILogger logger, string provider, string projectId, Guid connectionId);

    [LoggerMessage(LogLevel.Warning, "The {Provider} connection of project {ProjectId} expired: the provider refused its grant (connection {ConnectionId})")]
    private static partial void LogExpired(ILogger logger, string provider, string projectId, Guid connectionId);

    [LoggerMessage(LogLevel.Warning, "Refreshing the {Provider} tokens of project {ProjectId} failed for now (connection {ConnectionId}); next attempt in {BackoffSeconds} s")]
    private static partial void LogDeferred(ILogger logger, string provider, string projectId, Guid connectionId, double backoffSeconds);

    [LoggerMessage(LogLevel.Warning, "Waited for another refresh of the {Provider} tokens of project {ProjectId} (connection {ConnectionId}) without a result")]
    private static partial void LogLockWaitExpired(ILogger logger, string provider, string projectId, Guid connectionId);
}
