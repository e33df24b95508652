using Wearables.Application.Credentials;

namespace Wearables.Application.Webhooks;

/// <summary>What a webhook call is checked against: the project's credentials for the provider (opened for this call) and its subscription.</summary>
public sealed class WebhookSecretsReader(ProjectCredentials credentials, IWebhookSubscriptionStore subscriptions)
{
    public async Task<WebhookSecrets> ReadAsync(string projectId, string provider, CancellationToken cancellationToken)
    {
        var app = await credentials.GetAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        var subscription = await subscriptions.GetAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        return app is null && subscription is null
            ? WebhookSecrets.None
            : new WebhookSecrets(app?.ClientId, app?.ClientSecret, app?.WebhookSecret, subscription?.SubscriptionId);
    }
}
