using System.Globalization;
using System.Text;
using Wearables.Application.Webhooks;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>
/// Withings (developer.withings.com …/data-api/keep-user-data-up-to-date): notifications are unsigned
/// <c>application/x-www-form-urlencoded</c> POSTs (<c>userid</c>, <c>appli</c>, <c>startdate</c>,
/// <c>enddate</c>; <c>action</c> for appli 46), so they are taken only from the configured address
/// ranges (<see cref="RequiresAllowedSource"/>: Withings publishes them at ipblock-notify.withings.net).
/// Withings probes the URL with <c>HEAD</c> (and may <c>GET</c> it) when a subscription is made: 200.
/// <c>appli=46</c> with <c>action=unlink</c> or <c>delete</c> is the user's deauthorization; any other
/// notification is data. <c>userid</c> is the token answer's <c>userid</c>.
/// </summary>
public sealed class WithingsWebhookVerifier : IWebhookVerifier
{
    public const string FormMediaType = "application/x-www-form-urlencoded";

    /// <summary>The user category (appli 46): link, unlink, delete and update of the user's grant.</summary>
    public const int UserAppli = 46;

    /// <summary>A notification has a handful of fields; many more is not Withings.</summary>
    private const int MaxFields = 32;

    private static readonly HashSet<string> DeauthorizingActions = new(["unlink", "delete"], StringComparer.Ordinal);

    public string Provider => "withings";

    public IReadOnlyCollection<string> MediaTypes { get; } = [FormMediaType];

    public bool RequiresAllowedSource => true;

    public WebhookHandshakeAnswer Handshake(WebhookRequest request, WebhookSecrets secrets) => new(200, null);

    /// <summary>Withings signs nothing: the sender's address is its proof (checked before this, see <see cref="RequiresAllowedSource"/>).</summary>
    public WebhookProof Verify(WebhookRequest request, WebhookSecrets secrets) => WebhookProof.Valid;

    public WebhookEvents? Parse(WebhookRequest request, WebhookSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = ReadForm(request.Body.Span);
        if (form is null
            || !form.TryGetValue("userid", out var userId) || userId.Length is 0 or > 32 || !userId.All(char.IsAsciiDigit)
            || !form.TryGetValue("appli", out var appliText) || !int.TryParse(appliText, NumberStyles.None, CultureInfo.InvariantCulture, out var appli))
        {
            return null;
        }

        var kind = appli == UserAppli && form.TryGetValue("action", out var action) && DeauthorizingActions.Contains(action)
            ? WebhookEventKind.Deauthorized
            : WebhookEventKind.Data;

        // startdate and enddate bound the data, not the notification: the event counts as received now.
        return new WebhookEvents([new WebhookEvent(userId, kind, null)], null);
    }

    /// <summary>The fields of a form body; null when it is not one (bad escapes, not UTF-8, a repeated or unnamed field, too many).</summary>
    internal static Dictionary<string, string>? ReadForm(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Unescape(equals < 0 ? pair : pair[..equals]);
            var value = Unescape(equals < 0 ? string.Empty : pair[(equals + 1)..]);
            if (string.IsNullOrEmpty(name) || value is null || fields.Count >= MaxFields || !fields.TryAdd(name, value))
            {
                return null;
            }
        }

        return fields.Count == 0 ? null : fields;
    }

    /// <summary>A form part unescaped (<c>+</c> is a space); null when it holds control characters.</summary>
    private static string? Unescape(string part)
    {
        var value = Uri.UnescapeDataString(part.Replace('+', ' '));
        return value.Any(char.IsControl) ? null : value;
    }
}
