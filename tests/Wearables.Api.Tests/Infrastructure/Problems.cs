using System.Net;
using System.Text.Json;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>The one error shape of the service (mission "Endpoints from the seeds").</summary>
public static class Problems
{
    /// <summary>
    /// Asserts an RFC 9457 problem+json answer with <c>type, title, status, detail, error, message, traceId</c>,
    /// <c>message == detail</c>, and no stack trace anywhere. Answers the parsed body.
    /// </summary>
    public static async Task<JsonElement> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var request = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), $"{request}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{request}: content type of {text}");
        AssertNoStackTrace(text, request);

        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"{request}: problem body is not JSON: {text}");
            throw;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Object), text);
            foreach (var name in new[] { "type", "title", "detail", "error", "message", "traceId" })
            {
                Assert.That(body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
                    Is.True, $"{request}: '{name}' must be a non-empty string in {text}");
            }

            Assert.That(body.TryGetProperty("status", out var statusValue) && statusValue.ValueKind == JsonValueKind.Number && statusValue.GetInt32() == (int)status,
                Is.True, $"{request}: 'status' must be the number {(int)status} in {text}");
            if (body.TryGetProperty("detail", out var detail) && body.TryGetProperty("message", out var message))
            {
                Assert.That(message.GetString(), Is.EqualTo(detail.GetString()), $"{request}: message == detail");
            }

            if (error is not null && body.TryGetProperty("error", out var code))
            {
                Assert.That(code.GetString(), Is.EqualTo(error), $"{request}: error code in {text}");
            }
        }

        return body;
    }

    /// <summary>The field names listed under <c>errors</c>.</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().Select(p => p.Name).ToArray()
            : [];

    public static void AssertNoStackTrace(string text, string context)
    {
        Assert.That(text, Does.Not.Contain("   at "), $"{context}: stack trace in {text}");
        Assert.That(text, Does.Not.Contain("StackTrace").IgnoreCase, $"{context}: stack trace in {text}");
        Assert.That(text, Does.Not.Match(@"\w+\.\w+Exception\b"), $"{context}: exception type in {text}");
    }
}
