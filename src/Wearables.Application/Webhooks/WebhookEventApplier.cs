using Microsoft.Extensions.Logging;
using Wearables.Application.Connections;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Webhooks;

/// <summary>
/// Applies the events of one queued delivery to the project's connections of the provider user
/// each names: a deauthorization revokes the connection and wipes its tokens as a disconnect does
/// (without calling the provider back: the user already withdrew the grant there); a scope change
/// replaces the connection's granted scopes (joined with the provider's separator); any event
/// records the connection's last event time. Events about users the project does not have
/// (or no longer has active) are ignored and logged without their payload. Applying a delivery
/// twice leaves the same state, so a delivery re-run after a crash does no harm.
/// </summary>
public sealed partial class WebhookEventApplier(IConnectionRepository connections, ConnectionWriter writer, IProviderCatalog catalog, ILogger<WebhookEventApplier> logger)
{
    /// <summary>A concurrent writer (a refresh, a disconnect) makes the change read again; a store outage leaves the delivery for a retry.</summary>
    private static readonly SaveRetry Retry = new([TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)], WhenStoreDown: false);

    public async Task ApplyAsync(InboxDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        foreach (var webhookEvent in delivery.Events)
        {
            var found = await connections.FindByProviderUserAsync(delivery.ProjectId, delivery.Provider, webhookEvent.ProviderUserId, cancellationToken).ConfigureAwait(false);
            var targets = found.Where(c => c.Source == ConnectionSource.OAuth && c.Status == ConnectionStatus.Active).ToList();
            if (targets.Count == 0)
            {
                LogUnknownUser(logger, delivery.Provider, delivery.ProjectId, webhookEvent.Kind);
                continue;
            }

            // An event from the future (a skewed provider clock) counts as received now.
            var at = webhookEvent.OccurredAt is { } occurred && occurred < delivery.ReceivedAt ? occurred : delivery.ReceivedAt;
            var endsGrant = EndsGrant(webhookEvent);
            foreach (var target in targets)
            {
                var changed = false;
                await writer.UpdateAsync(delivery.ProjectId, target.PatientId, delivery.Provider, (connection, now) =>
                {
                    changed = connection.ProviderUserId == webhookEvent.ProviderUserId && (endsGrant
                        ? connection.Revoke(now) is not null
                        : webhookEvent.Kind == WebhookEventKind.ScopesChanged
                            ? connection.ChangeScope(JoinScopes(delivery.Provider, webhookEvent), at, now)
                            : connection.RecordEvent(at, now));
                    return changed;
                }, Retry, cancellationToken).ConfigureAwait(false);
                if (changed && endsGrant)
                {
                    LogDeauthorized(logger, delivery.Provider, delivery.ProjectId, target.Id);
                }
            }
        }
    }

    /// <summary>A deauthorization, or a scope change that leaves no scope (no scope left is no grant left).</summary>
    private static bool EndsGrant(WebhookEvent webhookEvent) =>
        webhookEvent.Kind == WebhookEventKind.Deauthorized || (webhookEvent.Kind == WebhookEventKind.ScopesChanged && webhookEvent.Scopes is not { Count: > 0 });

    /// <summary>The scopes as the connection stores a grant's: joined with the provider's separator.</summary>
    private string JoinScopes(string provider, WebhookEvent webhookEvent)
    {
        var separator = catalog.TryGet(provider, out var descriptor) ? descriptor.ScopeSeparator : " ";
        return string.Join(separator, webhookEvent.Scopes!);
    }

    [LoggerMessage(LogLevel.Information, "Webhook event ({Kind}) of {Provider} for project {ProjectId} names no active connection of the project: ignored")]
    private static partial void LogUnknownUser(ILogger logger, string provider, string projectId, WebhookEventKind kind);

    [LoggerMessage(LogLevel.Information, "Deauthorized at {Provider} for project {ProjectId} (connection {ConnectionId}): revoked, tokens wiped")]
    private static partial void LogDeauthorized(ILogger logger, string provider, string projectId, Guid connectionId);
}
