using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wearables.Fakes.Tests;

/// <summary>What a test client sends to and reads from a fake, over real HTTP.</summary>
internal static partial class Wire
{
    public const string RedirectUri = "http://127.0.0.1:9/callback";

    public static HttpClient Client(TimeSpan? timeout = null)
        => new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(20) };

    public static async Task<Answer> PostFormAsync(HttpClient http, Uri url, params (string Name, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var response = await http.PostAsync(url, content);
        return await Answer.ReadAsync(response);
    }

    public static async Task<Answer> SendAsync(HttpClient http, HttpMethod method, Uri url, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        using var response = await http.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    public static Task<Answer> StravaCodeExchangeAsync(HttpClient http, FakeStrava strava)
        => PostFormAsync(http, strava.TokenUrl,
            ("client_id", strava.ClientId), ("client_secret", strava.ClientSecret), ("grant_type", "authorization_code"),
            ("code", strava.IssueCode(RedirectUri)));

    public static Task<Answer> StravaRefreshAsync(HttpClient http, FakeStrava strava, string refreshToken)
        => PostFormAsync(http, strava.TokenUrl, StravaRefreshFields(strava, refreshToken));

    public static (string, string)[] StravaRefreshFields(FakeStrava strava, string refreshToken)
        => [("client_id", strava.ClientId), ("client_secret", strava.ClientSecret), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)];

    /// <summary>A Polar token request, client authenticated with HTTP Basic as Polar requires.</summary>
    public static async Task<Answer> PolarTokenAsync(HttpClient http, FakePolar polar, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, polar.TokenUrl)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{polar.ClientId}:{polar.ClientSecret}")));
        using var response = await http.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    /// <summary>Goes through the consent page as a user who presses Authorize; returns the code from the redirect.</summary>
    public static async Task<string> AuthorizeAsync(HttpClient http, OAuthFake fake, params (string Name, string Value)[] parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        var page = await SendAsync(http, HttpMethod.Get, new Uri(fake.AuthorizeUrl + "?" + query));
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Body);
        var accept = page.Body.Split("action=\"")[1].Split('"')[0];

        // Posts what the page's hidden fields carry, as a browser would: proves the page hands the PKCE challenge on.
        var hidden = HiddenField().Matches(page.Body)
            .Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)));
        using var content = new FormUrlEncodedContent(hidden.Append(new("decision", "authorize")));
        using var response = await http.PostAsync(new Uri(fake.BaseUrl, accept.TrimStart('/')), content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Found));
        var location = response.Headers.Location!.ToString();
        return Uri.UnescapeDataString(location.Split("code=")[1].Split('&')[0]);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}

internal sealed record Answer(HttpStatusCode Status, string Body, System.Net.Http.Headers.HttpResponseHeaders Headers)
{
    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
        => new(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string Text(string property) => Json.GetProperty(property).GetString()!;
}
