using System.Globalization;
using System.Text.Json;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Polar AccessLink (webhooks of the v3 API): every event carries <c>Polar-Webhook-Signature</c>,
/// the hex HMAC-SHA256 of the raw body with the project's webhook secret (the
/// <c>signature_secret_key</c> Polar showed once), checked over the exact bytes received and in
/// constant time. A <c>PING</c> (header <c>Polar-Webhook-Event: PING</c>) is answered 200 whatever
/// its signature: Polar sends it while the webhook is being created, before the service has the key.
/// Polar has no handshake and sends no deauthorization (its API starts answering 401).
/// </summary>
public sealed class PolarWebhookVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "Polar-Webhook-Signature";
    public const string EventHeader = "Polar-Webhook-Event";

    public string Provider => "polar";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets) => new(404, null);

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.Equals(request.Header(EventHeader), "PING", StringComparison.Ordinal))
        {
            return WebhookProof.Ping;
        }

        return WebhookSignatures.HexMatches(request.Header(SignatureHeader), secrets.WebhookSecret, null, request.Body.Span)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WebhookJson.Read(request.Body, Events);
    }

    private static WebhookEvents? Events(JsonElement root)
    {
        var name = WebhookJson.Text(root, "event");
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (name == "PING")
        {
            return new WebhookEvents([], null);
        }

        var userId = WebhookJson.Id(root, "user_id");
        if (userId is null)
        {
            return null;
        }

        DateTimeOffset? occurredAt = DateTimeOffset.TryParse(WebhookJson.Text(root, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new WebhookEvents([new WebhookEvent(userId, WebhookEventKind.Data, occurredAt)], null);
    }

    /// <summary>The hex of HMAC-SHA256(secret, body), computed over <paramref name="body"/> as received.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(WebhookSignatures.Compute(secret, null, body));
}
