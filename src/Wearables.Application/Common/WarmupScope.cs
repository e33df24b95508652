namespace Wearables.Application.Common;

/// <summary>
/// Whether the code running now serves the service's own start-up warm-up (requests it sends through its
/// pipeline before it listens, as a stranger or as a made-up admin of a made-up project): the host's log
/// leaves out such work's lines below the warning level, and the host's warm-up stores answer for the made-up
/// project without touching the real ones. Flows with the async context; set only by the host around a warm-up
/// request.
/// </summary>
public static class WarmupScope
{
    private static readonly AsyncLocal<string?> Current = new();

    public static bool Active => Current.Value is not null;

    /// <summary>
    /// True only inside a warm-up request, for the project it made up: a client's request is never in a warm-up
    /// scope, so no real project (whatever its id) is ever taken for it.
    /// </summary>
    public static bool IsMadeUpProject(string projectId) =>
        Current.Value is { } madeUp && string.Equals(madeUp, projectId, StringComparison.Ordinal);

    /// <summary>Marks the rest of this async flow (until disposed) as warm-up work for the made-up project <paramref name="madeUpProjectId"/>.</summary>
    public static IDisposable Enter(string madeUpProjectId)
    {
        ArgumentException.ThrowIfNullOrEmpty(madeUpProjectId);
        Current.Value = madeUpProjectId;
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        public void Dispose() => Current.Value = null;
    }
}
