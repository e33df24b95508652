using System.Net;
using System.Text.Json;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Operations;

/// <summary>Health endpoints and the OpenAPI document.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class OperationsTests(StorageMode mode) : ApiFixture(mode)
{
    private JsonElement document;

    [OneTimeSetUp]
    public async Task ReadDocumentAsync()
    {
        var response = await Factory.Anonymous().GetAsync("/swagger/v1/swagger.json");
        document = await response.ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Live_Returns200()
    {
        var response = await Factory.Anonymous().GetAsync("/health/live");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Ready_WithTheStoreUp_Returns200()
    {
        var response = await Factory.Anonymous().GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public void Document_IsOpenApi3_WithTitleAndVersion()
    {
        Assert.That(document.GetProperty("openapi").GetString(), Does.StartWith("3."));
        Assert.That(document.GetProperty("info").GetProperty("title").GetString(), Is.Not.Empty);
    }

    [TestCase("/v1/wearables/{provider}/credentials", "put", "200,400,401,403,404,422")]
    [TestCase("/v1/wearables/{provider}/credentials", "get", "200,401,403,404")]
    [TestCase("/v1/wearables/{provider}/credentials", "delete", "200,401,403,404")]
    [TestCase("/v1/project/settings", "get", "200,401,403")]
    [TestCase("/v1/project/settings/{key}", "put", "200,400,401,403,404,422")]
    [TestCase("/v1/api-keys", "get", "200,401,403")]
    [TestCase("/v1/api-keys", "post", "201,400,401,403,422")]
    [TestCase("/v1/api-keys/{id}", "delete", "204,401,403,404")]
    public void Document_ListsTheOperation_WithItsResponses_AndSecurity(string path, string method, string statuses)
    {
        Assert.That(document.GetProperty("paths").TryGetProperty(path, out var item), Is.True, $"path {path} is documented");
        Assert.That(item.TryGetProperty(method, out var operation), Is.True, $"{method} {path} is documented");

        var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();
        Assert.That(responses, Is.SupersetOf(statuses.Split(',')), $"{method} {path}");

        var schemes = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToArray();
        Assert.That(schemes, Is.SupersetOf(new[] { "ApiKey", "Bearer" }), $"{method} {path} security");

        foreach (var error in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5')))
        {
            Assert.That(error.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _),
                Is.True, $"{method} {path} {error.Name} is documented as application/problem+json");
        }
    }

    [Test]
    public void Document_DeclaresBothSecuritySchemes()
    {
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");

        var apiKey = schemes.GetProperty("ApiKey");
        Assert.That(apiKey.GetProperty("type").GetString(), Is.EqualTo("apiKey"));
        Assert.That(apiKey.GetProperty("in").GetString(), Is.EqualTo("header"));
        Assert.That(apiKey.GetProperty("name").GetString(), Is.EqualTo("X-API-Key"));
        var bearer = schemes.GetProperty("Bearer");
        Assert.That(bearer.GetProperty("type").GetString(), Is.EqualTo("http"));
        Assert.That(bearer.GetProperty("scheme").GetString(), Is.EqualTo("bearer"));
    }

    [Test]
    public void Document_DescribesTheStatusView_AsTheSeedDoes()
    {
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var view = schemas.GetProperty(nameof(Wearables.Api.Controllers.CredentialsStatusResponse));

        var properties = view.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(properties, Is.EquivalentTo(new[] { "configured", "clientIdLast4", "hasSecret", "hasWebhookSecret" }));
        Assert.That(view.GetProperty("required").EnumerateArray().Select(r => r.GetString()),
            Is.EquivalentTo(new[] { "configured", "clientIdLast4", "hasSecret", "hasWebhookSecret" }));
    }

    [Test]
    public async Task SwaggerUi_IsServed()
    {
        var response = await Factory.Anonymous().GetAsync("/swagger/index.html");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
