using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.HandleCallback;

/// <summary>How parked grants are retried (<c>Wearables:ParkedGrants:*</c>; see README "Parked grants").</summary>
public sealed record ParkedGrantOptions
{
    /// <summary><c>Wearables:ParkedGrants:RetrySeconds</c>: the pause between drains, and the first pause of a grant (doubling, at most <see cref="ParkedGrants.LongestPause"/>).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Wearables:ParkedGrants:KeepHours</c>: how long a grant waits for the store before it is dropped.</summary>
    public TimeSpan KeepFor { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>
/// The provider issued tokens at a callback but the connection store could not take them: the grant
/// is parked (sealed, in the state store) and written by a background drain once the store is back,
/// so the user does not have to authorize again. A parked grant is written only while nothing newer
/// happened to its connection (a later callback, refresh or disconnect wins) and is dropped after
/// <see cref="ParkedGrantOptions.KeepFor"/>.
/// </summary>
public sealed partial class ParkedGrants(IParkedGrantStore parked, ConnectionWriter writer, ParkedGrantOptions options, TimeProvider time, ILogger<ParkedGrants> logger)
{
    /// <summary>The longest pause between two attempts of one grant.</summary>
    public static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(5);

    /// <summary>How long a drain holds a claimed grant before another may take it (longer than one write with its retries).</summary>
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);

    /// <summary>At most this many grants per drain.</summary>
    public const int BatchSize = 50;

    /// <summary>One try per store outage: the drain's own retries come later.</summary>
    private static readonly SaveRetry ConflictsOnly = new([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero], WhenStoreDown: false);

    /// <summary>Parks <paramref name="grant"/> for the connection of <paramref name="pending"/>; the store's failure propagates (503).</summary>
    public async Task<ParkedGrant> ParkAsync(PendingAuthorization pending, string provider, string address, OAuthGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var now = time.GetUtcNow();
        var job = new ParkedGrant(
            Connection.IdFor(pending.ProjectId, pending.PatientId, provider), pending.ProjectId, pending.PatientId, provider, address, grant,
            now, now + PauseAfter(0), now + options.KeepFor, Attempts: 0);
        await parked.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        LogParked(logger, provider, pending.ProjectId, job.ConnectionId);
        return job;
    }

    /// <summary>Claims the due grants and writes each one (or drops it); answers how many it claimed.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = await parked.ClaimDueAsync(now, now + ClaimFor, BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var job in due)
        {
            if (job.ExpiresAt <= now)
            {
                LogDropped(logger, job.Provider, job.ProjectId, job.ConnectionId, job.Attempts);
                await parked.RemoveAsync(job.ConnectionId, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await writer.UpsertAsync(
                    job.ProjectId, job.PatientId, job.Provider, ConnectionSource.OAuth,
                    (connection, at) =>
                    {
                        // Anything written to the connection since the grant was parked is newer than it.
                        if (connection.Version is not null && connection.UpdatedAt > job.ParkedAt)
                        {
                            return false;
                        }

                        connection.Authorize(job.Grant, job.Address, at);
                        return true;
                    },
                    ConflictsOnly, cancellationToken).ConfigureAwait(false);
                await parked.RemoveAsync(job.ConnectionId, cancellationToken).ConfigureAwait(false);
                LogWritten(logger, job.Provider, job.ProjectId, job.ConnectionId, job.Attempts + 1);
            }
            catch (DependencyUnavailableException)
            {
                var attempt = job.Attempts + 1;
                var next = time.GetUtcNow() + PauseAfter(attempt);
                LogStillDown(logger, job.Provider, job.ProjectId, job.ConnectionId, attempt);
                await SaveQuietlyAsync(job with { Attempts = attempt, DueAt = next < job.ExpiresAt ? next : job.ExpiresAt }, cancellationToken).ConfigureAwait(false);
            }
        }

        return due.Count;
    }

    /// <summary>The pause after attempt <paramref name="attempts"/>: the retry interval, doubling, at most <see cref="LongestPause"/>.</summary>
    private TimeSpan PauseAfter(int attempts) =>
        TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, options.RetryInterval.Ticks << Math.Clamp(attempts, 0, 20)));

    private async Task SaveQuietlyAsync(ParkedGrant job, CancellationToken cancellationToken)
    {
        try
        {
            await parked.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            // The claim keeps it away until it ends; then it is due again.
        }
    }

    [LoggerMessage(LogLevel.Warning, "The {Provider} connection of project {ProjectId} could not be stored at the callback; its grant is parked (sealed) and written when the store is back (connection {ConnectionId})")]
    private static partial void LogParked(ILogger logger, string provider, string projectId, Guid connectionId);

    [LoggerMessage(LogLevel.Information, "Wrote the parked {Provider} grant of project {ProjectId} (connection {ConnectionId}) on attempt {Attempt}")]
    private static partial void LogWritten(ILogger logger, string provider, string projectId, Guid connectionId, int attempt);

    [LoggerMessage(LogLevel.Warning, "The connection store is still down for the parked {Provider} grant of project {ProjectId} (connection {ConnectionId}, attempt {Attempt}); retrying later")]
    private static partial void LogStillDown(ILogger logger, string provider, string projectId, Guid connectionId, int attempt);

    [LoggerMessage(LogLevel.Error, "Dropped the parked {Provider} grant of project {ProjectId} (connection {ConnectionId}) after {Attempts} attempts: the connection store did not come back in time; the user must connect again")]
    private static partial void LogDropped(ILogger logger, string provider, string projectId, Guid connectionId, int attempts);
}
