using Wearables.Application.Encryption;

namespace Wearables.Infrastructure.Redis;

/// <summary>One hash <c>wearables:keychecks</c>: key id → canary envelope.</summary>
public sealed class RedisKeyCheckStore(RedisConnection redis) : IKeyCheckStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAllAsync(CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyDictionary<string, string>>(async db =>
            (await db.HashGetAllAsync(RedisKeys.KeyChecks).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal),
            cancellationToken);

    public Task AddAsync(string keyId, string canary, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.HashSetAsync(RedisKeys.KeyChecks, keyId, canary, StackExchange.Redis.When.NotExists), cancellationToken);

    public Task RemoveAsync(string keyId, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.HashDeleteAsync(RedisKeys.KeyChecks, keyId), cancellationToken);
}
