using System.Globalization;
using System.Text;

namespace Wearables.Fakes;

/// <summary>
/// Withings' data notifications (developer.withings.com …/data-api/keep-user-data-up-to-date): when a
/// subscription is made (<c>notify action=subscribe</c>) Withings probes the callback URL with <c>HEAD</c>
/// and wants a 200; notifications are unsigned <c>application/x-www-form-urlencoded</c> POSTs of
/// <c>userid</c>, <c>appli</c>, <c>startdate</c>, <c>enddate</c> (and <c>action</c> for appli 46, the user
/// category: <c>unlink</c> or <c>delete</c> end the grant), answered 200 within 2 s. They come from the
/// addresses of ipblock-notify.withings.net: <paramref name="headers"/> lets a test say what a proxy in front
/// of the service reports (<c>X-Forwarded-For</c>).
/// </summary>
public sealed class WithingsNotifications(FakeCatalogProvider withings) : IDisposable
{
    public const string FormMediaType = "application/x-www-form-urlencoded";

    public WebhookSender Sender { get; } = new();

    /// <summary>The probe of a new subscription: true when it got its 200.</summary>
    public async Task<bool> ProbeAsync(Uri url, IReadOnlyDictionary<string, string>? headers = null) =>
        (await Sender.HeadAsync(url, headers).ConfigureAwait(false)).StatusCode == 200;

    /// <summary>The exact form bytes Withings sends about <paramref name="userId"/>.</summary>
    public byte[] Body(string userId, int appli, string? action = null)
    {
        var now = withings.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        var form = new StringBuilder()
            .Append("userid=").Append(Uri.EscapeDataString(userId))
            .Append("&appli=").Append(appli.ToString(CultureInfo.InvariantCulture))
            .Append("&startdate=").Append((now - 3600).ToString(CultureInfo.InvariantCulture))
            .Append("&enddate=").Append(now.ToString(CultureInfo.InvariantCulture));
        if (action is not null)
        {
            form.Append("&action=").Append(Uri.EscapeDataString(action));
        }

        return Encoding.ASCII.GetBytes(form.ToString());
    }

    public Task<WebhookCall> NotifyAsync(Uri url, byte[] body, IReadOnlyDictionary<string, string>? headers = null) =>
        Sender.PostAsync(url, body, FormMediaType, headers);

    public void Dispose() => Sender.Dispose();
}
