namespace Wearables.Fakes;

/// <summary>
/// Which <see cref="FakeMode"/> a group of calls gets: a standing <see cref="Mode"/>, overridden by a one-shot
/// "the next N calls fail" so a test can show a transient failure followed by success.
/// </summary>
public sealed class FaultPlan
{
    private int _pending;
    private volatile FakeMode _pendingMode = FakeMode.ServerError;

    /// <summary>The mode of every call once the one-shot failures are used up.</summary>
    public FakeMode Mode { get; set; }

    /// <summary>One-shot failures not yet used.</summary>
    public int PendingFailures => Volatile.Read(ref _pending);

    /// <summary>The next <paramref name="count"/> calls get <paramref name="mode"/>; later ones get <see cref="Mode"/> again.</summary>
    public void FailNext(int count, FakeMode mode = FakeMode.ServerError)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _pendingMode = mode;
        Volatile.Write(ref _pending, count);
    }

    /// <summary>Back to <see cref="FakeMode.Normal"/> with no one-shot failures.</summary>
    public void Reset()
    {
        Volatile.Write(ref _pending, 0);
        Mode = FakeMode.Normal;
    }

    /// <summary>The mode for one call, consuming a one-shot failure if any is left (each is used exactly once under concurrency).</summary>
    internal FakeMode Take()
    {
        while (true)
        {
            var pending = Volatile.Read(ref _pending);
            if (pending <= 0)
            {
                return Mode;
            }

            if (Interlocked.CompareExchange(ref _pending, pending - 1, pending) == pending)
            {
                return _pendingMode;
            }
        }
    }
}
