using Wearables.Application.Connections.Tokens;

namespace Wearables.Api.Hosting;

/// <summary>
/// Runs the <see cref="RefreshSweep"/> every <c>Wearables:Tokens:SweepIntervalSeconds</c> (0: off)
/// on every instance; the sweep's lease lets one of them work at a time. A failed pass is logged
/// (type only) and the next one comes as planned.
/// </summary>
public sealed partial class TokenRefreshSweepService(RefreshSweep sweep, TokenRefreshOptions options, TimeProvider time, ILogger<TokenRefreshSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.SweepInterval <= TimeSpan.Zero)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.SweepInterval, time, stoppingToken).ConfigureAwait(false);
                await sweep.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "A token refresh sweep pass failed ({ExceptionType}); the next one runs as planned")]
    private static partial void LogPassFailed(ILogger logger, string exceptionType);
}
