using System.Text.RegularExpressions;

namespace Wearables.Domain.Common;

/// <summary>Shapes of the identifiers that cross the service's edges.</summary>
public static partial class Identifiers
{
    /// <summary>
    /// A FHIR id: <c>[A-Za-z0-9\-\.]{1,64}</c>, and not made only of dots: <c>.</c> and <c>..</c> are
    /// path segments that URLs normalise away, so such an id could be stored but never addressed.
    /// Patient ids must be one.
    /// </summary>
    public static bool IsFhirId(string? value) => value is not null && FhirId().IsMatch(value) && value.AsSpan().ContainsAnyExcept('.');

    /// <summary>Project ids are FHIR ids too, so they can be used as FHIR tags and key segments.</summary>
    public static bool IsProjectId(string? value) => IsFhirId(value);

    /// <summary>Provider slugs are lower-case words with underscores (<c>strava</c>, <c>apple_health_kit</c>).</summary>
    public static bool IsSlug(string? value) => value is not null && Slug().IsMatch(value);

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex FhirId();

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,31}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Slug();
}
