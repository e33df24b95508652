using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Fitbit (dev.fitbit.com …/developer-guide/using-subscriptions): the subscriber set up in Fitbit's
/// developer portal is verified with <c>GET ?verify=&lt;code&gt;</c>, answered 204 for the right code
/// (the project's webhook secret) and 404 for a wrong one: Fitbit checks both. Notifications are a
/// JSON array <c>[{collectionType, date, ownerId, ownerType, subscriptionId}]</c>, signed with
/// <c>X-Fitbit-Signature</c> = base64(HMAC-SHA1(client secret + "&amp;", exact body)), checked in constant
/// time; a missing or wrong signature is a 401 (the service's rule for every provider; providers.md
/// names no other answer). Fitbit wants 204 within 5 s for every notification it sent well.
/// <c>collectionType: "userRevokedAccess"</c> is the user's deauthorization; <c>ownerId</c> is the
/// <c>user_id</c> of the token answer, which the callback stored as the provider user id.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do not use weak cryptographic algorithms", Justification = "HMAC-SHA1 is Fitbit's signature scheme; the service only checks it.")]
public sealed class FitbitWebhookVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "X-Fitbit-Signature";

    /// <summary>The collection types that end the grant. <c>deleteUser</c> (the account is gone) is named beside
    /// <c>userRevokedAccess</c> in Fitbit's subscription docs but not in providers.md: unconfirmed, and harmless to honour.</summary>
    private static readonly HashSet<string> Deauthorizations = new(["userRevokedAccess", "deleteUser"], StringComparer.Ordinal);

    /// <summary>Fitbit's verification codes are 64 hex characters; anything much longer is not Fitbit.</summary>
    private const int MaxCodeLength = 256;

    public string Provider => "fitbit";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public int SuccessStatus => 204;

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var code = request.QueryValue("verify");
        return code is { Length: > 0 and <= MaxCodeLength } && WebhookTokens.Equal(code, secrets.WebhookSecret)
            ? new WebhookHandshakeAnswer(204, null)
            : new WebhookHandshakeAnswer(404, null, "webhook_verify_code_invalid");
    }

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        return secrets.ClientSecret is { Length: > 0 } secret && SignatureMatches(request.Header(SignatureHeader), secret, request.Body.Span)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var document = WebhookJson.ParseArray(request.Body);
        if (document is null)
        {
            return null;
        }

        var events = new List<WebhookEvent>();
        foreach (var notification in document.RootElement.EnumerateArray())
        {
            var collectionType = notification.ValueKind == JsonValueKind.Object ? WebhookJson.Text(notification, "collectionType") : null;
            var ownerId = collectionType is null ? null : WebhookJson.Id(notification, "ownerId");
            if (string.IsNullOrEmpty(collectionType) || ownerId is null)
            {
                return null;
            }

            var kind = Deauthorizations.Contains(collectionType) ? WebhookEventKind.Deauthorized : WebhookEventKind.Data;

            // Fitbit's `date` is a day, not a time: the event counts as received now. One event per user and kind is enough.
            if (!events.Any(e => e.ProviderUserId == ownerId && e.Kind == kind))
            {
                events.Add(new WebhookEvent(ownerId, kind, null));
            }
        }

        return events.Count == 0 ? null : new WebhookEvents(events, null);
    }

    /// <summary>The base64 of HMAC-SHA1(client secret + "&amp;", body), as Fitbit signs.</summary>
    public static string Sign(string clientSecret, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA1.HashSizeInBytes];
        Mac(clientSecret, body, mac);
        return Convert.ToBase64String(mac);
    }

    private static void Mac(string clientSecret, ReadOnlySpan<byte> body, Span<byte> destination) =>
        HMACSHA1.HashData(Encoding.UTF8.GetBytes(clientSecret + "&"), body, destination);

    private static bool SignatureMatches(string? header, string clientSecret, ReadOnlySpan<byte> body)
    {
        if (header is null || header.Length > 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[48];
        if (!Convert.TryFromBase64String(header.Trim(), given, out var written) || written != HMACSHA1.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA1.HashSizeInBytes];
        Mac(clientSecret, body, expected);
        return CryptographicOperations.FixedTimeEquals(given[..written], expected);
    }
}
