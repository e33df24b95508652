using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wearables.Fakes;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>What a response said, read once: status, problem code (if a problem), media type, body.</summary>
public sealed record Answer(int Status, string? Error, string? MediaType, string Body)
{
    public bool IsProblem => MediaType == "application/problem+json";

    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        var media = response.Content.Headers.ContentType?.MediaType;
        string? error = null;
        if (media is "application/problem+json" or "application/json" && body.Length > 0 && body[0] == '{')
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                {
                    error = e.GetString();
                }
            }
            catch (JsonException)
            {
            }
        }

        return new Answer((int)response.StatusCode, error, media, body);
    }

    public override string ToString() => $"{Status} {Error} {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

public static class Http
{
    public static StringContent Json(object value) =>
        new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public static async Task<Answer> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await client.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    /// <summary>Turns strava on and puts the fake's credentials on file for the caller's project.</summary>
    public static async Task ConfigureStravaAsync(HttpClient admin, FakeStrava strava, string? redirectOrigins = null)
    {
        ArgumentNullException.ThrowIfNull(strava);
        await Expect(admin.SendAsync(HttpMethod.Put, "/v1/project/settings/WEARABLE_STRAVA_ENABLED", new { value = true }), 200);
        await Expect(admin.SendAsync(HttpMethod.Put, "/v1/wearables/strava/credentials", new { clientId = strava.ClientId, clientSecret = strava.ClientSecret }), 200);
        if (redirectOrigins is not null)
        {
            await Expect(admin.SendAsync(HttpMethod.Put, "/v1/project/settings/WEARABLE_REDIRECT_ORIGINS", new { value = redirectOrigins }), 200);
        }
    }

    /// <summary>Starts a flow and answers its state.</summary>
    public static async Task<string> ConnectAsync(HttpClient caller, string provider, string patientId)
    {
        var answer = await Expect(caller.SendAsync(HttpMethod.Post, $"/v1/wearables/{provider}/connect", new { patientId }), 200);
        using var json = JsonDocument.Parse(answer.Body);
        return json.RootElement.GetProperty("state").GetString()!;
    }

    /// <summary>Connects <paramref name="patientId"/> to Strava: connect as <paramref name="caller"/>, the fake's code, the callback (200).</summary>
    public static async Task ConnectStravaAsync(HttpClient caller, FakeStrava strava, string patientId)
    {
        ArgumentNullException.ThrowIfNull(strava);
        var state = await ConnectAsync(caller, "strava", patientId);
        await Expect(caller.SendAsync(HttpMethod.Get, CallbackPath("strava", strava.IssueCode(CallbackUri("strava")), state)), 200);
    }

    public static string CallbackUri(string provider) => $"{ServiceInstance.PublicBaseUrl}/v1/wearables/{provider}/callback";

    public static string CallbackPath(string provider, string code, string state) =>
        $"/v1/wearables/{provider}/callback?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}";

    public static async Task<Answer> Expect(Task<Answer> call, int status)
    {
        ArgumentNullException.ThrowIfNull(call);
        var answer = await call;
        Assert.That(answer.Status, Is.EqualTo(status), answer.ToString());
        return answer;
    }

    public static void WithoutValidation(this HttpHeaders headers, string name, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.TryAddWithoutValidation(name, values);
    }

    public static bool IsServerError(HttpStatusCode status) => (int)status >= 500;
}
