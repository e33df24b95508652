using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wearables.Infrastructure;

/// <summary>JSON settings for values kept in our own stores (not wire formats).</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
