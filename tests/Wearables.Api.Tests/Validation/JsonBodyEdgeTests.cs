using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ActionConstraints;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Validation;

/// <summary>
/// Every action that binds a JSON body (found by reflection, so new routes are covered): a charset the
/// service does not read is 415, undecodable bytes are 400, duplicate keys (also differing in case) are 400.
/// </summary>
[TestFixture(StorageMode.Embedded)]
public sealed class JsonBodyEdgeTests(StorageMode mode) : ApiFixture(mode)
{
    private sealed record BodyRoute(string Method, string Path, Type BodyType)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private List<BodyRoute> Routes()
    {
        var routes = Factory.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<ControllerActionDescriptor>()
            .Select(a => (Action: a, Body: a.Parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource == BindingSource.Body)))
            .Where(x => x.Body is not null)
            .SelectMany(x => (x.Action.ActionConstraints?.OfType<HttpMethodActionConstraint>().SelectMany(c => c.HttpMethods) ?? [])
                .Select(method => new BodyRoute(method, "/" + Fill(x.Action.AttributeRouteInfo!.Template!), x.Body!.ParameterType)))
            .ToList();
        Assert.That(routes, Has.Count.GreaterThanOrEqualTo(5), "the reflection found the JSON routes");
        return routes;
    }

    /// <summary>Route values that reach the action: a known provider, a setting key, a key id.</summary>
    private static string Fill(string template) => System.Text.RegularExpressions.Regex.Replace(template, @"\{([^}:]+)[^}]*\}", m => m.Groups[1].Value switch
    {
        "provider" => "strava",
        "key" => "WEARABLE_STRAVA_ENABLED",
        _ => "wk_abcdefgh",
    });

    private async Task<HttpResponseMessage> SendAsync(BodyRoute route, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await Factory.BootstrapAdmin().SendAsync(new HttpMethod(route.Method), route.Path, content);
    }

    [TestCase("application/json; charset=utf-16")]
    [TestCase("application/json; charset=utf-32")]
    [TestCase("application/json; charset=iso-8859-1")]
    [TestCase("application/json; charset=no-such-charset")]
    [TestCase("application/json; charset=\"\"")]
    [TestCase("application/json; charset=utf-8; charset=utf-16")]
    public async Task CharsetOtherThanUtf8_Returns415_OnEveryJsonRoute(string contentType)
    {
        // Bytes that are not UTF-16 either: an odd count with a lone low surrogate.
        var body = new byte[] { 0x7B, 0x00, 0x00, 0xDC, 0x22 };
        foreach (var route in Routes())
        {
            var response = await SendAsync(route, body, contentType);
            await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }
    }

    [TestCase("application/json; charset=utf-8")]
    [TestCase("application/json; charset=\"UTF-8\"")]
    [TestCase("application/json")]
    public async Task UndecodableUtf8_Returns400_OnEveryJsonRoute(string contentType)
    {
        foreach (var route in Routes())
        {
            var response = await SendAsync(route, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], contentType);
            await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task DuplicateKeys_Return400_OnEveryJsonRoute(bool differingInCase)
    {
        foreach (var route in Routes())
        {
            var property = route.BodyType.GetProperties(BindingFlags.Public | BindingFlags.Instance).First();
            var name = property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var value = SampleValue(property.PropertyType);
            var twin = differingInCase ? char.ToUpperInvariant(name[0]) + name[1..] : name;

            // The control: the same key once is not a malformed body (it may fail validation, or reach an upstream, instead).
            var once = await SendAsync(route, Encoding.UTF8.GetBytes($"{{\"{name}\":{value}}}"), "application/json");
            var onceText = await once.Content.ReadAsStringAsync();
            Assert.That((int)once.StatusCode, Is.Not.EqualTo(500), $"{route}: {onceText}");
            Assert.That(onceText, Does.Not.Contain("malformed_request"), $"{route}: the single-key control body");

            var twice = await SendAsync(route, Encoding.UTF8.GetBytes($"{{\"{name}\":{value},\"{twin}\":{value}}}"), "application/json");
            await twice.ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        }
    }

    private static string SampleValue(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(bool) ? "true" : t == typeof(int) || t == typeof(long) ? "1" : "\"abcdXY34\"";
    }
}
