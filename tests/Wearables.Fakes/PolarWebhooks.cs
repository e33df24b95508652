using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wearables.Fakes;

/// <summary>The client's webhook at Polar (one per client), with the signing key Polar showed once.</summary>
public sealed record PolarWebhook(string Id, IReadOnlyList<string> Events, string Url, string SignatureSecretKey);

/// <summary>
/// AccessLink's webhooks (https://www.polar.com/accesslink-api/#webhooks): <c>POST /v3/webhooks</c>
/// (HTTP Basic) first POSTs a signed <c>PING</c> to the URL (<c>Polar-Webhook-Event: PING</c>), which
/// must answer 200, then answers 201 <c>{"data": {"id", "events", "url", "signature_secret_key"}}</c>;
/// a second webhook is a 409. <c>GET</c> lists it without the key, <c>DELETE /v3/webhooks/{id}</c>
/// ends it. Every event carries <c>Polar-Webhook-Signature</c>, hex HMAC-SHA256 of the body with the key.
/// </summary>
public sealed partial class FakePolar
{
    public static readonly IReadOnlyList<string> KnownEvents = ["EXERCISE", "SLEEP", "CONTINUOUS_HEART_RATE", "SLEEP_WISE_CIRCADIAN_BEDTIME", "SLEEP_WISE_ALERTNESS", "ACTIVITY_SUMMARY"];

    private readonly Lock webhookLock = new();
    private PolarWebhook? webhook;

    /// <summary>The calls this fake made to subscribers (pings and events).</summary>
    public WebhookSender Webhooks { get; } = new();

    public PolarWebhook? Webhook
    {
        get
        {
            lock (webhookLock)
            {
                return webhook;
            }
        }
    }

    public void ClearWebhook()
    {
        lock (webhookLock)
        {
            webhook = null;
        }
    }

    /// <summary>The hex HMAC-SHA256 of <paramref name="body"/> with <paramref name="key"/>, as Polar signs.</summary>
    public static string Sign(string key, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body));

    /// <summary>The exact bytes Polar sends for an event of a user.</summary>
    public byte[] EventBody(string eventType, long userId, string entityId) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["event"] = eventType,
            ["user_id"] = userId,
            ["entity_id"] = entityId,
            ["timestamp"] = TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["url"] = new Uri(ApiBaseUrl, "v3/exercises/" + entityId).ToString(),
        });

    /// <summary>A signed event to the webhook's URL.</summary>
    public Task<WebhookCall> SendEventAsync(string eventType, long userId, string? entityId = null)
    {
        var current = Webhook ?? throw new InvalidOperationException("No webhook: create one first.");
        var body = EventBody(eventType, userId, entityId ?? RandomNumberGenerator.GetHexString(8, lowercase: true));
        return SendSignedAsync(new Uri(current.Url), body, current.SignatureSecretKey, eventType);
    }

    /// <summary>Exactly <paramref name="body"/>, signed with <paramref name="key"/>.</summary>
    public Task<WebhookCall> SendSignedAsync(Uri url, byte[] body, string key, string eventType) =>
        Webhooks.PostJsonAsync(url, body, new Dictionary<string, string>
        {
            ["Polar-Webhook-Event"] = eventType,
            ["Polar-Webhook-Signature"] = Sign(key, body),
        });

    private void MapWebhooks(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v3/webhooks", CreateWebhookAsync).AffectedByMode();
        endpoints.MapGet("/v3/webhooks", ListWebhooksAsync).AffectedByMode();
        endpoints.MapDelete("/v3/webhooks/{id}", DeleteWebhookAsync).AffectedByMode();
    }

    private bool IsClient(HttpContext context)
    {
        if (HttpAuth.TryBasic(context.Request, out var clientId, out var clientSecret) && IsRegisteredClient(clientId, clientSecret))
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = "Basic realm=\"polar\"";
        return false;
    }

    private async Task CreateWebhookAsync(HttpContext context)
    {
        if (!IsClient(context))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient).ConfigureAwait(false);
            return;
        }

        var (events, url) = await ReadWebhookRequestAsync(context).ConfigureAwait(false);
        if (events is null || url is null)
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, ApiError(400, "Invalid webhook request: events and url are required")).ConfigureAwait(false);
            return;
        }

        if (Webhook is not null)
        {
            await Respond.JsonAsync(context, StatusCodes.Status409Conflict, ApiError(409, "Webhook already exists")).ConfigureAwait(false);
            return;
        }

        // The key exists from here on; the PING is signed with it although the subscriber cannot know it yet.
        var key = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var ping = WebhookSender.Json(new Dictionary<string, object>
        {
            ["timestamp"] = TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["event"] = "PING",
        });
        var answer = await SendSignedAsync(url, ping, key, "PING").ConfigureAwait(false);
        if (answer.StatusCode != StatusCodes.Status200OK)
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, ApiError(400, "Webhook ping failed: the URL did not answer 200")).ConfigureAwait(false);
            return;
        }

        PolarWebhook? created = null;
        lock (webhookLock)
        {
            if (webhook is null)
            {
                created = webhook = new PolarWebhook(RandomNumberGenerator.GetHexString(8, lowercase: true), events, url.ToString(), key);
            }
        }

        await (created is null
            ? Respond.JsonAsync(context, StatusCodes.Status409Conflict, ApiError(409, "Webhook already exists"))
            : Respond.JsonAsync(context, StatusCodes.Status201Created, WebhookSender.Json(new Dictionary<string, object>
            {
                ["data"] = new Dictionary<string, object> { ["id"] = created.Id, ["events"] = created.Events, ["url"] = created.Url, ["signature_secret_key"] = created.SignatureSecretKey },
            }))).ConfigureAwait(false);
    }

    private Task ListWebhooksAsync(HttpContext context)
    {
        if (!IsClient(context))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient);
        }

        var current = Webhook;
        object[] data = current is null ? [] : [new Dictionary<string, object> { ["id"] = current.Id, ["events"] = current.Events, ["url"] = current.Url }];
        return Respond.JsonAsync(context, StatusCodes.Status200OK, WebhookSender.Json(new Dictionary<string, object> { ["data"] = data }));
    }

    private Task DeleteWebhookAsync(HttpContext context)
    {
        if (!IsClient(context))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, InvalidClient);
        }

        var removed = false;
        lock (webhookLock)
        {
            if (webhook is not null && webhook.Id == context.Request.RouteValues["id"] as string)
            {
                webhook = null;
                removed = true;
            }
        }

        return Respond.StatusAsync(context, removed ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound);
    }

    private static async Task<(IReadOnlyList<string>? Events, Uri? Url)> ReadWebhookRequestAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri))
            {
                return (null, null);
            }

            var names = events.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : string.Empty).ToList();
            return names.Count > 0 && names.All(KnownEvents.Contains) ? (names, uri) : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static byte[] ApiError(int status, string message) =>
        WebhookSender.Json(new Dictionary<string, object> { ["timestamp"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), ["status"] = status, ["errorType"] = "webhook", ["message"] = message });
}
