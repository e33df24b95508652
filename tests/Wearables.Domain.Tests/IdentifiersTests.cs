using Wearables.Domain.Common;

namespace Wearables.Domain.Tests;

public sealed class IdentifiersTests
{
    [TestCase("a")]
    [TestCase("Patient-1.2")]
    [TestCase("..a")]
    [TestCase("-")]
    [TestCase("0123456789012345678901234567890123456789012345678901234567890123")]
    public void IsFhirId_AcceptsFhirIds(string value) => Assert.That(Identifiers.IsFhirId(value), Is.True);

    [TestCase(null)]
    [TestCase("")]
    [TestCase("01234567890123456789012345678901234567890123456789012345678901234")]
    [TestCase("a b")]
    [TestCase("a_b")]
    [TestCase("a:b")]
    [TestCase("patient-1\n")]
    [TestCase("\npatient-1")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("...")]
    public void IsFhirId_RejectsEverythingElse(string? value) => Assert.That(Identifiers.IsFhirId(value), Is.False);

    [TestCase("strava")]
    [TestCase("apple_health_kit")]
    public void IsSlug_AcceptsSlugs(string value) => Assert.That(Identifiers.IsSlug(value), Is.True);

    [TestCase("Strava")]
    [TestCase("1strava")]
    [TestCase("strava-x")]
    [TestCase("strava\n")]
    public void IsSlug_RejectsEverythingElse(string value) => Assert.That(Identifiers.IsSlug(value), Is.False);
}
