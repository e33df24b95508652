using Wearables.Application.Webhooks;

namespace Wearables.Api.Hosting;

/// <summary>
/// Applies queued webhook deliveries after they were answered: at start (what a stopped process
/// left in the inbox), whenever this process queues one (<see cref="Notify"/>), and every
/// <see cref="PollInterval"/> for deliveries other instances queued or whose lease ran out.
/// </summary>
public sealed partial class WebhookInboxService(WebhookInboxDrain drain, ILogger<WebhookInboxService> logger) : BackgroundService, IWebhookInboxSignal
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim wake = new(0, 1);

    public void Notify()
    {
        // One pending wake-up is enough: the drain takes everything due.
        try
        {
            if (wake.CurrentCount == 0)
            {
                wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Applies everything due now (tests call it to wait for the work an answer left).</summary>
    public Task<int> DrainAsync(CancellationToken cancellationToken) => drain.DrainAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await drain.DrainAsync(stoppingToken).ConfigureAwait(false);
                await wake.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The type only: messages of foreign exceptions may quote what they were given.
                LogDrainFailed(logger, ex.GetType().Name);
                try
                {
                    await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Warning, "Applying queued webhook deliveries failed ({ExceptionType}); trying again shortly")]
    private static partial void LogDrainFailed(ILogger logger, string exceptionType);
}
