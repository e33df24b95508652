using System.Net;

namespace Wearables.Application.Webhooks;

/// <summary>
/// How one provider proves that a webhook call is its own, and what its events say: a small
/// strategy per provider (Strava, Polar; the next providers add one class each). It does no I/O:
/// the secrets are handed to it, and it answers from the request alone, so it can run before
/// anything is stored. Implementations compare secrets in constant time and never log them.
/// </summary>
public interface IWebhookVerifier
{
    /// <summary>The catalog slug this verifier speaks for.</summary>
    string Provider { get; }

    /// <summary>The media types its event bodies come in (others are a 415).</summary>
    IReadOnlyCollection<string> MediaTypes { get; }

    /// <summary>The status of the answer to an accepted delivery: 200 with the receipt, or 204 without a body (Fitbit requires 204).</summary>
    int SuccessStatus => 200;

    /// <summary>
    /// Whether deliveries are taken only from the provider's configured address ranges
    /// (<see cref="Providers.ProviderDescriptor.WebhookAllowedRanges"/>): a provider that signs nothing
    /// (Withings). With no range configured, every delivery is refused (403): it fails closed.
    /// </summary>
    bool RequiresAllowedSource => false;

    /// <summary>The subscription handshake (<c>GET</c> on the webhook URL): the answer to give.</summary>
    WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets);

    /// <summary>Whether <paramref name="request"/> (an event <c>POST</c>) carries the provider's proof, over the exact bytes received.</summary>
    WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets);

    /// <summary>
    /// The events of a verified body; null when the body is not what the provider sends (malformed
    /// JSON or missing fields: a 400). <paramref name="secrets"/> lets a verifier drop events that
    /// are not the project's (Strava: another subscription).
    /// </summary>
    WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets);
}

/// <summary>A webhook call as received: nothing parsed, the body exactly as its bytes arrived.</summary>
public sealed record WebhookRequest(
    string ProjectId,
    string Provider,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    IPAddress? RemoteAddress,
    DateTimeOffset ReceivedAt)
{
    /// <summary>A header by name, any case (names are kept lower-case).</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    public string? QueryValue(string name) => Query.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"WebhookRequest ({Provider}, project {ProjectId}, {Body.Length} bytes)";
}

/// <summary>
/// What a verifier may check a call against, opened for this call only: the project's app
/// credentials, its webhook secret (Strava: the verify token; Polar: the signature key) and the
/// provider-side subscription id when the service created one.
/// </summary>
public sealed record WebhookSecrets(string? ClientId, string? ClientSecret, string? WebhookSecret, string? SubscriptionId)
{
    public static readonly WebhookSecrets None = new(null, null, null, null);

    public override string ToString() => "WebhookSecrets [redacted]";
}

/// <summary>
/// The handshake's answer: a status, and a JSON object of strings to send (null for none). A refusal
/// may name its <paramref name="Error"/> code (Fitbit's wrong verification code is a 404 by its rules).
/// </summary>
public sealed record WebhookHandshakeAnswer(int Status, IReadOnlyDictionary<string, string>? Body, string? Error = null)
{
    public bool Accepted => Status is >= 200 and < 300;

    public override string ToString() => $"WebhookHandshakeAnswer ({Status})";
}

public enum WebhookProof
{
    /// <summary>The provider's proof holds (or the provider signs nothing and the body is checked later).</summary>
    Valid,

    /// <summary>A liveness call to be answered 200 and not processed (Polar's <c>PING</c>).</summary>
    Ping,

    /// <summary>Missing or wrong proof: 401.</summary>
    Invalid,
}

public enum WebhookEventKind
{
    /// <summary>New or changed data of the user: the connection's last event time moves.</summary>
    Data,

    /// <summary>The user withdrew the app's access at the provider: the connection is revoked.</summary>
    Deauthorized,

    /// <summary>The user changed what the app may read (Garmin's <c>userPermissionsChange</c>): the connection's scopes become <see cref="WebhookEvent.Scopes"/>.</summary>
    ScopesChanged,
}

/// <summary>
/// One event of a delivery, as much as the service keeps of it (never the payload itself);
/// <paramref name="Scopes"/> only with <see cref="WebhookEventKind.ScopesChanged"/>: the grant's scopes now, never empty.
/// </summary>
public sealed record WebhookEvent(string ProviderUserId, WebhookEventKind Kind, DateTimeOffset? OccurredAt, IReadOnlyList<string>? Scopes = null)
{
    public override string ToString() => $"WebhookEvent ({Kind})";
}

/// <summary>
/// The events of one delivery, with the provider's id for it where it has one (else repeats are
/// recognised by the body); <see cref="Ignored"/> counts events that are not the project's.
/// </summary>
public sealed record WebhookEvents(IReadOnlyList<WebhookEvent> Events, string? DeliveryId, int Ignored = 0);
