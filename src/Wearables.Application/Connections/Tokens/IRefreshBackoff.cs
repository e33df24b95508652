namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// After a transient refresh failure, no further provider call for that connection until a moment
/// (<see cref="TokenRefreshOptions.Backoff"/> later): callers meanwhile get 502 at once, so a
/// provider that is down is not hammered by every backend that asks.
/// </summary>
public interface IRefreshBackoff
{
    /// <summary>True while a deferral set by <see cref="DeferAsync"/> has not passed at <paramref name="now"/>.</summary>
    Task<bool> IsDeferredAsync(Guid connectionId, DateTimeOffset now, CancellationToken cancellationToken);

    Task DeferAsync(Guid connectionId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);
}
