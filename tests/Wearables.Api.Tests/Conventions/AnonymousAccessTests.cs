using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Conventions;

/// <summary>For every route the OpenAPI document describes, a call without credentials is refused unless the action is anonymous.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class AnonymousAccessTests(StorageMode mode) : ApiFixture(mode)
{
    private static readonly Dictionary<string, string> SampleRouteValues = new(StringComparer.OrdinalIgnoreCase)
    {
        ["provider"] = "strava",
        ["key"] = "WEARABLE_STRAVA_ENABLED",
        ["id"] = "wk_abcdefgh",
        ["user_id"] = "pat-1",
        ["userId"] = "pat-1",
        ["patientId"] = "pat-1",
    };

    private static string Fill(string template) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{([^}:?]+)[^}]*\}", m =>
            SampleRouteValues.TryGetValue(m.Groups[1].Value, out var v) ? v : "x1");

    private async Task<List<(string Method, string Path, bool Secured)>> DocumentedOperationsAsync()
    {
        var document = await (await Factory.Anonymous().GetAsync("/swagger/v1/swagger.json")).ExpectJsonAsync(HttpStatusCode.OK);
        var operations = new List<(string, string, bool)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "head" or "put" or "post" or "delete" or "patch"))
            {
                var secured = operation.Value.TryGetProperty("security", out var security)
                    && security.ValueKind == JsonValueKind.Array && security.GetArrayLength() > 0;
                operations.Add((operation.Name.ToUpperInvariant(), path.Name, secured));
            }
        }

        return operations;
    }

    [Test]
    public async Task EveryDocumentedRoute_WithoutCredentials_Returns401_UnlessAnonymous()
    {
        var operations = await DocumentedOperationsAsync();
        Assert.That(operations, Is.Not.Empty);
        var anonymous = AnonymousActions();

        var failures = new List<string>();
        foreach (var (method, template, secured) in operations)
        {
            var isAnonymous = anonymous.Contains((method, template.TrimStart('/')));
            if (secured == isAnonymous)
            {
                failures.Add($"{method} {template}: document says secured={secured} but the action is {(isAnonymous ? "anonymous" : "authorized")}");
            }

            var request = new HttpRequestMessage(new HttpMethod(method), Fill(template));
            if (method is "PUT" or "POST" or "PATCH")
            {
                request.Content = Http.RawJson("{}");
            }

            var response = await Factory.Anonymous().SendAsync(request);
            if (!isAnonymous && response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {template}: {(int)response.StatusCode} without credentials, expected 401");
            }
            else if (isAnonymous && response.Headers.WwwAuthenticate.Count > 0)
            {
                // An anonymous action may refuse for its own reasons (e.g. a bad OAuth state), never with an authentication challenge.
                failures.Add($"{method} {template}: anonymous action answered an authentication challenge");
            }
            else if (!isAnonymous)
            {
                await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task TheDocument_DescribesEveryApiRoute()
    {
        var documented = (await DocumentedOperationsAsync()).Select(o => (o.Method, o.Path.TrimStart('/'))).ToHashSet();
        var routes = ApiDescriptions().Select(d => (d.HttpMethod!.ToUpperInvariant(), d.RelativePath!)).ToHashSet();

        Assert.That(documented, Is.EquivalentTo(routes));
    }

    [TestCase("/health/live")]
    [TestCase("/health/ready")]
    [TestCase("/swagger/v1/swagger.json")]
    public async Task OperationalEndpoints_AreAnonymous(string path)
    {
        var response = await Factory.Anonymous().GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("/v1/nothing-here")]
    [TestCase("/v1/wearables/strava")]
    public async Task UnknownRoutes_WithoutCredentials_DoNotLeakMoreThanA404Or401(string path)
    {
        var response = await Factory.Anonymous().GetAsync(path);

        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.Unauthorized));
        await response.ExpectProblemAsync(response.StatusCode);
    }

    private List<ApiDescription> ApiDescriptions() =>
        Factory.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>()
            .ApiDescriptionGroups.Items.SelectMany(g => g.Items).ToList();

    private HashSet<(string Method, string Template)> AnonymousActions() =>
        ApiDescriptions()
            .Where(d => d.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
            .Select(d => (d.HttpMethod!.ToUpperInvariant(), d.RelativePath!))
            .ToHashSet();
}
