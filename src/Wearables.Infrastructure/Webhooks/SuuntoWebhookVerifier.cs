using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Suunto (suunto-api.developer.azure-api.net/webhooks): the notification URL and a notification
/// secret are set in the app's profile at Suunto, so there is no handshake (404); the project's
/// webhook secret is that notification secret. Every notification carries
/// <c>X-HMAC-SHA256-Signature</c> over the exact body with the secret. Unconfirmed: the signature's
/// encoding (taken as hex, any case). Notifications are JSON naming the user by <c>username</c> and
/// their kind by <c>type</c> (<c>WORKOUT_CREATED</c>, routes, 24/7 activity, sleep and recovery):
/// each is new data of that user (the legacy form-encoded notifications are not taken). A
/// connection is found by its provider user id, so the username matches only where the callback
/// stores the username as the user id (<c>Wearables:Providers:suunto:UserIdPath</c> = <c>user</c>;
/// unconfirmed whether the token's default <c>sub</c> claim equals it). No deauthorization is known (unconfirmed).
/// </summary>
public sealed class SuuntoWebhookVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "X-HMAC-SHA256-Signature";

    public string Provider => "suunto";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets) => new(404, null);

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        return WebhookSignatures.HexMatches(request.Header(SignatureHeader), secrets.WebhookSecret, null, request.Body.Span)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WebhookJson.Read(request.Body, root =>
            WebhookJson.Id(root, "username") is { } username && !string.IsNullOrEmpty(WebhookJson.Text(root, "type"))
                ? new WebhookEvents([new WebhookEvent(username, WebhookEventKind.Data, null)], null)
                : null);
    }

    /// <summary>The hex HMAC-SHA256(notification secret, body), as Suunto is taken to sign (unconfirmed encoding).</summary>
    public static string Sign(string notificationSecret, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(WebhookSignatures.Compute(notificationSecret, null, body));
}
