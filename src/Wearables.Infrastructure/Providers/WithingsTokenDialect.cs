using System.Net;
using System.Text.Json;
using Wearables.Application.Providers;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// Withings' token endpoint (<see cref="TokenDialect.Withings"/>), translated into the standard one so the rest of the
/// client reads one shape: the form gains <c>action=requesttoken</c>; an answer <c>{"status": 0, "body": {…}}</c> becomes
/// 200 with the body's tokens; an error (HTTP 200 with a non-zero <c>status</c>) becomes 400 <c>{"error":"invalid_grant"}</c>
/// when its status is one of <see cref="ProviderDescriptor.GrantRejectedStatuses"/>, else 400 with another error, which
/// a refresh reads as transient.
/// </summary>
internal static class WithingsTokenDialect
{
    public static void AddParameters(ProviderDescriptor provider, List<KeyValuePair<string, string>> form)
    {
        if (provider.Dialect == TokenDialect.Withings)
        {
            form.Insert(0, new("action", "requesttoken"));
        }
    }

    /// <summary>The answer in the standard shape; disposes <paramref name="body"/> when it replaces it.</summary>
    public static (HttpStatusCode Status, JsonDocument? Body) Normalize(ProviderDescriptor provider, HttpStatusCode status, JsonDocument? body)
    {
        if (provider.Dialect != TokenDialect.Withings || status != HttpStatusCode.OK
            || body?.RootElement is not { ValueKind: JsonValueKind.Object } json
            || !json.TryGetProperty("status", out var code) || !code.TryGetInt32(out var withingsStatus))
        {
            return (status, body);
        }

        using (body)
        {
            if (withingsStatus == 0)
            {
                return json.TryGetProperty("body", out var tokens) && tokens.ValueKind == JsonValueKind.Object
                    ? (HttpStatusCode.OK, JsonDocument.Parse(tokens.GetRawText()))
                    : (HttpStatusCode.OK, null);
            }

            var error = provider.GrantRejectedStatuses.Contains(withingsStatus) ? "invalid_grant" : $"withings_status_{withingsStatus}";
            return (HttpStatusCode.BadRequest, JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["error"] = error })));
        }
    }
}
