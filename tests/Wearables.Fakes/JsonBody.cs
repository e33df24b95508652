using System.Text.Json;

namespace Wearables.Fakes;

internal static class JsonBody
{
    /// <returns>The string property of a JSON object body; null when the body is not JSON, not an object, or lacks it.</returns>
    public static async Task<string?> ReadStringPropertyAsync(HttpContext context, string property)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value)
                && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
