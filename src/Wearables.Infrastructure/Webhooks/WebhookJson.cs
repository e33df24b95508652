using System.Globalization;
using System.Text.Json;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>Reading provider event bodies: one bounded parse, and the few value shapes providers use.</summary>
internal static class WebhookJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The body as a JSON object, or null when it is not one.</summary>
    public static JsonDocument? ParseObject(ReadOnlyMemory<byte> body) => Parse(body, JsonValueKind.Object);

    /// <summary>The body as a JSON array (Fitbit's notifications), or null when it is not one.</summary>
    public static JsonDocument? ParseArray(ReadOnlyMemory<byte> body) => Parse(body, JsonValueKind.Array);

    /// <summary>A property holding a whole number of Unix seconds in a plausible range, as a time.</summary>
    public static DateTimeOffset? UnixSeconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
        && seconds is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static JsonDocument? Parse(ReadOnlyMemory<byte> body, JsonValueKind kind)
    {
        try
        {
            var document = JsonDocument.Parse(body, Options);
            if (document.RootElement.ValueKind == kind)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What <paramref name="read"/> makes of the body when it is a JSON object; null (a 400) when it is not.</summary>
    public static T? Read<T>(ReadOnlyMemory<byte> body, Func<JsonElement, T?> read)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        using var document = ParseObject(body);
        return document is null ? null : read(document.RootElement);
    }

    /// <summary>A property holding an id as a JSON number (an integer) or a non-empty string, as text.</summary>
    public static string? Id(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String when value.GetString() is { Length: > 0 and <= 128 } text => text,
            _ => null,
        };
    }

    public static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
