using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// <c>SET … EX</c> on save, <c>GETDEL</c> on take: of concurrent takes, exactly one gets the value.
/// The expiry is also checked against the injected clock so tests need not sleep 600 s.
/// </summary>
public sealed class RedisOAuthStateStore(RedisConnection redis, TimeProvider time) : IOAuthStateStore
{
    public Task SaveAsync(string stateHash, PendingAuthorization pending, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        redis.RunAsync(
            db => db.StringSetAsync(RedisKeys.OAuthState(stateHash), JsonSerializer.Serialize(pending, StoreJson.Options), timeToLive),
            cancellationToken);

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
