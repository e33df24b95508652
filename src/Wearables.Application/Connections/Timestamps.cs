using System.Globalization;

namespace Wearables.Application.Connections;

/// <summary>ISO 8601 UTC timestamps as the seeds show them (<c>2024-03-15T10:30:00Z</c>).</summary>
public static class Timestamps
{
    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;
}
