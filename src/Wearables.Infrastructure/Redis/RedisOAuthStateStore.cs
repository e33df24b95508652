using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// <c>SET … PX</c> on save, <c>GETDEL</c> on take: of concurrent takes, exactly one gets the value.
/// The key lives until the flow's <see cref="PendingAuthorization.ExpiresAt"/>; the expiry is also
/// checked against the injected clock so tests need not sleep through the time to live.
/// </summary>
public sealed class RedisOAuthStateStore(RedisConnection redis, TimeProvider time) : IOAuthStateStore
{
    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var timeToLive = pending.ExpiresAt - time.GetUtcNow();
        if (timeToLive <= TimeSpan.Zero)
        {
            // Already expired: nothing to keep (Redis refuses a non-positive expiry).
            return Task.CompletedTask;
        }

        return redis.RunAsync(
            db => db.StringSetAsync(RedisKeys.OAuthState(stateHash), JsonSerializer.Serialize(pending, StoreJson.Options), timeToLive),
            cancellationToken);
    }

    public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var value = await db.StringGetDeleteAsync(RedisKeys.OAuthState(stateHash)).ConfigureAwait(false);
            if (!value.HasValue)
            {
                return null;
            }

            var pending = JsonSerializer.Deserialize<PendingAuthorization>((string)value!, StoreJson.Options);
            return pending is not null && pending.ExpiresAt > time.GetUtcNow() ? pending : null;
        }, cancellationToken);
}
