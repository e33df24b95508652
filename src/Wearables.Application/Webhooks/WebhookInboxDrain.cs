using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Webhooks;

/// <summary>
/// Works through the inbox: claims what is due (leased for <see cref="Lease"/>), applies each
/// delivery in a scope of its own, and completes it. A delivery whose store write fails stays
/// leased and is claimed again when the lease ends, here or on another instance, or after a restart.
/// Drains of one process take turns, so a drain that returns has seen every delivery queued before it began.
/// </summary>
public sealed partial class WebhookInboxDrain(IServiceScopeFactory scopes, IWebhookInbox inbox, TimeProvider time, ILogger<WebhookInboxDrain> logger) : IDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);

    public const int BatchSize = 50;

    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    /// <summary>Drains everything due now, a batch at a time; answers how many deliveries it applied.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DrainAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose() => turn.Dispose();

    private async Task<int> DrainAllAsync(CancellationToken cancellationToken)
    {
        var applied = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            var claimed = await inbox.ClaimAsync(now, now + Lease, BatchSize, cancellationToken).ConfigureAwait(false);
            var done = new List<InboxDelivery>(claimed.Count);
            foreach (var delivery in claimed)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<WebhookEventApplier>().ApplyAsync(delivery, cancellationToken).ConfigureAwait(false);
                    done.Add(delivery);
                }
                catch (AppException ex)
                {
                    LogRetryLater(logger, delivery.Provider, delivery.ProjectId, ex.Error);
                }
            }

            // One write per batch: a stop before it re-runs the batch, which applying twice allows.
            if (done.Count > 0)
            {
                await inbox.CompleteAsync(done, cancellationToken).ConfigureAwait(false);
                applied += done.Count;
            }

            if (claimed.Count < BatchSize)
            {
                return applied;
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Webhook delivery of {Provider} for project {ProjectId} not applied ({Error}): retried when its lease ends")]
    private static partial void LogRetryLater(ILogger logger, string provider, string projectId, string error);
}
