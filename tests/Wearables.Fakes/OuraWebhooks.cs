using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Fakes;

/// <summary>
/// Oura's v2 webhooks: when a subscription is created for a callback URL, Oura first calls
/// <c>GET {callback}?verification_token=…&amp;challenge=…</c> and keeps the subscription only if the
/// answer is 200 <c>{"challenge": "…"}</c>. Events are
/// <c>{"event_type", "data_type", "object_id", "event_time", "user_id"}</c> signed, as client code
/// reports it (not in Oura's official documentation), with <c>x-oura-timestamp</c> and
/// <c>x-oura-signature</c> = upper-case hex HMAC-SHA256(client secret, timestamp + body). The
/// timestamp's format is unconfirmed: this fake sends Unix seconds.
/// </summary>
/// <param name="oura">The Oura fake whose app and users the events are of.</param>
/// <param name="clock">Oura's clock for the timestamps (the service's, in tests where time is faked).</param>
public sealed class OuraWebhooks(FakeCatalogProvider oura, TimeProvider? clock = null) : IDisposable
{
    public static readonly IReadOnlyList<string> EventTypes = ["create", "update", "delete"];

    public static readonly IReadOnlyList<string> DataTypes = ["tag", "enhanced_tag", "workout", "session", "sleep", "daily_sleep", "daily_readiness", "daily_activity", "daily_spo2", "sleep_time", "rest_mode_period", "ring_configuration", "daily_stress", "daily_cycle_phases"];

    private readonly TimeProvider time = clock ?? oura?.TimeProvider ?? TimeProvider.System;

    /// <summary>The calls Oura made to callback URLs (challenges and events).</summary>
    public WebhookSender Sender { get; } = new();

    /// <summary>Upper-case hex HMAC-SHA256(<paramref name="clientSecret"/>, <paramref name="timestamp"/> + body).</summary>
    public static string Sign(string clientSecret, string timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(clientSecret), (byte[])[.. Encoding.UTF8.GetBytes(timestamp), .. body]));
    }

    /// <summary>
    /// Oura's check of a callback URL while a subscription is being created: a GET with the
    /// verification token and a fresh challenge; true when the answer is 200 and echoes the challenge.
    /// </summary>
    public async Task<(bool Verified, WebhookCall Call)> VerifyCallbackAsync(Uri callbackUrl, string verificationToken)
    {
        var challenge = RandomNumberGenerator.GetHexString(24, lowercase: true);
        var url = QueryHelpers.AddQueryString(callbackUrl.ToString(), new Dictionary<string, string?> { ["verification_token"] = verificationToken, ["challenge"] = challenge });
        var call = await Sender.GetAsync(new Uri(url)).ConfigureAwait(false);
        return (call.StatusCode == 200 && EchoesChallenge(call.ResponseBody, challenge), call);
    }

    /// <summary>The exact bytes Oura sends for a change of one object of a user.</summary>
    public byte[] EventBody(string eventType, string dataType, string userId, string? objectId = null, DateTimeOffset? eventTime = null) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["event_type"] = eventType,
            ["data_type"] = dataType,
            ["object_id"] = objectId ?? Guid.NewGuid().ToString("D"),
            ["event_time"] = (eventTime ?? time.GetUtcNow()).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            ["user_id"] = userId,
        });

    /// <summary>A signed event about <paramref name="userId"/> (the fake's current user by default), timestamped now.</summary>
    public Task<WebhookCall> SendEventAsync(Uri callbackUrl, string eventType, string dataType, string? userId = null) =>
        SendSignedAsync(callbackUrl, EventBody(eventType, dataType, userId ?? oura.UserId), oura.ClientSecret, time.GetUtcNow());

    /// <summary>Exactly <paramref name="body"/>, timestamped <paramref name="signedAt"/> (Unix seconds) and signed with <paramref name="clientSecret"/>.</summary>
    public Task<WebhookCall> SendSignedAsync(Uri callbackUrl, byte[] body, string clientSecret, DateTimeOffset signedAt)
    {
        var timestamp = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return Sender.PostJsonAsync(callbackUrl, body, new Dictionary<string, string>
        {
            ["x-oura-timestamp"] = timestamp,
            ["x-oura-signature"] = Sign(clientSecret, timestamp, body),
        });
    }

    public void Dispose() => Sender.Dispose();

    private static bool EchoesChallenge(string body, string challenge)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("challenge", out var echoed)
                && echoed.ValueKind == JsonValueKind.String && echoed.GetString() == challenge;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
