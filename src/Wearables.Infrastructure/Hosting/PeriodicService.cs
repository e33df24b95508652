using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Wearables.Infrastructure.Hosting;

/// <summary>
/// The one loop of the background services: wait <see cref="Period"/> on the service's clock, run
/// <see cref="RunOnceAsync"/>, again until the host stops. A failed pass is logged (exception type only:
/// foreign messages may quote what they were given) and the next one comes as planned; stopping
/// cancels the wait or the pass in progress and ends the loop without an error. An interval of zero
/// or less turns the service off.
/// </summary>
public abstract partial class PeriodicService(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The pause before each pass.</summary>
    protected abstract TimeSpan Period { get; }

    /// <summary>True: the first pass runs at start, before the first pause.</summary>
    protected virtual bool FirstPassAtStart => false;

    /// <summary>One pass of the work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Period <= TimeSpan.Zero)
        {
            return;
        }

        for (var first = true; !stoppingToken.IsCancellationRequested; first = false)
        {
            try
            {
                if (!first || !FirstPassAtStart)
                {
                    await Task.Delay(Period, time, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    // Off the host's start: a first pass must not hold up the other services.
                    await Task.Yield();
                }

                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(logger, GetType().Name, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "A pass of {Service} failed ({ExceptionType}); the next one runs as planned")]
    private static partial void LogPassFailed(ILogger logger, string service, string exceptionType);
}
