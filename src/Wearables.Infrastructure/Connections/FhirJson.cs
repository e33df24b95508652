using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Wearables.Infrastructure.Connections;

/// <summary>FHIR R4 JSON with the Firely SDK: one serializer and one deserializer for the process (both keep no state between calls).</summary>
internal static class FhirJson
{
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    /// <summary>
    /// Tolerates what a newer or richer server adds (unknown elements, codes and choice types, e.g.
    /// Medplum's <c>meta.author</c>): they are not ours to read, and refusing them would refuse the page.
    /// </summary>
    private static readonly BaseFhirJsonDeserializer Deserializer = new(
        ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.BackwardsCompatible));

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

    private static bool IsNotFhir(Exception ex) => ex is JsonException or DeserializationFailedException or FormatException;

    private static InvalidDataException NotA<T>(Exception? inner) => new($"The JSON is not a FHIR {typeof(T).Name}.", inner);
}
