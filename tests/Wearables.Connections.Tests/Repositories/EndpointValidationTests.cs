using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// The two judges of the Endpoints the service writes, the Firely validator and the Medplum engine,
/// agree: what the codec writes passes both, and an Endpoint broken in a way R4 forbids is refused
/// by both. Without the refusals, a judge that accepts anything would pass every other test.
/// </summary>
[TestFixture]
public sealed class EndpointValidationTests
{
    private HttpClient http = null!;

    [OneTimeSetUp]
    public async Task ConnectToTheEngine()
    {
        var server = await FhirServer.SharedAsync();
        http = new HttpClient { BaseAddress = new Uri(server.BaseUrl.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    [OneTimeTearDown]
    public void DisposeClient() => http.Dispose();

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task AnEndpointTheCodecWrites_PassesBoth(string variant)
    {
        var json = Encode(variant);

        using var response = await PostAsync(json);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(FirelyValidator.Errors(json), Is.Empty, json);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        }
    }

    [TestCase("no connectionType", TestName = "ABrokenEndpoint_IsRefusedByBoth(no connectionType)")]
    [TestCase("period start not a dateTime", TestName = "ABrokenEndpoint_IsRefusedByBoth(period start not a dateTime)")]
    [TestCase("extension without url", TestName = "ABrokenEndpoint_IsRefusedByBoth(extension without url)")]
    public async Task ABrokenEndpoint_IsRefusedByBoth(string breakage)
    {
        var endpoint = JsonNode.Parse(Encode("oauth-active"))!.AsObject();
        endpoint.Remove("id");
        switch (breakage)
        {
            case "no connectionType":
                endpoint.Remove("connectionType");
                break;
            case "period start not a dateTime":
                endpoint["period"] = new JsonObject { ["start"] = "2024-13-45T25:00:00Z" };
                break;
            case "extension without url":
                endpoint["extension"]!.AsArray()[0]!.AsObject().Remove("url");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage), breakage, null);
        }

        var json = endpoint.ToJsonString();
        using var response = await PostAsync(json);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(FirelyValidator.Errors(json), Is.Not.Empty, "Firely: " + json);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "Medplum: " + await response.Content.ReadAsStringAsync());
        }
    }

    [Test]
    public void AStatusOutsideItsRequiredValueSet_IsRefusedByFirely()
    {
        // The engine checks structure and cardinality but not required bindings: the reason for a second judge.
        var endpoint = JsonNode.Parse(Encode("oauth-revoked"))!.AsObject();
        endpoint["status"] = "revoked";

        Assert.That(FirelyValidator.Errors(endpoint.ToJsonString()), Is.Not.Empty);
    }

    /// <summary>A new connection's Endpoint as the FHIR repository sends it (the server names it).</summary>
    private static string Encode(string variant) =>
        TestCodec.Instance.Encode(ConnectionVariants.Build(variant, "proj-validation", "pat-" + Guid.NewGuid().ToString("N")[..12]), resourceId: null);

    private Task<HttpResponseMessage> PostAsync(string json) =>
        http.PostAsync("Endpoint", new StringContent(json, Encoding.UTF8, "application/fhir+json"));
}
