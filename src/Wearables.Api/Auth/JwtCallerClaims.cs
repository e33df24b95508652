using System.Buffers.Text;
using System.Text.Json;

namespace Wearables.Api.Auth;

/// <summary>
/// The shape of a JWT's caller claims as written in its payload, before any parser has flattened them:
/// <c>role</c>, <c>project</c> and <c>patient</c> must each be one JSON string, given at most once.
/// </summary>
/// <remarks>
/// After parsing, <c>"patient": []</c> and <c>"patient": null</c> look like no patient, <c>["admin"]</c>
/// looks like <c>"admin"</c>, and a key given twice looks like its last value: a token another reader
/// could understand differently names no single caller, so it is refused (fail closed).
/// </remarks>
public static class JwtCallerClaims
{
    public static bool AreWellFormed(string encodedPayload)
    {
        ArgumentNullException.ThrowIfNull(encodedPayload);
        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(encodedPayload);
        }
        catch (FormatException)
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name is WearablesClaims.Role or WearablesClaims.Project or WearablesClaims.Patient
                    && (!seen.Add(name) || reader.TokenType != JsonTokenType.String))
                {
                    return false;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return true;
    }
}
