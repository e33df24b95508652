using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using NUnit.Framework;

namespace Wearables.TestSupport;

/// <summary>JSON bodies of exactly the bytes a test means, and answers parsed as JSON (a failure shows the body).</summary>
public static class JsonAnswers
{
    /// <summary>A body of exactly these bytes with <c>Content-Type: application/json</c> (also for an empty body).</summary>
    public static ByteArrayContent RawJson(string raw)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"Expected JSON, got HTTP {(int)response.StatusCode}: {text}");
            throw;
        }
    }

    public static string[] PropertyNames(this JsonElement element) =>
        element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
}
