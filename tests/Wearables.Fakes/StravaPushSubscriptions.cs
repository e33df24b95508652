using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Fakes;

/// <summary>A push subscription of the registered application (Strava allows one per application).</summary>
public sealed record StravaPushSubscription(long Id, string CallbackUrl, DateTimeOffset CreatedAt);

/// <summary>
/// Strava's webhook events API (https://developers.strava.com/docs/webhooks/): <c>POST /api/v3/push_subscriptions</c>
/// first validates the callback URL with a <c>GET ?hub.mode=subscribe&amp;hub.challenge&amp;hub.verify_token</c>
/// that must answer 200 <c>{"hub.challenge"}</c> within 2 s, then answers 201 <c>{"id"}</c>; one
/// subscription per application; <c>GET</c> lists it, <c>DELETE /push_subscriptions/{id}</c> ends it.
/// Events are unsigned JSON POSTs to the callback URL.
/// </summary>
public sealed partial class FakeStrava
{
    private readonly Lock subscriptionLock = new();
    private StravaPushSubscription? subscription;
    private long nextSubscriptionId = 120475;

    /// <summary>The calls this fake made to subscribers (handshakes and events).</summary>
    public WebhookSender Webhooks { get; } = new();

    public StravaPushSubscription? PushSubscription
    {
        get
        {
            lock (subscriptionLock)
            {
                return subscription;
            }
        }
    }

    /// <summary>Forgets the application's subscription (as if deleted on Strava's side).</summary>
    public void ClearPushSubscription()
    {
        lock (subscriptionLock)
        {
            subscription = null;
        }
    }

    /// <summary>The athlete withdrew the application's access: <c>object_type: "athlete"</c>, <c>updates.authorized: "false"</c>.</summary>
    public Task<WebhookCall> SendDeauthorizationAsync(long athleteId, Uri? callbackUrl = null, long? eventTime = null) =>
        SendEventAsync("athlete", "update", athleteId, athleteId, new Dictionary<string, string> { ["authorized"] = "false" }, callbackUrl, eventTime);

    /// <summary>A new activity of the athlete.</summary>
    public Task<WebhookCall> SendActivityCreatedAsync(long athleteId, long activityId, Uri? callbackUrl = null, long? eventTime = null) =>
        SendEventAsync("activity", "create", activityId, athleteId, new Dictionary<string, string>(), callbackUrl, eventTime);

    /// <summary>An event as Strava posts it, to the subscription's callback URL (or <paramref name="callbackUrl"/>).</summary>
    public Task<WebhookCall> SendEventAsync(string objectType, string aspectType, long objectId, long ownerId, IReadOnlyDictionary<string, string> updates, Uri? callbackUrl = null, long? eventTime = null)
    {
        var current = PushSubscription;
        var target = callbackUrl ?? (current is null ? throw new InvalidOperationException("No push subscription: create one first or name the URL.") : new Uri(current.CallbackUrl));
        return Webhooks.PostJsonAsync(target, EventBody(objectType, aspectType, objectId, ownerId, updates, current?.Id ?? 0, eventTime));
    }

    /// <summary>The exact bytes Strava sends for an event.</summary>
    public byte[] EventBody(string objectType, string aspectType, long objectId, long ownerId, IReadOnlyDictionary<string, string> updates, long subscriptionId, long? eventTime = null) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["aspect_type"] = aspectType,
            ["event_time"] = eventTime ?? TimeProvider.GetUtcNow().ToUnixTimeSeconds(),
            ["object_id"] = objectId,
            ["object_type"] = objectType,
            ["owner_id"] = ownerId,
            ["subscription_id"] = subscriptionId,
            ["updates"] = updates,
        });

    private void MapPushSubscriptions(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v3/push_subscriptions", CreateSubscriptionAsync).AffectedByMode();
        endpoints.MapGet("/api/v3/push_subscriptions", ListSubscriptionsAsync).AffectedByMode();
        endpoints.MapDelete("/api/v3/push_subscriptions/{id}", DeleteSubscriptionAsync).AffectedByMode();
    }

    private async Task CreateSubscriptionAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false) : null;
        if (!IsRegisteredClient(form?["client_id"], form?["client_secret"]))
        {
            await Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, ClientInvalid).ConfigureAwait(false);
            return;
        }

        var callbackUrl = form!["callback_url"].ToString();
        var verifyToken = form["verify_token"].ToString();
        if (!Uri.TryCreate(callbackUrl, UriKind.Absolute, out var callback) || verifyToken.Length == 0)
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, SubscriptionFault(verifyToken.Length == 0 ? "verify_token" : "callback_url", "invalid")).ConfigureAwait(false);
            return;
        }

        if (PushSubscription is not null)
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, SubscriptionFault("", "already exists")).ConfigureAwait(false);
            return;
        }

        // The callback URL's validation happens while this request is open, as at Strava.
        var challenge = RandomNumberGenerator.GetHexString(22, lowercase: true);
        var check = await Webhooks.GetAsync(new Uri(QueryHelpers.AddQueryString(callback.ToString(), new Dictionary<string, string?>
        {
            ["hub.mode"] = "subscribe",
            ["hub.challenge"] = challenge,
            ["hub.verify_token"] = verifyToken,
        }))).ConfigureAwait(false);
        if (check.StatusCode != StatusCodes.Status200OK || !EchoesChallenge(check.ResponseBody, challenge))
        {
            await Respond.JsonAsync(context, StatusCodes.Status400BadRequest, SubscriptionFault("callback url", "GET to callback URL does not return 200")).ConfigureAwait(false);
            return;
        }

        StravaPushSubscription created;
        lock (subscriptionLock)
        {
            if (subscription is not null)
            {
                created = null!;
            }
            else
            {
                created = subscription = new StravaPushSubscription(nextSubscriptionId++, callback.ToString(), TimeProvider.GetUtcNow());
            }
        }

        await (created is null
            ? Respond.JsonAsync(context, StatusCodes.Status400BadRequest, SubscriptionFault("", "already exists"))
            : Respond.JsonAsync(context, StatusCodes.Status201Created, WebhookSender.Json(new Dictionary<string, object> { ["id"] = created.Id }))).ConfigureAwait(false);
    }

    private Task ListSubscriptionsAsync(HttpContext context)
    {
        if (!IsRegisteredClient(context.Request.Query["client_id"], context.Request.Query["client_secret"]))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, ClientInvalid);
        }

        var current = PushSubscription;
        object[] list = current is null ? [] : [new Dictionary<string, object>
        {
            ["id"] = current.Id,
            ["resource_state"] = 2,
            ["application_id"] = ClientId,
            ["callback_url"] = current.CallbackUrl,
            ["created_at"] = current.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["updated_at"] = current.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        }];
        return Respond.JsonAsync(context, StatusCodes.Status200OK, WebhookSender.Json(list));
    }

    private Task DeleteSubscriptionAsync(HttpContext context)
    {
        if (!IsRegisteredClient(context.Request.Query["client_id"], context.Request.Query["client_secret"]))
        {
            return Respond.JsonAsync(context, StatusCodes.Status401Unauthorized, ClientInvalid);
        }

        var removed = false;
        lock (subscriptionLock)
        {
            if (subscription is not null && long.TryParse(context.Request.RouteValues["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id == subscription.Id)
            {
                subscription = null;
                removed = true;
            }
        }

        return removed
            ? Respond.StatusAsync(context, StatusCodes.Status204NoContent)
            : Respond.JsonAsync(context, StatusCodes.Status404NotFound, Fault("Record Not Found", "PushSubscription", "id"));
    }

    private static bool EchoesChallenge(string body, string challenge)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("hub.challenge", out var echoed) && echoed.ValueKind == JsonValueKind.String && echoed.GetString() == challenge;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] SubscriptionFault(string field, string code)
        => FakesJsonContext.Serialize(new StravaFault("Bad Request", [new StravaFaultError("PushSubscription", field, code)]), FakesJsonContext.Default.StravaFault);
}
