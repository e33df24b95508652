using System.Globalization;
using Wearables.Application.Connections;

namespace Wearables.Application.Tests.Connections;

public sealed class TimestampsTests
{
    private static IEnumerable<DateTimeOffset> Moments()
    {
        yield return new DateTimeOffset(2024, 3, 15, 10, 30, 0, TimeSpan.Zero);
        yield return new DateTimeOffset(2024, 3, 15, 12, 30, 59, 999, TimeSpan.FromHours(2));
        yield return new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(-8)).AddTicks(9_999_999);
        yield return new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromMinutes(330));
        yield return DateTimeOffset.UnixEpoch;
    }

    [TestCaseSource(nameof(Moments))]
    public void Format_IsUtcToTheWholeSecond_AsTheSeedsShowIt(DateTimeOffset moment)
    {
        var expected = moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        Assert.That(Timestamps.Format(moment), Is.EqualTo(expected));
    }

    [Test]
    public void Format_OfNull_IsNull() => Assert.That(Timestamps.Format((DateTimeOffset?)null), Is.Null);
}
