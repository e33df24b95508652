using Microsoft.Extensions.Logging;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Deletes expired OAuth states from the embedded store every <c>Wearables:Limits:ExpiredStatesSweepSeconds</c>
/// (a save deletes them too; this covers the quiet times after a flood). On the service's clock.
/// </summary>
public sealed partial class ExpiredStatesSweeper(SqliteOAuthStateStore store, TimeProvider time, TimeSpan interval, ILogger<ExpiredStatesSweeper> logger)
    : PeriodicService(time, logger)
{
    protected override TimeSpan Period => interval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await store.RemoveExpiredAsync(cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogRemoved(logger, removed);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Removed {Count} expired OAuth states")]
    private static partial void LogRemoved(ILogger logger, int count);
}
