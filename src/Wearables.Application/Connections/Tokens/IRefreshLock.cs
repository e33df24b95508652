namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// The single-flight lock of one connection's token refresh, shared by every instance that can
/// refresh it (Redis in Redis storage mode; the process itself in Embedded mode). Its lifetime
/// (<see cref="TokenRefreshOptions.LockLifetime"/>) outlives a provider call plus the write, so a
/// holder that dies delays the others at most that long.
/// </summary>
public interface IRefreshLock
{
    /// <summary>
    /// The held lock (dispose to release it), or null when another holder kept it for the whole
    /// <paramref name="wait"/>. A store that is down raises <see cref="Common.Exceptions.DependencyUnavailableException"/>.
    /// </summary>
    Task<IAsyncDisposable?> TryAcquireAsync(Guid connectionId, TimeSpan wait, CancellationToken cancellationToken);
}
