namespace Wearables.Fakes;

/// <summary>
/// Garmin Health API notifications (endpoints set per summary type in Garmin's developer portal): JSON
/// objects of arrays naming a <c>userId</c>: <c>{"deregistrations":[{userId, userAccessToken}]}</c>,
/// <c>{"userPermissionsChange":[{userId, userAccessToken, summaryId, permissions, changeTimeInSeconds}]}</c>
/// and summaries such as <c>{"dailies":[{userId, userAccessToken, summaryId, …}]}</c>. Nothing is signed;
/// each carries the app's <c>garmin-client-id</c> header.
/// </summary>
public sealed class GarminPushes(FakeCatalogProvider garmin) : IDisposable
{
    public const string ClientIdHeader = "garmin-client-id";

    public WebhookSender Sender { get; } = new();

    public byte[] Deregistration(string userId) =>
        WebhookSender.Json(new Dictionary<string, object> { ["deregistrations"] = new[] { Entry(userId) } });

    public byte[] PermissionsChange(string userId, params string[] permissions)
    {
        var entry = Entry(userId);
        entry["summaryId"] = "x" + Guid.NewGuid().ToString("N")[..8];
        entry["permissions"] = permissions;
        entry["changeTimeInSeconds"] = garmin.TimeProvider.GetUtcNow().AddMinutes(-1).ToUnixTimeSeconds();
        return WebhookSender.Json(new Dictionary<string, object> { ["userPermissionsChange"] = new[] { entry } });
    }

    /// <summary>A PUSH of <paramref name="count"/> daily summaries of one user.</summary>
    public byte[] Dailies(string userId, int count = 2) =>
        WebhookSender.Json(new Dictionary<string, object>
        {
            ["dailies"] = Enumerable.Range(0, count).Select(i =>
            {
                var entry = Entry(userId);
                entry["summaryId"] = "x" + Guid.NewGuid().ToString("N")[..8] + "-" + i;
                entry["calendarDate"] = garmin.TimeProvider.GetUtcNow().AddDays(-i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                entry["steps"] = 4210 + i;
                return entry;
            }).ToList(),
        });

    /// <summary>A push with the app's client id (or <paramref name="clientId"/>; null sends no header).</summary>
    public Task<WebhookCall> PushAsync(Uri url, byte[] body, string? clientId = "") =>
        Sender.PostJsonAsync(url, body, clientId is null
            ? null
            : new Dictionary<string, string> { [ClientIdHeader] = clientId.Length == 0 ? garmin.ClientId : clientId });

    public void Dispose() => Sender.Dispose();

    private Dictionary<string, object> Entry(string userId) => new()
    {
        ["userId"] = userId,
        ["userAccessToken"] = garmin.CurrentAccessToken(userId) ?? "none",
    };
}
