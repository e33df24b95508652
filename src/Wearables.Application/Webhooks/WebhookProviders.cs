using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Webhooks;

/// <summary>
/// The webhook strategies by provider slug: a verifier for each provider that sends webhooks, a
/// subscriber for each whose subscription the service can create. A provider without a verifier
/// has no webhook door (404).
/// </summary>
public sealed class WebhookProviders
{
    private readonly Dictionary<string, IWebhookVerifier> verifiers;
    private readonly Dictionary<string, IWebhookSubscriber> subscribers;

    public WebhookProviders(IEnumerable<IWebhookVerifier> verifiers, IEnumerable<IWebhookSubscriber> subscribers)
    {
        // A strategy that names no provider cannot be routed to (and a container's stand-in names none).
        this.verifiers = verifiers.Where(v => !string.IsNullOrEmpty(v.Provider)).ToDictionary(v => v.Provider, StringComparer.Ordinal);
        this.subscribers = subscribers.Where(s => !string.IsNullOrEmpty(s.Provider)).ToDictionary(s => s.Provider, StringComparer.Ordinal);
    }

    public IWebhookVerifier Verifier(string provider) =>
        verifiers.TryGetValue(provider, out var verifier)
            ? verifier
            : throw new NotFoundException("webhooks_not_supported", "This provider sends no webhooks to the service.");

    public IWebhookSubscriber Subscriber(string provider) =>
        subscribers.TryGetValue(provider, out var subscriber)
            ? subscriber
            : throw new UnprocessableException("webhook_subscription_unsupported", "This provider's webhooks are not set up through an API: configure them in its developer portal.");
}
