using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Providers;

namespace Wearables.Application.Webhooks.Queries.GetWebhookSubscription;

/// <summary>The project's subscription at the provider as the service created it, and the callback URL it points (or would point) at.</summary>
public sealed record GetWebhookSubscriptionQuery(string Provider) : IRequest<WebhookSubscriptionView>, IProviderRequest;

public sealed class GetWebhookSubscriptionQueryHandler(ICallerContext caller, RequestedProvider requested, IWebhookSubscriptionStore subscriptions, IWebhookCallbackUri callbackUri)
    : IRequestHandler<GetWebhookSubscriptionQuery, WebhookSubscriptionView>
{
    public async Task<WebhookSubscriptionView> Handle(GetWebhookSubscriptionQuery request, CancellationToken cancellationToken)
    {
        var projectId = caller.Caller.ProjectId;
        var provider = requested.Descriptor.Slug;
        var subscription = await subscriptions.GetAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
        return WebhookSubscriptionView.Of(provider, callbackUri.ForProject(provider, projectId), subscription);
    }
}
