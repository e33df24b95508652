using System.Net.Http.Headers;
using System.Text.Json;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Fhir;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// The production store against a real FHIR engine (Medplum's router and validator): a save that
/// returns means the engine accepted the Endpoint as valid R4. The raw resources are checked too.
/// </summary>
[TestFixture]
public sealed class FhirConnectionRepositoryTests : ConnectionRepositoryContract
{
    private const string Ext = "https://wearables.dev/fhir/StructureDefinition/";
    // Created in the base class's [OneTimeSetUp] (through CreateRepositoryAsync), disposed in [OneTimeTearDown]:
    // the analyzer cannot see that pairing.
#pragma warning disable NUnit1032
    private HttpClient http = null!;
#pragma warning restore NUnit1032

    protected override async Task<IConnectionRepository> CreateRepositoryAsync()
    {
        var server = await FhirServer.SharedAsync();
        http = new HttpClient { BaseAddress = new Uri(server.BaseUrl.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        return new FhirConnectionRepository(http, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);
    }

    [OneTimeTearDown]
    public void DisposeClient() => http.Dispose();

    protected override async Task<string> StoredResourceAsync(Connection saved) => (await ReadRawAsync(saved)).GetRawText();

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Save_WritesAValidEndpointOfTheDocumentedShape(string variant)
    {
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));

        // The engine validates every write: an invalid Endpoint makes SaveAsync throw.
        await Repository.SaveAsync(connection, None);

        var endpoint = await ReadRawAsync(connection);
        var text = endpoint.GetRawText();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(endpoint.GetProperty("resourceType").GetString(), Is.EqualTo("Endpoint"));
            // The server assigns resource ids (conditional create); the store version names it.
            Assert.That(connection.Version, Does.StartWith(endpoint.GetProperty("id").GetString() + "|"));
            Assert.That(endpoint.GetProperty("status").GetString(), Is.EqualTo(connection.Status switch
            {
                ConnectionStatus.Revoked => "off",
                ConnectionStatus.Expired => "error",
                _ => "active",
            }));
            Assert.That(connection.Version, Does.EndWith("|" + endpoint.GetProperty("meta").GetProperty("versionId").GetString()));

            var connectionType = endpoint.GetProperty("connectionType");
            Assert.That(connectionType.GetProperty("system").GetString(), Is.EqualTo(EndpointCodec.ProviderCodeSystem));
            Assert.That(connectionType.GetProperty("code").GetString(), Is.EqualTo(connection.Provider));

            var payloadCoding = endpoint.GetProperty("payloadType")[0].GetProperty("coding")[0];
            Assert.That(payloadCoding.GetProperty("system").GetString(), Is.Not.Empty);
            Assert.That(payloadCoding.GetProperty("code").GetString(), Is.Not.Empty);

            Assert.That(endpoint.GetProperty("address").GetString(), Is.EqualTo(connection.Address));
            Assert.That(Instant(endpoint.GetProperty("period").GetProperty("start").GetString()), Is.EqualTo(connection.ConnectedAt));

            var identifiers = endpoint.GetProperty("identifier").EnumerateArray()
                .ToDictionary(i => i.GetProperty("system").GetString()!, i => i.GetProperty("value").GetString());
            Assert.That(identifiers[EndpointCodec.PatientIdentifierSystem], Is.EqualTo(connection.PatientId));
            Assert.That(identifiers[EndpointCodec.ProviderUserSystem(connection.Provider)], Is.EqualTo(connection.ProviderUserId));

            var tags = endpoint.GetProperty("meta").GetProperty("tag").EnumerateArray().ToArray();
            Assert.That(tags.Any(t => t.GetProperty("system").GetString() == EndpointCodec.ProjectTagSystem && t.GetProperty("code").GetString() == Project), Is.True, text);

            var extensions = endpoint.GetProperty("extension").EnumerateArray().ToArray();
            Assert.That(extensions.Select(e => e.GetProperty("url").GetString()), Is.Unique, "one extension per url");
            Assert.That(Extension(extensions, "patient")?.GetProperty("valueReference").GetProperty("reference").GetString(), Is.EqualTo("Patient/" + connection.PatientId));
            Assert.That(Extension(extensions, "provider")?.GetProperty("valueCode").GetString(), Is.EqualTo(connection.Provider));
            Assert.That(Value(extensions, "provider-username"), Is.EqualTo(connection.ProviderUsername));
            Assert.That(Value(extensions, "scope"), Is.EqualTo(connection.Scope));
            Assert.That(Value(extensions, "access-token"), Is.EqualTo(connection.AccessTokenEnvelope));
            Assert.That(Value(extensions, "refresh-token"), Is.EqualTo(connection.RefreshTokenEnvelope));
            Assert.That(Instant(Value(extensions, "token-expires-at")), Is.EqualTo(connection.TokenExpiresAt));
            Assert.That(Instant(Value(extensions, "last-synced-at")), Is.EqualTo(connection.LastSyncedAt));

            // Tokens only as extensions, never in Endpoint.header.
            Assert.That(endpoint.TryGetProperty("header", out _), Is.False, "no header element: " + text);
        }
    }

    [Test]
    public async Task Save_EnvelopesAreTheOnlyTokenMaterialInTheResource()
    {
        var connection = ConnectionVariants.Build("oauth-active", Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);

        var text = (await ReadRawAsync(connection)).GetRawText();
        Assert.That(text.Split("wv1.").Length - 1, Is.EqualTo(2), "exactly the two envelopes (access, refresh): " + text);
    }

    [Test]
    public async Task Repository_WhenTheFhirServerIsUnreachable_ThrowsDependencyUnavailable()
    {
        using var closed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}/fhir/"), Timeout = TimeSpan.FromSeconds(5) };
        var repository = new FhirConnectionRepository(closed, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);
        var connection = ConnectionVariants.Build("oauth-active", Project, NewId("pat"));

        using (Assert.EnterMultipleScope())
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.SaveAsync(connection, None));
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.FindAsync(Project, connection.PatientId, "strava", None));
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.ListByPatientAsync(Project, connection.PatientId, None));
            Assert.That(await repository.IsHealthyAsync(None), Is.False);
        }
    }

    [TestCase("http://127.0.0.2:1/fhir/Endpoint?_offset=100", TestName = "List_NextLinkToAnotherHost_IsNotFollowed")]
    [TestCase("http://fhir.test/other/Endpoint?_offset=100", TestName = "List_NextLinkOutsideTheBasePath_IsNotFollowed")]
    public async Task List_NextLinkOutsideTheBaseUrl_ThrowsDependencyUnavailableWithoutFollowingIt(string next)
    {
        using var handler = new BundlePages(_ => next);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://fhir.test/fhir/") };
        var repository = new FhirConnectionRepository(client, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.ListByPatientAsync(Project, NewId("pat"), None));
        Assert.That(handler.Requested, Has.Count.EqualTo(1), "only the first page was asked for");
    }

    [Test]
    public async Task Search_APageWithAnOperationOutcomeEntry_ReadsOnlyTheMatchedEndpoints()
    {
        // A server may add an OperationOutcome about the search (entry.search.mode "outcome").
        var connection = ConnectionVariants.Build("oauth-active", Project, NewId("pat"));
        var endpoint = TestCodec.Instance.ToEndpoint(connection);
        endpoint.Meta!.VersionId = "3";
        var bundle = new Hl7.Fhir.Model.Bundle
        {
            Type = Hl7.Fhir.Model.Bundle.BundleType.Searchset,
            Entry =
            [
                new() { Resource = endpoint, Search = new() { Mode = Hl7.Fhir.Model.Bundle.SearchEntryMode.Match } },
                new()
                {
                    Resource = new Hl7.Fhir.Model.OperationOutcome
                    {
                        Issue = [new() { Severity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Warning, Code = Hl7.Fhir.Model.OperationOutcome.IssueType.Informational, Diagnostics = "search parameter ignored" }],
                    },
                    Search = new() { Mode = Hl7.Fhir.Model.Bundle.SearchEntryMode.Outcome },
                },
            ],
        };
        using var handler = new FixedAnswer(new FhirJsonSerializer().SerializeToString(bundle));
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://fhir.test/fhir/") };
        var repository = new FhirConnectionRepository(client, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);

        var listed = await repository.ListByPatientAsync(Project, connection.PatientId, None);
        var found = await repository.FindAsync(Project, connection.PatientId, connection.Provider, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed, Has.Count.EqualTo(1));
            ConnectionVariants.AssertSameFields(listed[0], connection);
            Assert.That(listed[0].Version, Is.EqualTo(connection.Id.ToString("D") + "|3"));
            Assert.That(found?.Id, Is.EqualTo(connection.Id));
            Assert.That(await repository.ListSummariesByPatientAsync(Project, connection.PatientId, None), Has.Count.EqualTo(1));
        }
    }

    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task ListSummaries_ReadFromTheSearchJson_EqualTheSdkDecodedConnections(string variant)
    {
        // The summaries are read from the search answer's JSON without the SDK: field for field what
        // the SDK's decode of the same Endpoints gives, for every shape the store writes.
        var connection = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(connection, None);
        var other = ConnectionVariants.Build(connection.Provider == "strava" ? "junction-connected" : "oauth-active", Project, connection.PatientId);
        await Repository.SaveAsync(other, None);

        var decoded = (await Repository.ListByPatientAsync(Project, connection.PatientId, None)).Select(ConnectionSummary.Of).ToList();
        var listed = await Repository.ListSummariesByPatientAsync(Project, connection.PatientId, None);

        Assert.That(decoded, Has.Count.EqualTo(2));
        Assert.That(listed, Is.EqualTo(decoded));
    }

    [TestCase("""{"resourceType":"Endpoint","status":"paused"}""", TestName = "ListSummaries_AnEndpointTheReaderCannotRead_IsDecodedWithTheSdk(unknown status)")]
    [TestCase("""{"resourceType":"Endpoint","status":"active","extension":[{"url":"https://wearables.dev/fhir/StructureDefinition/updated-at","valueInstant":"yesterday"}]}""", TestName = "ListSummaries_AnEndpointTheReaderCannotRead_IsDecodedWithTheSdk(bad instant)")]
    public async Task ListSummaries_AnEndpointTheReaderCannotRead_IsDecodedWithTheSdk(string overlay)
    {
        // A page with a value the JSON reader does not judge goes to the SDK, whose answer stands: here, a refusal,
        // as before the reader existed (the list is never shown built from half-read data).
        var connection = ConnectionVariants.Build("oauth-active", Project, NewId("pat"));
        var endpoint = TestCodec.Instance.ToEndpoint(connection);
        endpoint.Meta!.VersionId = "1";
        var json = System.Text.Json.Nodes.JsonNode.Parse(new FhirJsonSerializer().SerializeToString(endpoint))!.AsObject();
        foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(overlay)!.AsObject())
        {
            json[name] = value?.DeepClone();
        }

        var bundle = """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":""" + json.ToJsonString() + ""","search":{"mode":"match"}}]}""";
        using var handler = new FixedAnswer(bundle);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://fhir.test/fhir/") };
        var repository = new FhirConnectionRepository(client, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);

        var sdk = await Catch(() => repository.ListByPatientAsync(Project, connection.PatientId, None));
        var listed = await Catch(() => repository.ListSummariesByPatientAsync(Project, connection.PatientId, None));
        Assert.That(listed, Is.EqualTo(sdk), "the same refusal (or the same answer) as the SDK's decode");
    }

    private static async Task<string> Catch<T>(Func<Task<T>> read)
    {
        try
        {
            var result = await read();
            return result is IEnumerable<Connection> connections ? string.Join(",", connections.Select(ConnectionSummary.Of)) : string.Join(",", (IEnumerable<ConnectionSummary>)result!);
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }

    [TestCase("[1, 2]", TestName = "Search_AnAnswerThatIsNoBundle_ThrowsDependencyUnavailable(array)")]
    [TestCase("""{"resourceType":"OperationOutcome","issue":[]}""", TestName = "Search_AnAnswerThatIsNoBundle_ThrowsDependencyUnavailable(OperationOutcome)")]
    [TestCase("", TestName = "Search_AnAnswerThatIsNoBundle_ThrowsDependencyUnavailable(empty body)")]
    public async Task Search_AnAnswerThatIsNoBundle_ThrowsDependencyUnavailable(string body)
    {
        using var handler = new FixedAnswer(body);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://fhir.test/fhir/") };
        var repository = new FhirConnectionRepository(client, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.ListByPatientAsync(Project, NewId("pat"), None));
    }

    [Test]
    public async Task List_NextLinksThatNeverEnd_StopWithDependencyUnavailable()
    {
        using var handler = new BundlePages(n => $"http://fhir.test/fhir/Endpoint?_offset={n * 100}");
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://fhir.test/fhir/") };
        var repository = new FhirConnectionRepository(client, TestCodec.Instance, NullLogger<FhirConnectionRepository>.Instance);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => repository.ListByPatientAsync(Project, NewId("pat"), None));
        Assert.That(handler.Requested, Has.Count.EqualTo(100), "a bounded number of pages");
    }

    private async Task<JsonElement> ReadRawAsync(Connection connection)
    {
        var resourceId = connection.Version!.Split('|')[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, $"Endpoint/{resourceId}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static JsonElement? Extension(JsonElement[] extensions, string name) =>
        extensions.Where(e => e.GetProperty("url").GetString() == Ext + name).Select(e => (JsonElement?)e).FirstOrDefault();

    /// <summary>The primitive value of an extension (valueString, valueCode or valueInstant), null when absent.</summary>
    private static string? Value(JsonElement[] extensions, string name)
    {
        if (Extension(extensions, name) is not { } extension)
        {
            return null;
        }

        foreach (var property in extension.EnumerateObject().Where(p => p.Name.StartsWith("value", StringComparison.Ordinal)))
        {
            return property.Value.GetString();
        }

        return null;
    }

    private static DateTimeOffset? Instant(string? value)
    {
        if (value is null)
        {
            return null;
        }

        Assert.That(value, Does.Match(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"), "FHIR instant");
        return DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A FHIR server that answers every request with one body.</summary>
    private sealed class FixedAnswer(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/fhir+json"),
            });
    }

    /// <summary>A FHIR server that answers every search with an empty page linking to <c>next(n)</c>.</summary>
    private sealed class BundlePages(Func<int, string> next) : HttpMessageHandler
    {
        public List<Uri> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            var bundle = JsonSerializer.Serialize(new
            {
                resourceType = "Bundle",
                type = "searchset",
                link = new[] { new { relation = "next", url = next(Requested.Count) } },
            });
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(bundle, System.Text.Encoding.UTF8, "application/fhir+json"),
            });
        }
    }
}
