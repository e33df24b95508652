using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Sqlite;

public sealed class StoredTimestampTests
{
    private static IEnumerable<DateTimeOffset> Moments()
    {
        yield return new DateTimeOffset(2024, 1, 10, 8, 0, 0, 123, TimeSpan.Zero);
        yield return new DateTimeOffset(2024, 3, 15, 12, 30, 0, 789, TimeSpan.FromHours(2)).AddTicks(4567);
        yield return DateTimeOffset.UnixEpoch;
        yield return new DateTimeOffset(2026, 11, 22, 23, 45, 24, TimeSpan.Zero).AddTicks(1_234_567);
        yield return DateTimeOffset.MaxValue;
        yield return DateTimeOffset.MinValue;
    }

    [TestCaseSource(nameof(Moments))]
    public void FromStored_ReadsBackWhatToStoredWrote(DateTimeOffset moment)
    {
        var read = SqliteExtensions.FromStored(moment.ToStored());

        Assert.That(read, Is.EqualTo(moment));
        Assert.That(read.Offset, Is.EqualTo(TimeSpan.Zero), "stored and read as UTC");
    }

    [TestCase("2024-03-15T10:30:00Z")]
    [TestCase("2024-03-15T10:30:00")]
    [TestCase("2024-03-15T12:30:00+02:00")]
    [TestCase("2024-03-15T10:30:00.000Z")]
    [TestCase("2024-03-15T10:30:00.0000000")]
    public void FromStored_OtherIso8601Forms_AreReadAsBefore(string stored) =>
        Assert.That(SqliteExtensions.FromStored(stored), Is.EqualTo(new DateTimeOffset(2024, 3, 15, 10, 30, 0, TimeSpan.Zero)));

    [TestCase("2024-13-15T10:30:00.0000000Z")]
    [TestCase("2024-03-15T25:30:00.0000000Z")]
    [TestCase("2024-03-15X10:30:00.0000000Z")]
    [TestCase("2024-03-15T10:30:00.00000é0Z")]
    public void FromStored_ANearMissOfTheStoredForm_IsRefusedAsBefore(string stored) =>
        Assert.Throws<FormatException>(() => SqliteExtensions.FromStored(stored));
}
