using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Webhooks;
using Wearables.Application.Webhooks.Commands.DeleteWebhookSubscription;
using Wearables.Application.Webhooks.Commands.PutWebhookSubscription;
using Wearables.Application.Webhooks.Queries.GetWebhookSubscription;

namespace Wearables.Api.Controllers;

/// <summary>
/// The project's webhook subscription at the provider, pointing at
/// <c>&lt;PublicBaseUrl&gt;/v1/wearables/{provider}/webhooks/{projectId}</c>. Admin only.
/// </summary>
[ApiController]
[Route("v1/wearables/{provider}/webhook-subscription")]
[Authorize(Policy = Policies.Admin)]
[ProducesResponseType(typeof(WebhookSubscriptionResponse), StatusCodes.Status200OK, "application/json")]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class WebhookSubscriptionController(IMediator mediator) : ControllerBase
{
    /// <summary>
    /// Creates the subscription at the provider (idempotent: an existing one is answered). Strava:
    /// <c>POST /push_subscriptions</c> with a verify token the service generates and keeps; Polar:
    /// <c>POST /webhooks</c>, whose one-time signature key becomes the project's webhook secret.
    /// The credentials must be on file (422); the provider's refusal → 502 with its reason.
    /// </summary>
    [HttpPut]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status502BadGateway, ProblemWriter.ContentType)]
    public async Task<WebhookSubscriptionResponse> Put(string provider, CancellationToken cancellationToken) =>
        WebhookSubscriptionResponse.From(await mediator.Send(new PutWebhookSubscriptionCommand(provider), cancellationToken).ConfigureAwait(false));

    /// <summary>The state: <c>{provider, subscribed, callbackUrl, subscriptionId}</c>.</summary>
    [HttpGet]
    public async Task<WebhookSubscriptionResponse> Get(string provider, CancellationToken cancellationToken) =>
        WebhookSubscriptionResponse.From(await mediator.Send(new GetWebhookSubscriptionQuery(provider), cancellationToken).ConfigureAwait(false));

    /// <summary>Removes the subscription at the provider and here, with its webhook secret (idempotent).</summary>
    [HttpDelete]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status502BadGateway, ProblemWriter.ContentType)]
    public async Task<WebhookSubscriptionResponse> Delete(string provider, CancellationToken cancellationToken) =>
        WebhookSubscriptionResponse.From(await mediator.Send(new DeleteWebhookSubscriptionCommand(provider), cancellationToken).ConfigureAwait(false));
}

/// <summary>A project's webhook subscription at a provider.</summary>
public sealed class WebhookSubscriptionResponse
{
    public required string Provider { get; init; }

    public required bool Subscribed { get; init; }

    /// <summary>Where the provider sends (or would send) this project's events.</summary>
    public required string CallbackUrl { get; init; }

    /// <summary>The provider's id of the subscription; null when not subscribed.</summary>
    public required string? SubscriptionId { get; init; }

    public static WebhookSubscriptionResponse From(WebhookSubscriptionView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new() { Provider = view.Provider, Subscribed = view.Subscribed, CallbackUrl = view.CallbackUrl, SubscriptionId = view.SubscriptionId };
    }
}
