using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Api.Hosting;

/// <summary>
/// Retries the revocations a provider has not confirmed (<see cref="ProviderRevocations.RunDueAsync"/>),
/// every <see cref="Interval"/> on the service's clock. Each instance runs it; a claim in the store keeps
/// two instances off the same revocation. A store outage is logged and tried again at the next tick.
/// </summary>
public sealed partial class RevocationRetryService(IServiceScopeFactory scopes, TimeProvider time, ILogger<RevocationRetryService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>Drains everything due now, a batch at a time; answers how many revocations it claimed.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        for (var claimed = ProviderRevocations.BatchSize; claimed == ProviderRevocations.BatchSize;)
        {
            await using var scope = scopes.CreateAsyncScope();
            claimed = await scope.ServiceProvider.GetRequiredService<ProviderRevocations>().RunDueAsync(cancellationToken).ConfigureAwait(false);
            total += claimed;
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
                await DrainAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The type only: messages of foreign exceptions may quote what they were given.
                LogDrainFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Retrying pending revocations failed ({ExceptionType}); trying again at the next tick")]
    private static partial void LogDrainFailed(ILogger logger, string exceptionType);
}
