namespace Wearables.Application.Encryption;

/// <summary>
/// How many stored records still hold an envelope of an older master key, as last counted (by a
/// background walk, never by a readiness probe). Null until counted.
/// </summary>
public sealed class OlderKeyCensus
{
    private long count = -1;

    public long? Count => Interlocked.Read(ref count) is var c && c >= 0 ? c : null;

    public DateTimeOffset? CountedAt { get; private set; }

    public void Record(long olderKeyRecords, DateTimeOffset at)
    {
        Interlocked.Exchange(ref count, olderKeyRecords);
        CountedAt = at;
    }
}
