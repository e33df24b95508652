using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Wearables.Fakes;

/// <summary>
/// Fitbit's subscriber notifications (dev.fitbit.com …/developer-guide/using-subscriptions), for the Fitbit
/// fake's client: the subscriber is verified with two GETs, <c>?verify=&lt;the right code&gt;</c> (must be
/// 204) and <c>?verify=&lt;a wrong one&gt;</c> (must be 404); notifications are a JSON array
/// <c>[{collectionType, date, ownerId, ownerType, subscriptionId}]</c> signed with <c>X-Fitbit-Signature</c> =
/// base64(HMAC-SHA1(client secret + "&amp;", body)), and Fitbit counts only a 204 (within 5 s) as delivered.
/// </summary>
public sealed class FitbitWebhooks(FakeCatalogProvider fitbit) : IDisposable
{
    public WebhookSender Sender { get; } = new();

    /// <summary>Fitbit's verification: true when the right code got 204 and a wrong one 404.</summary>
    public async Task<bool> VerifySubscriberAsync(Uri url, string code)
    {
        ArgumentNullException.ThrowIfNull(url);
        var right = await Sender.GetAsync(WithQuery(url, "verify", code)).ConfigureAwait(false);
        var wrong = await Sender.GetAsync(WithQuery(url, "verify", RandomNumberGenerator.GetHexString(64, lowercase: true))).ConfigureAwait(false);
        return right.StatusCode == 204 && right.ResponseBody.Length == 0 && wrong.StatusCode == 404;
    }

    /// <summary>The exact bytes of a notification for <paramref name="ownerId"/> (a collection type per entry).</summary>
    public byte[] Body(string ownerId, params string[] collectionTypes) =>
        WebhookSender.Json(collectionTypes.Select(type => new Dictionary<string, object>
        {
            ["collectionType"] = type,
            ["date"] = fitbit.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["ownerId"] = ownerId,
            ["ownerType"] = "user",
            ["subscriptionId"] = ownerId + "-" + type,
        }).ToList());

    /// <summary>The base64 HMAC-SHA1 Fitbit puts in <c>X-Fitbit-Signature</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do not use weak cryptographic algorithms", Justification = "Fitbit's signature scheme.")]
    public static string Sign(string clientSecret, byte[] body) => Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(clientSecret + "&"), body));

    /// <summary>A notification signed with the client's secret (or <paramref name="signature"/> as given; null sends none).</summary>
    public Task<WebhookCall> NotifyAsync(Uri url, byte[] body, string? signature = "") =>
        Sender.PostJsonAsync(url, body, signature is null
            ? null
            : new Dictionary<string, string> { ["X-Fitbit-Signature"] = signature.Length == 0 ? Sign(fitbit.ClientSecret, body) : signature });

    /// <summary>Fitbit counts only this as delivered: 204 without a body.</summary>
    public static bool Delivered(WebhookCall call) => call is { StatusCode: 204, ResponseBody.Length: 0 };

    public void Dispose() => Sender.Dispose();

    private static Uri WithQuery(Uri url, string name, string value) =>
        new(url + (string.IsNullOrEmpty(url.Query) ? "?" : "&") + name + "=" + Uri.EscapeDataString(value));
}
