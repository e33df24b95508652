using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Wearables.Infrastructure.Connections;

namespace Wearables.Infrastructure.Tests.Connections;

/// <summary>
/// The service's FHIR model, built type by type so that <see cref="ModelInfo"/>'s type initializer never runs in the
/// service, knows what Firely's own R4 inspector knows, and reads and writes as it does.
/// </summary>
public sealed class FhirJsonTests
{
    [Test]
    public void Inspector_MapsEveryClassOfFirelysR4Inspector_ToTheSameType_AndNoOther()
    {
        var firely = ModelInfo.ModelInspector.ClassMappings.ToList();
        var ours = FhirJson.Inspector.ClassMappings.ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(firely, Has.Count.GreaterThan(500), "R4's resources and datatypes");
            Assert.That(ours.Select(m => m.NativeType), Is.EquivalentTo(firely.Select(m => m.NativeType)));
            Assert.That(firely.Where(m => FhirJson.Inspector.FindClassMapping(m.Name)?.NativeType != m.NativeType).Select(m => m.Name), Is.Empty, "found by FHIR name");
            Assert.That(FhirJson.Inspector.FhirRelease, Is.EqualTo(ModelInfo.ModelInspector.FhirRelease));
        }
    }

    [Test]
    public void Serialize_WritesWhatFirelysR4SerializerWrites()
    {
        var endpoint = SampleEndpoint();

        Assert.That(FhirJson.Serialize(endpoint), Is.EqualTo(new BaseFhirJsonSerializer(ModelInfo.ModelInspector).SerializeToString(endpoint)));
    }

    [Test]
    public void Parse_ASearchBundle_GivesTypedResources_AndTypedChoiceValues()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = 2 };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "http://fhir.test/Endpoint/1", Resource = SampleEndpoint(), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            Resource = new OperationOutcome { Issue = { new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Warning, Code = OperationOutcome.IssueType.Informational } } },
            Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
        });
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = new Patient { Id = "p1" } });

        var parsed = FhirJson.Parse<Bundle>(new BaseFhirJsonSerializer(ModelInfo.ModelInspector).SerializeToString(bundle));

        var endpoint = (Endpoint)parsed.Entry[0].Resource!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Entry.Select(e => e.Resource!.GetType()), Is.EqualTo(new[] { typeof(Endpoint), typeof(OperationOutcome), typeof(Patient) }));
            Assert.That(endpoint.Extension.Select(e => e.Value!.GetType()), Is.EqualTo(new[] { typeof(FhirString), typeof(FhirDateTime), typeof(Integer), typeof(Coding) }));
            Assert.That(endpoint.IsExactly(SampleEndpoint()), Is.True, "read back as written");
        }
    }

    private static Endpoint SampleEndpoint()
    {
        var endpoint = new Endpoint
        {
            Id = "1",
            Meta = new Meta { VersionId = "3", LastUpdated = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), Tag = { new Coding("urn:wearables:project", "p1") } },
            Status = Endpoint.EndpointStatus.Active,
            ConnectionType = new Coding("urn:wearables:provider", "strava"),
            Name = "strava",
            Period = new Period(new FhirDateTime(2026, 12, 1), null),
            PayloadType = { new CodeableConcept { Text = "wearable data" } },
            Address = "https://www.strava.com/api/v3",
            Identifier = { new Identifier("urn:wearables:user", "u1") },
        };
        endpoint.Extension.Add(new Extension("urn:x:string", new FhirString("s")));
        endpoint.Extension.Add(new Extension("urn:x:dateTime", new FhirDateTime(2026, 12, 1, 10, 0, 0, TimeSpan.Zero)));
        endpoint.Extension.Add(new Extension("urn:x:integer", new Integer(3)));
        endpoint.Extension.Add(new Extension("urn:x:coding", new Coding("urn:x", "c")));
        return endpoint;
    }
}
