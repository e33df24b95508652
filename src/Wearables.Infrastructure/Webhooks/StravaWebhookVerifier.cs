using System.Text.Json;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Strava (developers.strava.com/docs/webhooks): the handshake is <c>GET ?hub.mode=subscribe&amp;hub.verify_token&amp;hub.challenge</c>,
/// answered <c>{"hub.challenge": …}</c> only for the project's verify token (its stored webhook
/// secret). Events are unsigned JSON: they count only for the project's subscription (when the
/// service knows it) and name the athlete as <c>owner_id</c>; <c>object_type: "athlete"</c> with
/// <c>updates.authorized: "false"</c> is the athlete's deauthorization.
/// </summary>
public sealed class StravaWebhookVerifier : IWebhookVerifier
{
    /// <summary>Strava's challenges are short random strings; anything longer is not Strava.</summary>
    private const int MaxChallengeLength = 256;

    public string Provider => "strava";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var challenge = request.QueryValue("hub.challenge");
        var valid = request.QueryValue("hub.mode") == "subscribe"
            && challenge is { Length: > 0 and <= MaxChallengeLength } && challenge.All(c => c is > ' ' and < (char)127)
            && WebhookTokens.Equal(request.QueryValue("hub.verify_token"), secrets.WebhookSecret);
        return valid
            ? new WebhookHandshakeAnswer(200, new Dictionary<string, string> { ["hub.challenge"] = challenge! })
            : new WebhookHandshakeAnswer(403, null);
    }

    /// <summary>Strava signs nothing: what an event may do is bounded by <see cref="Parse"/>'s checks.</summary>
    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets) => WebhookProof.Valid;

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        return WebhookJson.Read(request.Body, root => Events(root, secrets));
    }

    private static WebhookEvents? Events(JsonElement root, WebhookSecrets secrets)
    {
        var ownerId = WebhookJson.Id(root, "owner_id");
        var subscriptionId = WebhookJson.Id(root, "subscription_id");
        var objectType = WebhookJson.Text(root, "object_type");
        var aspectType = WebhookJson.Text(root, "aspect_type");
        if (ownerId is null || subscriptionId is null || string.IsNullOrEmpty(objectType) || string.IsNullOrEmpty(aspectType))
        {
            return null;
        }

        if (secrets.SubscriptionId is { } ours && !string.Equals(ours, subscriptionId, StringComparison.Ordinal))
        {
            return new WebhookEvents([], null, Ignored: 1);
        }

        var occurredAt = WebhookJson.UnixSeconds(root, "event_time");
        var kind = objectType == "athlete" && IsDeauthorization(root) ? WebhookEventKind.Deauthorized : WebhookEventKind.Data;
        return new WebhookEvents([new WebhookEvent(ownerId, kind, occurredAt)], null);
    }

    /// <summary><c>updates.authorized</c> is the string <c>"false"</c> (Strava's documented form); a JSON false is read the same.</summary>
    private static bool IsDeauthorization(JsonElement root) =>
        root.TryGetProperty("updates", out var updates) && updates.ValueKind == JsonValueKind.Object
        && updates.TryGetProperty("authorized", out var authorized)
        && (authorized.ValueKind == JsonValueKind.False || (authorized.ValueKind == JsonValueKind.String && authorized.GetString() == "false"));
}
