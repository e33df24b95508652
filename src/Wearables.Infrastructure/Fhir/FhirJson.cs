using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wearables.Infrastructure.Fhir;

internal static class FhirJson
{
    /// <summary>FHIR JSON: camelCase, no nulls (FHIR forbids empty elements).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
