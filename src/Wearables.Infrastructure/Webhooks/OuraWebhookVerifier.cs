using System.Globalization;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Oura (v2 webhook subscriptions): creating a subscription makes Oura call
/// <c>GET ?verification_token=…&amp;challenge=…</c>, answered <c>{"challenge": "…"}</c> only when the
/// token is the project's webhook secret (constant time); otherwise 403. Events are JSON
/// <c>{"event_type": "create"|"update"|"delete", "data_type": "sleep"|…, "object_id", "event_time", "user_id"}</c>,
/// each new data of <c>user_id</c> (unconfirmed: that it is the <c>id</c> of <c>personal_info</c>, which the
/// callback stores). Unconfirmed, not in Oura's official documentation (taken from client code):
/// <c>x-oura-signature</c> = upper-case hex HMAC-SHA256(client secret, <c>x-oura-timestamp</c> + body);
/// hex is accepted in any case, the timestamp header is required, and when it reads as a time (Unix
/// seconds or milliseconds, or ISO 8601) it must lie within the tolerance of the receipt. Oura sends
/// no deauthorization that is known (unconfirmed).
/// </summary>
public sealed class OuraWebhookVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "x-oura-signature";
    public const string TimestampHeader = "x-oura-timestamp";

    /// <summary>Oura's challenges are short random strings; anything longer is not Oura.</summary>
    private const int MaxChallengeLength = 256;

    /// <summary>Below this a number is taken as seconds (it is before 1973 as milliseconds).</summary>
    private const long MillisecondsFrom = 100_000_000_000;

    private readonly TimeSpan tolerance;

    /// <param name="configuration">Read for <c>Wearables:Providers:oura:WebhookToleranceSeconds</c>.</param>
    public OuraWebhookVerifier(IConfiguration configuration) => tolerance = WebhookSignatures.Tolerance(configuration, "oura");

    public string Provider => "oura";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var challenge = request.QueryValue("challenge");
        var valid = challenge is { Length: > 0 and <= MaxChallengeLength } && challenge.All(c => c is > ' ' and < (char)127)
            && WebhookTokens.Equal(request.QueryValue("verification_token"), secrets.WebhookSecret);
        return valid
            ? new WebhookHandshakeAnswer(200, new Dictionary<string, string> { ["challenge"] = challenge! })
            : new WebhookHandshakeAnswer(403, null);
    }

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var timestamp = request.Header(TimestampHeader);
        return timestamp is { Length: > 0 and <= 64 }
            && (SignedAt(timestamp) is not { } signedAt || WebhookSignatures.IsFresh(signedAt, request.ReceivedAt, tolerance))
            && WebhookSignatures.HexMatches(request.Header(SignatureHeader), secrets.ClientSecret, timestamp, request.Body.Span)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WebhookJson.Read(request.Body, root =>
        {
            var userId = WebhookJson.Id(root, "user_id");
            if (userId is null || string.IsNullOrEmpty(WebhookJson.Text(root, "event_type")) || string.IsNullOrEmpty(WebhookJson.Text(root, "data_type")))
            {
                return null;
            }

            DateTimeOffset? occurredAt = DateTimeOffset.TryParse(WebhookJson.Text(root, "event_time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
            return new WebhookEvents([new WebhookEvent(userId, WebhookEventKind.Data, occurredAt)], null);
        });
    }

    /// <summary>The upper-case hex HMAC-SHA256(client secret, timestamp + body), as Oura is reported to sign.</summary>
    public static string Sign(string clientSecret, string timestamp, ReadOnlySpan<byte> body) =>
        Convert.ToHexString(WebhookSignatures.Compute(clientSecret, timestamp, body));

    /// <summary>The timestamp's instant when it reads as one; its format is unconfirmed, so an unreadable one is only signed over.</summary>
    private static DateTimeOffset? SignedAt(string timestamp)
    {
        if (long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number < MillisecondsFrom
                ? DateTimeOffset.FromUnixTimeSeconds(number)
                : WebhookSignatures.FromUnixMilliseconds(timestamp) ?? DateTimeOffset.MaxValue;
        }

        return DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }
}
