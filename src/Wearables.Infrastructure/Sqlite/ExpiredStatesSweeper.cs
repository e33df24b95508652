using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Deletes expired OAuth states from the embedded store every <c>Wearables:Limits:ExpiredStatesSweepSeconds</c>
/// (a save deletes them too; this covers the quiet times after a flood). On the service's clock.
/// </summary>
public sealed partial class ExpiredStatesSweeper(SqliteOAuthStateStore store, TimeProvider time, TimeSpan interval, ILogger<ExpiredStatesSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var removed = await store.RemoveExpiredAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        LogRemoved(logger, removed);
                    }
                }
                catch (DependencyUnavailableException ex)
                {
                    LogFailed(logger, ex.InnerException?.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Debug, "Removed {Count} expired OAuth states")]
    private static partial void LogRemoved(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Removing expired OAuth states failed ({InnerType}); trying again at the next sweep")]
    private static partial void LogFailed(ILogger logger, string? innerType);
}
