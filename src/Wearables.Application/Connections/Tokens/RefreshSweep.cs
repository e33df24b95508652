using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// One pass of the background refresh: on the one instance that holds the sweep's lease, the
/// connections whose token expires within <see cref="TokenRefreshOptions.RefreshAhead"/> (from the
/// <see cref="IRefreshSchedule"/>) are refreshed through the same single-flight path as callers use,
/// so a sweep and a caller never refresh one connection twice.
/// </summary>
public sealed partial class RefreshSweep(
    IServiceScopeFactory scopes,
    IRefreshLock locks,
    TokenRefresher refresher,
    TokenRefreshOptions options,
    TimeProvider time,
    ILogger<RefreshSweep> logger)
{
    /// <summary>The lease's id in the lock space of connection ids (a random v4 UUID no connection id can equal: those are v8).</summary>
    public static readonly Guid LeaseId = new("6f1f5d8e-2b7c-4c61-9a53-0c1b8d0f2e47");

    /// <summary>Connections refreshed per pass at the most; the rest wait for the next pass.</summary>
    public const int BatchSize = 200;

    /// <returns>How many connections were refreshed; null when another instance holds the lease.</returns>
    public async Task<int?> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var lease = await locks.TryAcquireAsync(LeaseId, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return null;
        }

        await using var scope = scopes.CreateAsyncScope();
        var schedule = scope.ServiceProvider.GetRequiredService<IRefreshSchedule>();
        var connections = scope.ServiceProvider.GetRequiredService<IConnectionRepository>();
        var due = await schedule.DueAsync(time.GetUtcNow() + options.RefreshAhead, BatchSize, cancellationToken).ConfigureAwait(false);
        var refreshed = 0;
        foreach (var entry in due)
        {
            try
            {
                var connection = await connections.FindAsync(entry.ProjectId, entry.PatientId, entry.Provider, cancellationToken).ConfigureAwait(false);
                if (connection is null || !ScheduledRefresh.Applies(connection) || TokenRules.IsFresh(connection, options.RefreshAhead, time.GetUtcNow()))
                {
                    // Gone, no longer refreshable, or refreshed meanwhile: put the schedule right.
                    if (connection is not null)
                    {
                        await schedule.PlanAsync(connection, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                await refresher.RefreshAsync(connection, options.RefreshAhead, cancellationToken).ConfigureAwait(false);
                refreshed++;
            }
            catch (AppException ex)
            {
                // Expired, provider down (backed off), store down: the next pass or a caller tries again.
                LogSkipped(logger, entry.Provider, entry.ProjectId, ex.Error);
            }
        }

        if (refreshed > 0)
        {
            LogPass(logger, refreshed, due.Count);
        }

        return refreshed;
    }

    [LoggerMessage(LogLevel.Information, "Sweep refreshed {Refreshed} of {Due} connections due")]
    private static partial void LogPass(ILogger logger, int refreshed, int due);

    [LoggerMessage(LogLevel.Information, "Sweep skipped a {Provider} connection of project {ProjectId}: {Error}")]
    private static partial void LogSkipped(ILogger logger, string provider, string projectId, string error);
}
