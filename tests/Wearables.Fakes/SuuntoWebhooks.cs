using System.Security.Cryptography;
using System.Text;

namespace Wearables.Fakes;

/// <summary>
/// Suunto's notifications (suunto-api.developer.azure-api.net/webhooks): the notification URL and a
/// notification secret are set in the app's profile at Suunto (no API, no handshake). Each
/// notification is JSON naming its kind (<c>type</c>, e.g. <c>WORKOUT_CREATED</c>) and the user
/// (<c>username</c>, the token's <c>user</c> claim), with <c>X-HMAC-SHA256-Signature</c> over the body
/// with the secret; the encoding is unconfirmed, this fake sends lower-case hex.
/// </summary>
/// <param name="suunto">The Suunto fake whose users the notifications are of.</param>
public sealed class SuuntoWebhooks(FakeCatalogProvider suunto) : IDisposable
{
    public static readonly IReadOnlyList<string> KnownTypes = ["WORKOUT_CREATED", "ROUTE_CREATED", "ACTIVITY_CREATED", "SLEEP_CREATED", "RECOVERY_CREATED"];

    /// <summary>The calls Suunto made to the URL.</summary>
    public WebhookSender Sender { get; } = new();

    /// <summary>The notification URL as set in the app's profile.</summary>
    public Uri? Url { get; set; }

    /// <summary>The notification secret as set in the app's profile.</summary>
    public string? NotificationSecret { get; set; }

    /// <summary>Hex HMAC-SHA256(<paramref name="secret"/>, body).</summary>
    public static string Sign(string secret, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The exact bytes of a new-workout notification of <paramref name="username"/> (other kinds carry other objects).</summary>
    public byte[] EventBody(string type, string username) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["type"] = type,
            ["username"] = username,
            ["workout"] = new Dictionary<string, object>
            {
                ["workoutKey"] = RandomNumberGenerator.GetHexString(24, lowercase: true),
                ["activityId"] = 3,
                ["startTime"] = suunto.TimeProvider.GetUtcNow().AddHours(-1).ToUnixTimeMilliseconds(),
                ["totalTime"] = 3600,
            },
        });

    /// <summary>A signed notification about <paramref name="username"/> (the fake's current <c>user</c> claim by default) to <see cref="Url"/>.</summary>
    public Task<WebhookCall> SendEventAsync(string type, string? username = null)
    {
        var url = Url ?? throw new InvalidOperationException("No notification URL: set it first, as in Suunto's profile.");
        var secret = NotificationSecret ?? throw new InvalidOperationException("No notification secret: set it first, as in Suunto's profile.");
        return SendSignedAsync(url, EventBody(type, username ?? suunto.Username), secret);
    }

    /// <summary>Exactly <paramref name="body"/>, signed with <paramref name="secret"/>.</summary>
    public Task<WebhookCall> SendSignedAsync(Uri url, byte[] body, string secret) =>
        Sender.PostJsonAsync(url, body, new Dictionary<string, string> { ["X-HMAC-SHA256-Signature"] = Sign(secret, body) });

    public void Dispose() => Sender.Dispose();
}
