using System.Text.Json;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Settings;

/// <summary>How a setting's submitted value is read and refused, whatever the setting.</summary>
internal static class SettingValue
{
    /// <summary>The string, or null when the JSON string is not valid text (a lone surrogate, bad UTF-8).</summary>
    public static string? TextOf(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static RequestValidationException Invalid(string message) =>
        new("setting_value_invalid", message, new Dictionary<string, string[]> { ["value"] = [message] }, asBadRequest: false);
}
