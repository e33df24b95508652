using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Infrastructure.Redis;

/// <summary>Pending revocations as a <see cref="RedisJobSet{T}"/>: a key per connection with a 24 h time to live, and a due-time sorted set.</summary>
public sealed class RedisPendingRevocationStore(RedisConnection redis, TimeProvider time)
    : RedisJobSet<PendingRevocation>(redis, time, RedisKeys.PendingRevocationPrefix, RedisKeys.RevocationsDue), IPendingRevocationStore;
