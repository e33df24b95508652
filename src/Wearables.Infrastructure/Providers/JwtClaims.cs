using System.Buffers.Text;
using System.Text.Json;

namespace Wearables.Infrastructure.Providers;

/// <summary>
/// The payload of a JWT access token, read as data: the token comes straight from the provider's token endpoint
/// over TLS, so its claims only name the user (<see cref="Application.Providers.UserIdSource.AccessTokenClaims"/>);
/// nothing is authorized by them and the signature is not ours to check.
/// </summary>
internal static class JwtClaims
{
    /// <summary>The claims object, or null when the token is no JWT.</summary>
    public static JsonDocument? Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length is 0 or > 16_384)
        {
            return null;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            var claims = JsonDocument.Parse(payload);
            if (claims.RootElement.ValueKind == JsonValueKind.Object)
            {
                return claims;
            }

            claims.Dispose();
            return null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
