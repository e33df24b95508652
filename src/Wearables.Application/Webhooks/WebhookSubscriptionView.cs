namespace Wearables.Application.Webhooks;

/// <summary>The subscription state of a project and provider: <c>{provider, subscribed, callbackUrl, subscriptionId}</c>.</summary>
public sealed record WebhookSubscriptionView(string Provider, bool Subscribed, string CallbackUrl, string? SubscriptionId)
{
    public static WebhookSubscriptionView Of(string provider, string callbackUrl, WebhookSubscription? subscription) =>
        new(provider, subscription is not null, subscription?.CallbackUrl ?? callbackUrl, subscription?.SubscriptionId);
}
