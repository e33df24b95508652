using Wearables.Application.Connections.Commands.HandleCallback;

namespace Wearables.Infrastructure.Redis;

/// <summary>Parked grants as a <see cref="RedisJobSet{T}"/>: a key per connection that expires with the grant, and a due-time sorted set.</summary>
public sealed class RedisParkedGrantStore(RedisConnection redis, TimeProvider time)
    : RedisJobSet<ParkedGrant>(redis, time, RedisKeys.ParkedGrantPrefix, RedisKeys.ParkedGrantsDue), IParkedGrantStore;
