namespace Wearables.Application.Common;

/// <summary>
/// Whether the code running now serves the service's own start-up warm-up (requests it sends through its
/// pipeline before it listens, as a stranger or as a made-up admin of a made-up project): the host's log
/// leaves out such work's lines below the warning level. Flows with the async context; set only by the host
/// around a warm-up request.
/// </summary>
public static class WarmupScope
{
    private static readonly AsyncLocal<bool> Current = new();

    public static bool Active => Current.Value;

    /// <summary>Marks the rest of this async flow (until disposed) as warm-up work.</summary>
    public static IDisposable Enter()
    {
        Current.Value = true;
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        public void Dispose() => Current.Value = false;
    }
}
