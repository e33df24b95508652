using System.Net;
using System.Text;
using System.Text.Json;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>Small HTTP helpers: raw JSON bodies (so tests can send exactly the bytes they mean) and parsed answers.</summary>
public static class Http
{
    public static StringContent Json(string rawJson) => new(rawJson, Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => Json(JsonSerializer.Serialize(value));

    /// <summary>A JSON body of exactly these bytes, with a JSON content type (also for an empty body).</summary>
    public static ByteArrayContent RawJson(string raw) => JsonAnswers.RawJson(raw);

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, HttpContent? body = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.SendAsync(new HttpRequestMessage(method, path) { Content = body });
    }

    /// <summary>Asserts the status and answers the JSON body.</summary>
    public static async Task<JsonElement> ExpectJsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        return await response.ReadJsonAsync();
    }
}
