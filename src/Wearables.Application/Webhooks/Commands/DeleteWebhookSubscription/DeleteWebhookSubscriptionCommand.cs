using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;

namespace Wearables.Application.Webhooks.Commands.DeleteWebhookSubscription;

/// <summary>
/// Removes the project's subscription at the provider, then here, with the webhook secret it used
/// (events signed with it are no longer accepted). Idempotent: nothing subscribed, nothing to do.
/// </summary>
public sealed record DeleteWebhookSubscriptionCommand(string Provider) : IRequest<WebhookSubscriptionView>, IProviderRequest;

public sealed partial class DeleteWebhookSubscriptionCommandHandler(ProjectWebhookSubscription project, ILogger<DeleteWebhookSubscriptionCommandHandler> logger)
    : IRequestHandler<DeleteWebhookSubscriptionCommand, WebhookSubscriptionView>
{
    public async Task<WebhookSubscriptionView> Handle(DeleteWebhookSubscriptionCommand request, CancellationToken cancellationToken)
    {
        var target = await project.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (target.Existing is not { } existing)
        {
            return target.View(null);
        }

        var app = await project.RequireCredentialsAsync(target, cancellationToken).ConfigureAwait(false);
        await target.Subscriber.DeleteAsync(target.Provider, new WebhookAppCredentials(app.ClientId, app.ClientSecret), existing.SubscriptionId, cancellationToken).ConfigureAwait(false);
        await project.Store.DeleteAsync(target.ProjectId, target.Provider.Slug, cancellationToken).ConfigureAwait(false);
        await project.SetWebhookSecretAsync(target, app, null, cancellationToken).ConfigureAwait(false);
        LogRemoved(logger, target.Provider.Slug, target.ProjectId, existing.SubscriptionId);
        return target.View(null);
    }

    [LoggerMessage(LogLevel.Information, "Webhook subscription {SubscriptionId} of {Provider} removed for project {ProjectId}")]
    private static partial void LogRemoved(ILogger logger, string provider, string projectId, string subscriptionId);
}
