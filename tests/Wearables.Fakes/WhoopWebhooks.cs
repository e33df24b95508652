using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Fakes;

/// <summary>
/// WHOOP's webhooks (developer.whoop.com/docs/developing/webhooks): one URL per app, set in WHOOP's
/// developer dashboard (no API, no handshake). Each event is
/// <c>{"user_id": 10129, "id": "…", "type": "workout.updated", "trace_id": "…"}</c> with
/// <c>X-WHOOP-Signature-Timestamp</c> (milliseconds since the epoch) and <c>X-WHOOP-Signature</c> =
/// base64 HMAC-SHA256(client secret, timestamp + body). WHOOP sends no deauthorization.
/// </summary>
/// <param name="whoop">The WHOOP fake whose app and users the events are of.</param>
/// <param name="clock">WHOOP's clock for the timestamps (the service's, in tests where time is faked).</param>
public sealed class WhoopWebhooks(FakeCatalogProvider whoop, TimeProvider? clock = null) : IDisposable
{
    public static readonly IReadOnlyList<string> KnownTypes =
        ["workout.updated", "workout.deleted", "sleep.updated", "sleep.deleted", "recovery.updated", "recovery.deleted"];

    private readonly TimeProvider time = clock ?? whoop?.TimeProvider ?? TimeProvider.System;

    /// <summary>The calls WHOOP made to the URL.</summary>
    public WebhookSender Sender { get; } = new();

    /// <summary>The webhook URL as entered in WHOOP's dashboard for the app.</summary>
    public Uri? Url { get; set; }

    /// <summary>base64 HMAC-SHA256(<paramref name="clientSecret"/>, <paramref name="timestamp"/> + body), as WHOOP signs.</summary>
    public static string Sign(string clientSecret, string timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(clientSecret), (byte[])[.. Encoding.UTF8.GetBytes(timestamp), .. body]));
    }

    /// <summary>The exact bytes WHOOP sends for a change of a user's data (<c>user_id</c> a JSON number).</summary>
    public static byte[] EventBody(long userId, string type, string? objectId = null, string? traceId = null) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["user_id"] = userId,
            ["id"] = objectId ?? Guid.NewGuid().ToString("D"),
            ["type"] = type,
            ["trace_id"] = traceId ?? Guid.NewGuid().ToString("D"),
        });

    /// <summary>A signed event about <paramref name="userId"/> (the fake's current user by default) to <see cref="Url"/>, timestamped now.</summary>
    public Task<WebhookCall> SendEventAsync(string type, string? userId = null)
    {
        var url = Url ?? throw new InvalidOperationException("No webhook URL: set it first, as in WHOOP's dashboard.");
        var body = EventBody(long.Parse(userId ?? whoop.UserId, NumberStyles.None, CultureInfo.InvariantCulture), type);
        return SendSignedAsync(url, body, whoop.ClientSecret, time.GetUtcNow());
    }

    /// <summary>Exactly <paramref name="body"/>, timestamped <paramref name="signedAt"/> and signed with <paramref name="clientSecret"/>.</summary>
    public Task<WebhookCall> SendSignedAsync(Uri url, byte[] body, string clientSecret, DateTimeOffset signedAt)
    {
        var timestamp = signedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return Sender.PostJsonAsync(url, body, new Dictionary<string, string>
        {
            ["X-WHOOP-Signature-Timestamp"] = timestamp,
            ["X-WHOOP-Signature"] = Sign(clientSecret, timestamp, body),
        });
    }

    public void Dispose() => Sender.Dispose();
}
