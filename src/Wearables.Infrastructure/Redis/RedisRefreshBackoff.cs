using System.Globalization;
using StackExchange.Redis;
using Wearables.Application.Connections.Tokens;

namespace Wearables.Infrastructure.Redis;

/// <summary>The refresh backoff shared by the instances: one key per connection holding the moment, expiring with it.</summary>
public sealed class RedisRefreshBackoff(RedisConnection redis) : IRefreshBackoff
{
    public Task<bool> IsDeferredAsync(Guid connectionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var value = await db.StringGetAsync(RedisKeys.RefreshBackoff(connectionId)).ConfigureAwait(false);
            return value.HasValue && long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var until)
                && until > now.ToUnixTimeMilliseconds();
        }, cancellationToken);

    public Task DeferAsync(Guid connectionId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.StringSetAsync(
            RedisKeys.RefreshBackoff(connectionId),
            until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            until - now > TimeSpan.Zero ? until - now : TimeSpan.FromMilliseconds(1)), cancellationToken);
}
