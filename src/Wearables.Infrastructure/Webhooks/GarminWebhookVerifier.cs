using System.Text.Json;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Garmin Health API pushes (endpoints configured in Garmin's developer portal, no handshake): a JSON
/// object whose properties are arrays of objects naming a <c>userId</c>. Garmin signs nothing; it sends
/// the app's <c>garmin-client-id</c> header, which must be the project's client id (constant time; as
/// open-wearables checks it since its PR#1507). <c>deregistrations</c> end the grant;
/// <c>userPermissionsChange</c> carries the user's permissions now (none left ends the grant); every
/// other array (<c>dailies</c>, <c>activities</c>, <c>sleeps</c>, …, in PUSH or PING mode) is data.
/// <c>userId</c> is what <c>GET …/user/id</c> answered at the callback. The payload's
/// <c>userAccessToken</c> is never kept.
/// </summary>
public sealed class GarminWebhookVerifier : IWebhookVerifier
{
    public const string ClientIdHeader = "garmin-client-id";

    public const string Deregistrations = "deregistrations";

    public const string PermissionsChange = "userPermissionsChange";

    /// <summary>Garmin's permission names are short words (ACTIVITY_EXPORT, HEALTH_EXPORT, …); a list longer than this is not Garmin's.</summary>
    private const int MaxPermissions = 32;

    public string Provider => "garmin";

    public IReadOnlyCollection<string> MediaTypes { get; } = ["application/json"];

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets) => new(404, null);

    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        return secrets.ClientId is { Length: > 0 } && WebhookTokens.Equal(request.Header(ClientIdHeader), secrets.ClientId)
            ? WebhookProof.Valid
            : WebhookProof.Invalid;
    }

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WebhookJson.Read(request.Body, Events);
    }

    private static WebhookEvents? Events(JsonElement root)
    {
        var events = new List<WebhookEvent>();
        foreach (var list in root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            foreach (var item in list.Value.EnumerateArray())
            {
                var userId = item.ValueKind == JsonValueKind.Object ? WebhookJson.Id(item, "userId") : null;
                var webhookEvent = userId is null ? null : Event(list.Name, userId, item);
                if (webhookEvent is null)
                {
                    return null;
                }

                // A summary push lists many entries of one user: one data event per user is enough.
                if (webhookEvent.Kind != WebhookEventKind.Data || !events.Any(e => e.ProviderUserId == userId && e.Kind == WebhookEventKind.Data))
                {
                    events.Add(webhookEvent);
                }
            }
        }

        return events.Count == 0 ? null : new WebhookEvents(events, null);
    }

    private static WebhookEvent? Event(string list, string userId, JsonElement item)
    {
        switch (list)
        {
            case Deregistrations:
                return new WebhookEvent(userId, WebhookEventKind.Deauthorized, null);
            case PermissionsChange:
                if (!item.TryGetProperty("permissions", out var permissions) || permissions.ValueKind != JsonValueKind.Array || permissions.GetArrayLength() > MaxPermissions)
                {
                    return null;
                }

                var names = permissions.EnumerateArray()
                    .Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : null)
                    .ToList();
                if (names.Any(n => n is not { Length: > 0 and <= 64 } || !n.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
                {
                    return null;
                }

                var at = WebhookJson.UnixSeconds(item, "changeTimeInSeconds");
                return names.Count == 0
                    ? new WebhookEvent(userId, WebhookEventKind.Deauthorized, at)
                    : new WebhookEvent(userId, WebhookEventKind.ScopesChanged, at, names.Distinct(StringComparer.Ordinal).ToList()!);
            default:
                return new WebhookEvent(userId, WebhookEventKind.Data, null);
        }
    }
}
