using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;
using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests.Http;

/// <summary>
/// The OpenAPI document describes both connection endpoints in their contract shapes, every action
/// with every status its controller declares, and passes Redocly's recommended rules.
/// </summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
public sealed partial class OpenApiTests(StorageMode storage, ConnectionsMode connections) : ServiceFixture(storage, connections)
{
    private const string ListPath = "/api/v1/users/{user_id}/connections";
    private const string PublicBaseUrl = "https://wearables.test";
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
    public void ListConnections_200Schema_IsAnArrayOfConnectionObjects()
    {
        var schema = JsonSchema(Operation(ListPath, "get"), "200");
        Assert.That(schema.GetProperty("type").GetString(), Is.EqualTo("array"));
        var item = Resolve(schema.GetProperty("items"));
        Assert.That(PropertyNames(item), Is.EquivalentTo(new[]
        {
            "id", "user_id", "provider", "provider_user_id", "provider_username", "scope", "status", "last_synced_at", "created_at", "updated_at",
        }));
    }

    [TestCase("/v1/wearables/{provider}/connect", "post")]
    [TestCase("/v1/wearables/{provider}/credentials", "put")]
    [TestCase("/v1/wearables/{provider}/callback", "get")]
    public void TheProviderPathParameter_IsAnEnumOfTheNineCatalogProviders(string path, string method)
    {
        var parameter = Operation(path, method).GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "provider");

        Assert.That(parameter.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[]
        {
            "dexcom", "fitbit", "garmin", "oura", "polar", "strava", "suunto", "whoop", "withings",
        }));
    }

    [Test]
    public void ExchangeLinkToken_DocumentsItsResponseCodes()
    {
        Assert.That(ResponseCodes(Operation(ServiceFixture.ExchangePath, "post")), Is.SupersetOf(new[] { "201", "400", "401", "403", "502" }));
    }

    [Test]
    public void ExchangeLinkToken_201Schema_NamesTheExchangeProperties()
    {
        var schema = JsonSchema(Operation(ServiceFixture.ExchangePath, "post"), "201");
        string[] fields = ["id", "patient_id", "provider", "junction_user_id", "status", "connected_at", "last_synced_at"];
        Assert.That(PropertyNames(schema), Is.EquivalentTo(fields));
        Assert.That(schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()) : [], Is.EquivalentTo(fields), "the exchange contract marks all seven required");
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

    [Test]
    public void EveryAction_IsDocumented_WithEveryStatusItsControllerDeclares()
    {
        var actions = DeclaredActions().ToList();
        Assert.That(actions, Has.Count.GreaterThanOrEqualTo(12), "the reflection finds the controllers' actions");
        Assert.Multiple(() =>
        {
            foreach (var action in actions)
            {
                var name = $"{action.Method.ToUpperInvariant()} {action.Path}";
                Assert.That(document.GetProperty("paths").TryGetProperty(action.Path, out var item) && item.TryGetProperty(action.Method, out _), Is.True, name + " is documented");
                if (!document.GetProperty("paths").TryGetProperty(action.Path, out item) || !item.TryGetProperty(action.Method, out var operation))
                {
                    continue;
                }

                Assert.That(ResponseCodes(operation), Is.EquivalentTo(action.Statuses), name + " documents exactly the statuses it declares");
                foreach (var (status, contentType) in action.Bodies)
                {
                    var content = operation.GetProperty("responses").GetProperty(status).GetProperty("content");
                    Assert.That(content.EnumerateObject().Select(c => c.Name), Is.EqualTo(new[] { contentType }), $"{name} {status} is {contentType}");
                }

                Assert.That(operation.GetProperty("operationId").GetString(), Does.Match("^[A-Za-z]+_[A-Za-z]+$"), name + " has a readable operationId");
                var security = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToArray();
                Assert.That(security, action.Anonymous ? Is.Empty : Is.EquivalentTo(new[] { "ApiKey", "Bearer" }), name + (action.Anonymous ? " declares security: []" : " takes an API key or a bearer token"));
            }
        });
    }

    [Test]
    public void OperationIds_AreUnique_AndSchemaNames_AreTypeNames()
    {
        var operations = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()).Select(o => o.Value.GetProperty("operationId").GetString()).ToList();
        Assert.That(operations, Is.Unique);
        var schemas = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name).ToList();
        var typeNames = typeof(Program).Assembly.GetTypes().Concat(typeof(Wearables.Application.DependencyInjection).Assembly.GetTypes()).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.That(schemas.Where(s => !typeNames.Contains(s)), Is.Empty, "each schema is named after its type, as a generated client will name it");
    }

    [Test]
    public async Task TheUi_IsServed_AtSwagger()
    {
        using var client = Factory.Anonymous();
        var redirect = await client.GetAsync("/swagger");
        Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var page = await client.GetAsync("/swagger/index.html");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("swagger-ui").And.Contain("/swagger/v1/swagger.json"));
    }

    [TestCase("PUT", "/swagger/v1/swagger.json")]
    [TestCase("DELETE", "/swagger/v1/swagger.json")]
    [TestCase("POST", "/swagger/index.html")]
    [TestCase("PATCH", "/swagger")]
    public async Task TheDocumentAndUi_AreReadOnly_AWriteIsRefusedAsAProblem(string method, string path)
    {
        // The fuzz pass found NSwag's middleware answering 200 to any method on its paths. Anonymous,
        // such a request is refused like any unknown route (401, fail closed); an admin gets 404/405.
        foreach (var (client, expected) in new[] { (Factory.Anonymous(), new[] { 401 }), (Factory.WithApiKey(AdminA.Key), new[] { 404, 405 }) })
        {
            using (client)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);

                Assert.That((int)response.StatusCode, Is.AnyOf(expected), await response.Content.ReadAsStringAsync());
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            }
        }
    }

    [Test]
    public async Task TheDocument_PassesRedoclyLint_WithNoErrorAndNoWarning()
    {
        var lintDirectory = Path.Combine(RepositoryRoot.Path, "tests", "openapi-lint");
        var cli = Path.Combine(lintDirectory, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.That(File.Exists(cli), Is.True, "tests/openapi-lint has no node_modules: run `npm ci` there (scripts/test.sh does).");

        // As deployed: the server is the configured public base URL (a test host would be "localhost", which the rules refuse).
        using var deployed = Factory.WithWebHostBuilder(b => b.UseSetting("Wearables:PublicBaseUrl", PublicBaseUrl));
        using var client = deployed.CreateClient();
        var json = await (await client.GetAsync("/swagger/v1/swagger.json")).Content.ReadAsStringAsync();
        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("servers")[0].GetProperty("url").GetString(), Is.EqualTo(PublicBaseUrl));
        var file = Path.Combine(Path.GetTempPath(), "wearables-openapi-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            var (exitCode, output, errors) = await RunAsync("node", lintDirectory, cli, "lint", file, "--format=json");
            Assert.That(output, Does.Contain("{"), errors);
            var report = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
            var problems = report.GetProperty("problems").EnumerateArray().Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()}").ToList();
            Assert.Multiple(() =>
            {
                Assert.That(report.GetProperty("version").GetString(), Is.EqualTo("2.77.0"));
                Assert.That(problems, Is.Empty);
                Assert.That(report.GetProperty("totals").GetProperty("errors").GetInt32() + report.GetProperty("totals").GetProperty("warnings").GetInt32(), Is.Zero);
                Assert.That(exitCode, Is.Zero, errors);
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Every controller action with its route, method and the statuses it declares (controller and action attributes).</summary>
    private static IEnumerable<DeclaredAction> DeclaredActions()
    {
        foreach (var controller in typeof(Program).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ControllerBase)) && t.GetCustomAttribute<ApiControllerAttribute>() is not null))
        {
            var prefix = controller.GetCustomAttribute<RouteAttribute>()?.Template;
            foreach (var method in controller.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var verb = method.GetCustomAttribute<HttpMethodAttribute>();
                if (verb is null)
                {
                    continue;
                }

                var template = string.Join('/', new[] { prefix, verb.Template }.Where(t => !string.IsNullOrEmpty(t)));
                var declared = controller.GetCustomAttributes<ProducesResponseTypeAttribute>().Concat(method.GetCustomAttributes<ProducesResponseTypeAttribute>()).ToList();
                yield return new DeclaredAction(
                    "/" + RouteParameter().Replace(template, "{$1}"),
                    verb.HttpMethods.Single().ToLowerInvariant(),
                    declared.Select(d => d.StatusCode.ToString(CultureInfo.InvariantCulture)).Distinct().ToArray(),
                    declared.Where(d => d.Type is not null && d.Type != typeof(void)).Select(d => (d.StatusCode.ToString(CultureInfo.InvariantCulture), ContentTypeOf(d))).ToArray(),
                    method.GetCustomAttribute<AllowAnonymousAttribute>() is not null);
            }
        }
    }

    private static string ContentTypeOf(ProducesResponseTypeAttribute declared)
    {
        var contentTypes = new Microsoft.AspNetCore.Mvc.Formatters.MediaTypeCollection();
        ((Microsoft.AspNetCore.Mvc.ApiExplorer.IApiResponseMetadataProvider)declared).SetContentTypes(contentTypes);
        return contentTypes.Single();
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing leaves the machine: no usage reports, no update check.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }

    [GeneratedRegex(@"\{([A-Za-z_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

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

    private sealed record DeclaredAction(string Path, string Method, string[] Statuses, (string Status, string ContentType)[] Bodies, bool Anonymous);
}
