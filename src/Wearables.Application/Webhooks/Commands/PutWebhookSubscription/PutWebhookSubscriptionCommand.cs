using System.Security.Cryptography;
using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;

namespace Wearables.Application.Webhooks.Commands.PutWebhookSubscription;

/// <summary>
/// Creates the project's subscription at the provider, pointing at the project's webhook URL.
/// Idempotent: a project already subscribed gets its subscription answered. Where the provider
/// checks the URL with a token of ours during the call (Strava), the token is generated and stored
/// (sealed, as the project's webhook secret) first, so the handshake already answers; where it
/// answers with a signing key shown once (Polar), that key becomes the project's webhook secret.
/// </summary>
public sealed record PutWebhookSubscriptionCommand(string Provider) : IRequest<WebhookSubscriptionView>, IProviderRequest;

public sealed partial class PutWebhookSubscriptionCommandHandler(ProjectWebhookSubscription project, ILogger<PutWebhookSubscriptionCommandHandler> logger)
    : IRequestHandler<PutWebhookSubscriptionCommand, WebhookSubscriptionView>
{
    public async Task<WebhookSubscriptionView> Handle(PutWebhookSubscriptionCommand request, CancellationToken cancellationToken)
    {
        var target = await project.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (target.Existing is not null)
        {
            return target.View(target.Existing);
        }

        var app = await project.RequireCredentialsAsync(target, cancellationToken).ConfigureAwait(false);
        string? verifyToken = null;
        if (target.Subscriber.NeedsVerifyToken)
        {
            verifyToken = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            await project.SetWebhookSecretAsync(target, app, verifyToken, cancellationToken).ConfigureAwait(false);
        }

        var created = await target.Subscriber.CreateAsync(target.Provider, new WebhookAppCredentials(app.ClientId, app.ClientSecret), target.CallbackUrl, verifyToken, cancellationToken).ConfigureAwait(false);
        if (created.SigningSecret is { Length: > 0 } signingSecret)
        {
            await project.SetWebhookSecretAsync(target, app, signingSecret, cancellationToken).ConfigureAwait(false);
        }

        var subscription = new WebhookSubscription(target.ProjectId, target.Provider.Slug, created.SubscriptionId, target.CallbackUrl, project.Time.GetUtcNow());
        await project.Store.SetAsync(subscription, cancellationToken).ConfigureAwait(false);
        LogSubscribed(logger, target.Provider.Slug, target.ProjectId, created.SubscriptionId);
        return target.View(subscription);
    }

    [LoggerMessage(LogLevel.Information, "Webhook subscription {SubscriptionId} of {Provider} created for project {ProjectId}")]
    private static partial void LogSubscribed(ILogger logger, string provider, string projectId, string subscriptionId);
}
