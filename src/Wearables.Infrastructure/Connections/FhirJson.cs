using System.Text.Json;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification;

namespace Wearables.Infrastructure.Connections;

/// <summary>FHIR R4 JSON with the Firely SDK: one serializer and one deserializer for the process (both keep no state between calls).</summary>
internal static class FhirJson
{
    /// <summary>
    /// The R4 model the serializers work from: every type of Hl7.Fhir.Base (the datatypes, Bundle, OperationOutcome…)
    /// and of Hl7.Fhir.Conformance, and every FHIR type of Hl7.Fhir.R4, imported one by one. That is what
    /// <c>ModelInfo.ModelInspector</c> holds (tested). Not that one: reaching <see cref="ModelInfo"/> runs its type
    /// initializer, 252 KB of IL that builds every resource's search parameters, which the service never reads.
    /// Compiling it took 60–80 MB of native memory at start, and the allocator kept most of it (README, Performance,
    /// "The FHIR model at start").
    /// </summary>
    internal static readonly ModelInspector Inspector = R4Inspector();

    private static readonly BaseFhirJsonSerializer Serializer = new(Inspector);

    /// <summary>
    /// Reads without judging: what a richer server adds (e.g. Medplum's <c>meta.author</c>) is not
    /// ours to read, and judging is the FHIR server's work on write (and the tests' validators').
    /// The checking modes cost about three times the allocations and four times the time of a
    /// decode. A value that is not R4 throws when it is read (<see cref="Hl7.Fhir.Utility.CodedException"/>).
    /// </summary>
    private static readonly BaseFhirJsonDeserializer Deserializer = new(
        Inspector, new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    private static ModelInspector R4Inspector()
    {
        var inspector = new ModelInspector(FhirRelease.R4);
        inspector.Import(typeof(Coding).Assembly);
        inspector.Import(typeof(CapabilityStatement).Assembly);
        foreach (var type in typeof(Endpoint).Assembly.GetExportedTypes())
        {
            if (type.IsDefined(typeof(FhirTypeAttribute), inherit: false))
            {
                inspector.ImportType(type);
            }
        }

        return inspector;
    }

    public static string Serialize(Resource resource) => Serializer.SerializeToString(resource);

    /// <summary>A <typeparamref name="T"/> from UTF-8 JSON; <see cref="InvalidDataException"/> when it is not one.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8)
        where T : Resource
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            return As<T>(Deserializer.DeserializeResource(ref reader));
        }
        catch (Exception ex) when (IsNotFhir(ex))
        {
            throw NotA<T>(ex);
        }
    }

    /// <inheritdoc cref="Parse{T}(ReadOnlySpan{byte})"/>
    public static T Parse<T>(string json)
        where T : Resource
    {
        try
        {
            return As<T>(Deserializer.DeserializeResource(json));
        }
        catch (Exception ex) when (IsNotFhir(ex))
        {
            throw NotA<T>(ex);
        }
    }

    private static T As<T>(Resource resource)
        where T : Resource => resource as T ?? throw NotA<T>(null);

    /// <summary>Malformed JSON, or JSON that is no resource (an array, a bare value).</summary>
    private static bool IsNotFhir(Exception ex) => ex is JsonException or DeserializationFailedException or FormatException or InvalidOperationException;

    private static InvalidDataException NotA<T>(Exception? inner) => new($"The JSON is not a FHIR {typeof(T).Name}.", inner);
}
