using System.Globalization;

namespace Wearables.Application.Connections;

/// <summary>ISO 8601 UTC timestamps as the seeds show them (<c>2024-03-15T10:30:00Z</c>).</summary>
public static class Timestamps
{
    /// <summary>The sortable format ("s": <c>yyyy-MM-ddTHH:mm:ss</c>) has a fast path that a custom pattern lacks; a list formats three per connection.</summary>
    public static string Format(DateTimeOffset value) =>
        string.Create(20, value.UtcDateTime, static (chars, utc) =>
        {
            utc.TryFormat(chars, out _, "s", CultureInfo.InvariantCulture);
            chars[19] = 'Z';
        });

    public static string? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;
}
