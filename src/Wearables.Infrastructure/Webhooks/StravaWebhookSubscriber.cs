using Wearables.Application.Providers;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Strava's push subscriptions (one per app): <c>POST {ApiBaseUrl}/push_subscriptions</c> with the
/// form fields client_id, client_secret, callback_url and verify_token. Strava calls the callback
/// URL's handshake while that request is open, then answers 201 <c>{"id": N}</c>;
/// <c>DELETE /push_subscriptions/{id}?client_id&amp;client_secret</c> answers 204.
/// </summary>
internal sealed class StravaWebhookSubscriber(WebhookSubscriptionCalls calls) : IWebhookSubscriber
{
    public string Provider => "strava";

    public bool NeedsVerifyToken => true;

    public async Task<CreatedSubscription> CreateAsync(ProviderDescriptor provider, WebhookAppCredentials app, string callbackUrl, string? verifyToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(app);
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.ApiUrl("push_subscriptions"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = app.ClientId,
                ["client_secret"] = app.ClientSecret,
                ["callback_url"] = callbackUrl,
                ["verify_token"] = verifyToken ?? throw new ArgumentNullException(nameof(verifyToken)),
            }),
        };
        var body = await calls.SendAsync(provider.DisplayName, request, [app.ClientSecret, verifyToken], notFoundIsDone: false, cancellationToken).ConfigureAwait(false);
        return new CreatedSubscription(WebhookSubscriptionCalls.ReadId(provider.DisplayName, body, "id"), SigningSecret: null);
    }

    public async Task DeleteAsync(ProviderDescriptor provider, WebhookAppCredentials app, string subscriptionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(app);
        var query = $"?client_id={Uri.EscapeDataString(app.ClientId)}&client_secret={Uri.EscapeDataString(app.ClientSecret)}";
        using var request = new HttpRequestMessage(HttpMethod.Delete, provider.ApiUrl("push_subscriptions/" + Uri.EscapeDataString(subscriptionId) + query));
        await calls.SendAsync(provider.DisplayName, request, [app.ClientSecret], notFoundIsDone: true, cancellationToken).ConfigureAwait(false);
    }
}
