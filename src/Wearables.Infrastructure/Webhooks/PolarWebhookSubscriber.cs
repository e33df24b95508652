using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wearables.Application.Providers;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Polar AccessLink's webhook (one per client): <c>POST {ApiBaseUrl}/webhooks</c> with HTTP Basic
/// client credentials and <c>{"events": […], "url": …}</c>. Polar first sends a PING to the URL,
/// then answers 201 <c>{"data": {"id", "events", "url", "signature_secret_key"}}</c>, the key shown
/// this once; <c>DELETE /webhooks/{id}</c> answers 204.
/// </summary>
internal sealed class PolarWebhookSubscriber(WebhookSubscriptionCalls calls) : IWebhookSubscriber
{
    /// <summary>The event types the service subscribes to (Polar's names).</summary>
    public static readonly IReadOnlyList<string> Events = ["EXERCISE", "SLEEP", "CONTINUOUS_HEART_RATE"];

    public string Provider => "polar";

    public bool NeedsVerifyToken => false;

    public async Task<CreatedSubscription> CreateAsync(ProviderDescriptor provider, WebhookAppCredentials app, string callbackUrl, string? verifyToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(app);
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.ApiUrl("webhooks"))
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object> { ["events"] = Events, ["url"] = callbackUrl }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = Basic(app);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var body = await calls.SendAsync(provider.DisplayName, request, [app.ClientSecret], notFoundIsDone: false, cancellationToken).ConfigureAwait(false);
        var id = WebhookSubscriptionCalls.ReadId(provider.DisplayName, body, "data", "id");
        var key = WebhookSubscriptionCalls.ReadId(provider.DisplayName, body, "data", "signature_secret_key");
        return new CreatedSubscription(id, key);
    }

    public async Task DeleteAsync(ProviderDescriptor provider, WebhookAppCredentials app, string subscriptionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(app);
        using var request = new HttpRequestMessage(HttpMethod.Delete, provider.ApiUrl("webhooks/" + Uri.EscapeDataString(subscriptionId)));
        request.Headers.Authorization = Basic(app);
        await calls.SendAsync(provider.DisplayName, request, [app.ClientSecret], notFoundIsDone: true, cancellationToken).ConfigureAwait(false);
    }

    private static AuthenticationHeaderValue Basic(WebhookAppCredentials app) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{app.ClientId}:{app.ClientSecret}")));
}
