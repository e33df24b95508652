using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Wearables.Fakes;

/// <summary>Source-generated so responses are written straight to the body without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StravaTokenResponse))]
[JsonSerializable(typeof(StravaAthlete))]
[JsonSerializable(typeof(StravaFault))]
[JsonSerializable(typeof(StravaDeauthorizeResponse))]
[JsonSerializable(typeof(PolarTokenResponse))]
[JsonSerializable(typeof(PolarOAuthError))]
[JsonSerializable(typeof(PolarUser))]
[JsonSerializable(typeof(OAuthError))]
[JsonSerializable(typeof(RefreshCount))]
[JsonSerializable(typeof(StandardTokenResponse))]
[JsonSerializable(typeof(StandardUser))]
[JsonSerializable(typeof(JunctionLinkTokenValidity))]
[JsonSerializable(typeof(JunctionUser))]
[JsonSerializable(typeof(JunctionProviders))]
[JsonSerializable(typeof(JunctionDetail))]
[JsonSerializable(typeof(JunctionValidationError))]
internal sealed partial class FakesJsonContext : JsonSerializerContext
{
    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
