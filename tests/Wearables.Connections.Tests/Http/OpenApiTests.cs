using System.Net;
using System.Text.Json;
using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests.Http;

/// <summary>The OpenAPI document describes both connection endpoints in their seed shapes.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
public sealed class OpenApiTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    private const string ListPath = "/api/v1/users/{user_id}/connections";
    private JsonElement document;

    [OneTimeSetUp]
    public async Task LoadDocumentAsync()
    {
        using var client = Factory.Anonymous();
        document = await (await client.GetAsync("/swagger/v1/swagger.json")).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public void ListConnections_DocumentsItsResponseCodes()
    {
        var operation = Operation(ListPath, "get");
        Assert.That(ResponseCodes(operation), Is.SupersetOf(new[] { "200", "401", "404" }));
        var parameter = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("in").GetString() == "path");
        Assert.That(parameter.GetProperty("name").GetString(), Is.EqualTo("user_id"));
    }

    [Test]
    public void ListConnections_200Schema_IsAnArrayOfSeed003Objects()
    {
        var schema = JsonSchema(Operation(ListPath, "get"), "200");
        Assert.That(schema.GetProperty("type").GetString(), Is.EqualTo("array"));
        var item = Resolve(schema.GetProperty("items"));
        Assert.That(PropertyNames(item), Is.EquivalentTo(new[]
        {
            "id", "user_id", "provider", "provider_user_id", "provider_username", "scope", "status", "last_synced_at", "created_at", "updated_at",
        }));
    }

    [Test]
    public void ExchangeLinkToken_DocumentsItsResponseCodes()
    {
        Assert.That(ResponseCodes(Operation(ServiceFixture.ExchangePath, "post")), Is.SupersetOf(new[] { "201", "400", "401", "403", "502" }));
    }

    [Test]
    public void ExchangeLinkToken_201Schema_NamesTheSeed004Properties()
    {
        var schema = JsonSchema(Operation(ServiceFixture.ExchangePath, "post"), "201");
        string[] seed = ["id", "patient_id", "provider", "junction_user_id", "status", "connected_at", "last_synced_at"];
        Assert.That(PropertyNames(schema), Is.EquivalentTo(seed));
        Assert.That(schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()) : [], Is.EquivalentTo(seed), "seed 004 marks all seven required");
    }

    [Test]
    public void ExchangeLinkToken_RequestBody_NamesLinkTokenAndProvider()
    {
        var body = Operation(ServiceFixture.ExchangePath, "post").GetProperty("requestBody").GetProperty("content");
        var schema = Resolve(body.GetProperty("application/json").GetProperty("schema"));
        Assert.That(PropertyNames(schema), Is.EquivalentTo(new[] { "link_token", "provider" }));
    }

    [TestCase("400")]
    [TestCase("502")]
    public void ExchangeLinkToken_ErrorSchemas_NameErrorAndMessage(string code)
    {
        var schema = JsonSchema(Operation(ServiceFixture.ExchangePath, "post"), code);
        Assert.That(PropertyNames(schema), Is.SupersetOf(new[] { "error", "message" }));
    }

    [Test]
    public void ListConnections_404Schema_HasDetail()
    {
        var schema = JsonSchema(Operation(ListPath, "get"), "404");
        Assert.That(PropertyNames(schema), Does.Contain("detail"));
    }

    private JsonElement Operation(string path, string method)
    {
        Assert.That(document.GetProperty("paths").TryGetProperty(path, out var item), Is.True, $"{path} is documented");
        Assert.That(item.TryGetProperty(method, out var operation), Is.True, $"{method} {path} is documented");
        return operation;
    }

    private static string[] ResponseCodes(JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();

    /// <summary>The resolved schema of a response's JSON content (application/json or problem+json).</summary>
    private JsonElement JsonSchema(JsonElement operation, string code)
    {
        var response = operation.GetProperty("responses").GetProperty(code);
        Assert.That(response.TryGetProperty("content", out var content), Is.True, $"{code} has content");
        var media = content.EnumerateObject().FirstOrDefault(c => c.Name.Contains("json", StringComparison.Ordinal));
        Assert.That(media.Name, Is.Not.Null, $"{code} has a JSON media type");
        return Resolve(media.Value.GetProperty("schema"));
    }

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }

    private string[] PropertyNames(JsonElement schema)
    {
        schema = Resolve(schema);
        Assert.That(schema.TryGetProperty("properties", out var properties), Is.True, schema.GetRawText());
        return properties.EnumerateObject().Select(p => p.Name).ToArray();
    }
}
