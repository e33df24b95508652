using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Wearables.Connections.Tests.Support;

/// <summary>Raw JSON bodies (so a test sends exactly the bytes it means) and parsed answers.</summary>
public static class Json
{
    /// <summary>A body of exactly these bytes with <c>Content-Type: application/json</c>.</summary>
    public static ByteArrayContent Raw(string raw) => JsonAnswers.RawJson(raw);

    public static ByteArrayContent Of(object value) => Raw(JsonSerializer.Serialize(value));

    /// <summary>Asserts the status (showing the body on failure) and answers the parsed JSON body.</summary>
    public static async Task<JsonElement> ExpectJsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {text}");
        return await response.ReadJsonAsync();
    }

    /// <summary>
    /// Asserts an error answer: the status, a JSON object with non-empty string <c>error</c> and
    /// <c>message</c> (the Junction exchange's errors) and <c>detail</c> (the connection list's errors), and no stack trace.
    /// </summary>
    public static async Task<JsonElement> ExpectErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string? error = null)
    {
        var body = await response.ExpectJsonAsync(status);
        var text = body.GetRawText();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Object), text);
            foreach (var name in new[] { "error", "message", "detail" })
            {
                Assert.That(body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
                    Is.True, $"'{name}' must be a non-empty string in {text}");
            }

            Assert.That(text, Does.Not.Contain("   at "), "stack trace in " + text);
            Assert.That(text, Does.Not.Match(@"\w+\.\w+Exception\b"), "exception type in " + text);
            if (error is not null)
            {
                Assert.That(body.GetProperty("error").GetString(), Is.EqualTo(error), text);
            }
        }

        return body;
    }

    public static string? Str(this JsonElement element, string name) =>
        element.GetProperty(name).ValueKind == JsonValueKind.Null ? null : element.GetProperty(name).GetString();

    /// <summary>Connection list and Junction exchange timestamps: ISO 8601 in UTC with a trailing <c>Z</c>.</summary>
    public static DateTimeOffset ParseUtc(string? value)
    {
        Assert.That(value, Does.Match(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"), "ISO 8601 UTC timestamp");
        return DateTimeOffset.Parse(value!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }
}
