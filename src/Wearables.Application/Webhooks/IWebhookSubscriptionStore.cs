namespace Wearables.Application.Webhooks;

/// <summary>The provider-side subscription of each project and provider, as the service created it (no secret).</summary>
public interface IWebhookSubscriptionStore
{
    Task<WebhookSubscription?> GetAsync(string projectId, string provider, CancellationToken cancellationToken);

    Task SetAsync(WebhookSubscription subscription, CancellationToken cancellationToken);

    Task DeleteAsync(string projectId, string provider, CancellationToken cancellationToken);
}

public sealed record WebhookSubscription(string ProjectId, string Provider, string SubscriptionId, string CallbackUrl, DateTimeOffset CreatedAt);
