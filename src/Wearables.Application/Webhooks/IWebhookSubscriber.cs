using Wearables.Application.Providers;

namespace Wearables.Application.Webhooks;

/// <summary>
/// Creates and removes a project's subscription at a provider that has an API for it (Strava,
/// Polar). A provider whose webhooks are set up in its developer portal has none. Refusals are
/// <see cref="Common.Exceptions.UpstreamException"/>s whose message is the provider's reason, never a secret.
/// </summary>
public interface IWebhookSubscriber
{
    string Provider { get; }

    /// <summary>
    /// Whether the provider calls the callback URL during <see cref="CreateAsync"/> with a token the
    /// service chose (Strava's verify token): it must then be stored before the call.
    /// </summary>
    bool NeedsVerifyToken { get; }

    /// <param name="verifyToken">The token to send when <see cref="NeedsVerifyToken"/>; else null.</param>
    Task<CreatedSubscription> CreateAsync(ProviderDescriptor provider, WebhookAppCredentials app, string callbackUrl, string? verifyToken, CancellationToken cancellationToken);

    /// <summary>Removes it; a subscription the provider no longer has counts as removed.</summary>
    Task DeleteAsync(ProviderDescriptor provider, WebhookAppCredentials app, string subscriptionId, CancellationToken cancellationToken);
}

/// <summary>The project's OAuth app at the provider, for the subscription calls.</summary>
public sealed record WebhookAppCredentials(string ClientId, string ClientSecret)
{
    public override string ToString() => "WebhookAppCredentials [redacted]";
}

/// <summary>What the provider answered: its id for the subscription, and the signing key it showed once (Polar).</summary>
public sealed record CreatedSubscription(string SubscriptionId, string? SigningSecret)
{
    public override string ToString() => $"CreatedSubscription ({SubscriptionId})";
}
