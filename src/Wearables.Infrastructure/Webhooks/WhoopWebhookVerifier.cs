using Microsoft.Extensions.Configuration;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// WHOOP (developer.whoop.com/docs/developing/webhooks): the webhook URL is set per app in WHOOP's
/// dashboard, so there is no handshake (404). Every event carries <c>X-WHOOP-Signature</c>, the
/// base64 HMAC-SHA256 of <c>X-WHOOP-Signature-Timestamp</c> (milliseconds since the epoch, as text)
/// followed by the exact body, keyed with the app's client secret. A timestamp further than the
/// tolerance from the receipt (either way) is refused like a wrong signature, so a captured
/// delivery cannot be replayed later. The body
/// <c>{"user_id": 10129, "id": "…", "type": "workout.updated", "trace_id": "…"}</c> names the user
/// as the profile call of the callback does (<c>user_id</c>); every type (workout, sleep, recovery;
/// <c>.updated</c> or <c>.deleted</c>) is new data. WHOOP sends no deauthorization: its API answers
/// 401 and the refresh <c>invalid_grant</c> once access is withdrawn.
/// </summary>
public sealed class WhoopWebhookVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "X-WHOOP-Signature";
    public const string TimestampHeader = "X-WHOOP-Signature-Timestamp";

    private readonly TimeSpan tolerance;

    /// <param name="configuration">Read for <c>Wearables:Providers:whoop:WebhookToleranceSeconds</c>.</param>
    public WhoopWebhookVerifier(IConfiguration configuration) => tolerance = WebhookSignatures.Tolerance(configuration, "whoop");

    public string Provider => "whoop";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets) => new(404, null);

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var timestamp = request.Header(TimestampHeader);
        return WebhookSignatures.FromUnixMilliseconds(timestamp) is { } signedAt
            && WebhookSignatures.IsFresh(signedAt, request.ReceivedAt, tolerance)
            && WebhookSignatures.Base64Matches(request.Header(SignatureHeader), secrets.ClientSecret, timestamp, request.Body.Span)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WebhookJson.Read(request.Body, root =>
        {
            var userId = WebhookJson.Id(root, "user_id");
            var type = WebhookJson.Text(root, "type");
            if (userId is null || type is not { Length: > 0 } || !type.Contains('.', StringComparison.Ordinal))
            {
                return null;
            }

            // trace_id names the delivery (a retry repeats it); without one, the exact body does.
            return new WebhookEvents([new WebhookEvent(userId, WebhookEventKind.Data, null)], WebhookJson.Id(root, "trace_id"));
        });
    }

    /// <summary>The base64 HMAC-SHA256(client secret, timestamp + body), as WHOOP signs.</summary>
    public static string Sign(string clientSecret, string timestamp, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(WebhookSignatures.Compute(clientSecret, timestamp, body));
}
