using System.Net.Http.Headers;
using System.Text.Json;

namespace Wearables.Fakes;

/// <summary>One webhook call a fake made to a subscriber: what it sent and what it got back.</summary>
public sealed record WebhookCall(string Method, Uri Url, string? Body, int StatusCode, string ResponseBody);

/// <summary>
/// How the fakes call a subscriber's URL, as the providers do: plain HTTP, a short timeout (Strava
/// wants its answer within 2 s), no redirects followed. Every call is kept for tests to read.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<WebhookCall> calls = [];
    private readonly Lock callsLock = new();

    public IReadOnlyList<WebhookCall> Calls
    {
        get
        {
            lock (callsLock)
            {
                return [.. calls];
            }
        }
    }

    /// <summary>GET <paramref name="url"/>; the status is 0 when the subscriber could not be reached in time.</summary>
    public async Task<WebhookCall> GetAsync(Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(request, null).ConfigureAwait(false);
    }

    /// <summary>HEAD <paramref name="url"/> (Withings probes a notification URL so), with the given headers.</summary>
    public async Task<WebhookCall> HeadAsync(Uri url, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        AddHeaders(request, headers);
        return await SendAsync(request, null).ConfigureAwait(false);
    }

    /// <summary>POST exactly <paramref name="body"/> as JSON, with the given headers.</summary>
    public Task<WebhookCall> PostJsonAsync(Uri url, byte[] body, IReadOnlyDictionary<string, string>? headers = null) =>
        PostAsync(url, body, "application/json", headers);

    /// <summary>POST exactly <paramref name="body"/> as <paramref name="mediaType"/>, with the given headers.</summary>
    public async Task<WebhookCall> PostAsync(Uri url, byte[] body, string mediaType, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        AddHeaders(request, headers);
        return await SendAsync(request, System.Text.Encoding.UTF8.GetString(body)).ConfigureAwait(false);
    }

    public static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    public void Dispose() => http.Dispose();

    private static void AddHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private async Task<WebhookCall> SendAsync(HttpRequestMessage request, string? body)
    {
        WebhookCall call;
        try
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            call = new WebhookCall(request.Method.Method, request.RequestUri!, body, (int)response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            call = new WebhookCall(request.Method.Method, request.RequestUri!, body, 0, ex.GetType().Name);
        }

        lock (callsLock)
        {
            calls.Add(call);
        }

        return call;
    }
}
