using System.Net;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Errors;

/// <summary>Every error answer, whoever produces it (auth, routing, binding, validation, handlers), has the one problem shape.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class ProblemShapeTests(StorageMode mode) : ApiFixture(mode)
{
    public enum Caller
    {
        None,
        Admin,
        Service,
    }

    public static IEnumerable<TestCaseData> Errors()
    {
        TestCaseData Case(Caller caller, string method, string path, string? body, HttpStatusCode status, string? error, string name, string? contentType = "application/json") =>
            new TestCaseData(caller, method, path, body, contentType, status, error).SetName($"{{m}}({name})");

        yield return Case(Caller.None, "GET", "/v1/wearables/strava/credentials", null, HttpStatusCode.Unauthorized, "unauthenticated", "401 no key");
        yield return Case(Caller.Service, "PUT", "/v1/wearables/strava/credentials", """{"clientId":"a","clientSecret":"b"}""", HttpStatusCode.Forbidden, "forbidden", "403 service key");
        yield return Case(Caller.Admin, "GET", "/v1/wearables/coros/credentials", null, HttpStatusCode.NotFound, "provider_not_found", "404 provider");
        yield return Case(Caller.Admin, "PUT", "/v1/project/settings/NOPE", """{"value":true}""", HttpStatusCode.NotFound, "setting_not_found", "404 setting");
        yield return Case(Caller.Admin, "DELETE", "/v1/api-keys/wk_zzzzzzzz", null, HttpStatusCode.NotFound, "api_key_not_found", "404 api key");
        yield return Case(Caller.Admin, "GET", "/v1/no-such-route", null, HttpStatusCode.NotFound, "not_found", "404 no route");
        yield return Case(Caller.Admin, "PUT", "/v1/wearables/strava/credentials", """{"clientId":""", HttpStatusCode.BadRequest, "malformed_request", "400 truncated JSON");
        yield return Case(Caller.Admin, "PUT", "/v1/wearables/strava/credentials", """{"clientId":"","clientSecret":"b"}""", HttpStatusCode.UnprocessableEntity, null, "422 blank clientId");
        yield return Case(Caller.Admin, "PUT", "/v1/project/settings/WEARABLE_STRAVA_ENABLED", """{"value":"yes"}""", HttpStatusCode.UnprocessableEntity, "setting_value_invalid", "422 setting value");
        yield return Case(Caller.Admin, "POST", "/v1/wearables/strava/credentials", "{}", HttpStatusCode.MethodNotAllowed, null, "405 wrong method");
        yield return Case(Caller.Admin, "PUT", "/v1/wearables/strava/credentials", """{"clientId":"a","clientSecret":"b"}""", HttpStatusCode.UnsupportedMediaType, null, "415 text/plain body", "text/plain");
        yield return Case(Caller.Admin, "PUT", "/v1/wearables/strava/credentials", """{"clientId":"a","clientSecret":"b"}""", HttpStatusCode.UnsupportedMediaType, null, "415 no content type", null);
    }

    [TestCaseSource(nameof(Errors))]
    public async Task ErrorAnswer_IsAProblemDocument(Caller caller, string method, string path, string? body, string? contentType, HttpStatusCode status, string? error)
    {
        var client = caller switch
        {
            Caller.Admin => Factory.BootstrapAdmin(),
            Caller.Service => Factory.WithApiKey((await ApiKeys.CreateAsync(Factory.BootstrapAdmin(), "service")).Key),
            _ => Factory.Anonymous(),
        };
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            }
        }

        var response = await client.SendAsync(request);

        await response.ExpectProblemAsync(status, error);
    }

    [Test]
    public async Task ValidationProblem_ListsFieldErrors_AsArraysOfStrings()
    {
        var response = await Factory.BootstrapAdmin().PutAsync("/v1/wearables/polar/credentials", Http.Json(new { clientId = " ", clientSecret = "" }));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors");
        Assert.That(problem.ErrorFields(), Is.EquivalentTo(new[] { "clientId", "clientSecret" }));
        foreach (var field in errors.EnumerateObject())
        {
            Assert.That(field.Value.ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Array));
            Assert.That(field.Value.EnumerateArray().Select(m => m.GetString()), Has.All.Not.Empty);
        }
    }

    [Test]
    public async Task Problems_AreNotCached()
    {
        var response = await Factory.Anonymous().GetAsync("/v1/wearables/strava/credentials");

        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
    }

    [Test]
    public async Task TraceId_DiffersPerRequest()
    {
        var first = await (await Factory.Anonymous().GetAsync("/v1/api-keys")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var second = await (await Factory.Anonymous().GetAsync("/v1/api-keys")).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        Assert.That(first.GetProperty("traceId").GetString(), Is.Not.EqualTo(second.GetProperty("traceId").GetString()));
    }
}
