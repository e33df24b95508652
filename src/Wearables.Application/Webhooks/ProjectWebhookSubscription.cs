using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Webhooks;

/// <summary>
/// What the subscription use cases share (scoped): the caller's project and the requested provider
/// with its subscriber, the project's webhook URL, its stored subscription, its credentials, and
/// the one way the webhook secret is written (sealed with the other credentials).
/// </summary>
public sealed class ProjectWebhookSubscription(
    ICallerContext caller,
    RequestedProvider requested,
    WebhookProviders providers,
    ProjectCredentials credentials,
    IWebhookSubscriptionStore subscriptions,
    IWebhookCallbackUri callbackUri,
    TimeProvider time)
{
    public IWebhookSubscriptionStore Store => subscriptions;

    public TimeProvider Time => time;

    /// <summary>The project, provider and subscriber of this request, and the subscription on file (null when none).</summary>
    public async Task<SubscriptionTarget> LoadAsync(CancellationToken cancellationToken)
    {
        var projectId = caller.Caller.ProjectId;
        var provider = requested.Descriptor;
        var subscriber = providers.Subscriber(provider.Slug);
        var existing = await subscriptions.GetAsync(projectId, provider.Slug, cancellationToken).ConfigureAwait(false);
        return new SubscriptionTarget(projectId, provider, subscriber, callbackUri.ForProject(provider.Slug, projectId), existing);
    }

    public async Task<ProviderCredentials> RequireCredentialsAsync(SubscriptionTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return await credentials.GetAsync(target.ProjectId, target.Provider.Slug, cancellationToken).ConfigureAwait(false)
            ?? throw new UnprocessableException("credentials_missing", "No credentials are on file for this provider: PUT them first.");
    }

    /// <summary>Replaces only the webhook secret of <paramref name="app"/> (sealed like the others); null removes it.</summary>
    public Task SetWebhookSecretAsync(SubscriptionTarget target, ProviderCredentials app, string? webhookSecret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(app);
        var sealedCredentials = credentials.Seal(target.ProjectId, target.Provider.Slug, app with { WebhookSecret = webhookSecret }, time.GetUtcNow());
        return credentials.SaveAsync(target.ProjectId, target.Provider.Slug, sealedCredentials, cancellationToken);
    }
}

/// <summary>A project's subscription at one provider: where it points and what is on file.</summary>
public sealed record SubscriptionTarget(string ProjectId, ProviderDescriptor Provider, IWebhookSubscriber Subscriber, string CallbackUrl, WebhookSubscription? Existing)
{
    public WebhookSubscriptionView View(WebhookSubscription? subscription) => WebhookSubscriptionView.Of(Provider.Slug, CallbackUrl, subscription);
}
