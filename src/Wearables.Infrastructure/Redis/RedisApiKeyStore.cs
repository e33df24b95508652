using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// Keys by hash (for authentication), a hash-by-id index (for revocation) and a set per project
/// (for listing). Adds are one Lua script, so a key is never half-written and the "only if the
/// store is empty" bootstrap is atomic across instances.
/// </summary>
public sealed class RedisApiKeyStore(RedisConnection redis) : IApiKeyStore
{
    private const string AddScript = """
        if ARGV[4] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[3])
        redis.call('SADD', KEYS[3], ARGV[2])
        redis.call('SET', KEYS[4], '1')
        return 1
        """;

    public Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => Read(await db.StringGetAsync(RedisKeys.ApiKeyByHash(hash)).ConfigureAwait(false)), cancellationToken);

    public Task AddAsync(ApiKey key, CancellationToken cancellationToken) => AddCoreAsync(key, onlyIfEmpty: false, cancellationToken);

    public Task<bool> AddIfEmptyAsync(ApiKey key, CancellationToken cancellationToken) => AddCoreAsync(key, onlyIfEmpty: true, cancellationToken);

    public Task<IReadOnlyList<ApiKey>> ListAsync(string projectId, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<ApiKey>>(async db =>
        {
            var ids = await db.SetMembersAsync(RedisKeys.ProjectApiKeys(projectId)).ConfigureAwait(false);
            var keys = new List<ApiKey>();
            foreach (var id in ids)
            {
                var hash = await db.StringGetAsync(RedisKeys.ApiKeyHashById(id!)).ConfigureAwait(false);
                if (hash.HasValue && Read(await db.StringGetAsync(RedisKeys.ApiKeyByHash(hash!)).ConfigureAwait(false)) is { } key)
                {
                    keys.Add(key);
                }
            }

            return keys.OrderBy(k => k.CreatedAt).ToList();
        }, cancellationToken);

    public Task<bool> RevokeAsync(string projectId, string keyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var hash = await db.StringGetAsync(RedisKeys.ApiKeyHashById(keyId)).ConfigureAwait(false);
            if (!hash.HasValue)
            {
                return false;
            }

            var byHash = RedisKeys.ApiKeyByHash(hash!);
            var stored = await db.StringGetAsync(byHash).ConfigureAwait(false);
            if (Read(stored) is not { } key || key.ProjectId != projectId || !key.IsActive)
            {
                return false;
            }

            // Only if nobody changed it since we read it: of concurrent revocations exactly one wins.
            key.Revoke(at);
#pragma warning disable SER301 // ValueCondition needs Redis 8.4; the supported server is 7.x.
            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(byHash, stored));
#pragma warning restore SER301
            _ = transaction.StringSetAsync(byHash, Write(key));
            return await transaction.ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken);

    public Task<int> ReplaceIdsAsync(string idPrefix, Func<ApiKey, string?> replacement, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            // The id index names every key; SCAN it on each primary (one in a plain set-up, several in a cluster).
            var indexPrefix = RedisKeys.ApiKeyHashById(string.Empty);
            var replaced = 0;
            foreach (var endpoint in db.Multiplexer.GetEndPoints())
            {
                var server = db.Multiplexer.GetServer(endpoint);
                if (!server.IsConnected || server.IsReplica)
                {
                    continue;
                }

                await foreach (var indexKey in server.KeysAsync(db.Database, indexPrefix + idPrefix + "*").WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (await ReplaceIdAsync(db, indexKey, ((string)indexKey!)[indexPrefix.Length..], replacement).ConfigureAwait(false))
                    {
                        replaced++;
                    }
                }
            }

            return replaced;
        }, cancellationToken);

    /// <summary>
    /// New id index and project membership first, then the record (only if unchanged since read),
    /// then the old index: a crash in between leaves an old index entry whose record names another
    /// id, which the next run removes. The key authenticates (by hash) throughout.
    /// </summary>
    private static async Task<bool> ReplaceIdAsync(IDatabase db, RedisKey indexKey, string oldId, Func<ApiKey, string?> replacement)
    {
        var hash = await db.StringGetAsync(indexKey).ConfigureAwait(false);
        if (!hash.HasValue)
        {
            return false;
        }

        var byHash = RedisKeys.ApiKeyByHash(hash!);
        var stored = await db.StringGetAsync(byHash).ConfigureAwait(false);
        if (Read(stored) is not { } key)
        {
            return false;
        }

        if (key.Id != oldId)
        {
            await db.SetRemoveAsync(RedisKeys.ProjectApiKeys(key.ProjectId), oldId).ConfigureAwait(false);
            await db.KeyDeleteAsync(indexKey).ConfigureAwait(false);
            return false;
        }

        if (replacement(key) is not { } newId)
        {
            return false;
        }

        await db.StringSetAsync(RedisKeys.ApiKeyHashById(newId), hash).ConfigureAwait(false);
        await db.SetAddAsync(RedisKeys.ProjectApiKeys(key.ProjectId), newId).ConfigureAwait(false);
#pragma warning disable SER301 // ValueCondition needs Redis 8.4; the supported server is 7.x.
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(byHash, stored));
#pragma warning restore SER301
        _ = transaction.StringSetAsync(byHash, Write(key.WithId(newId)));
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            // Changed meanwhile (revoked): leave it under its old id; the next run tries again.
            await db.SetRemoveAsync(RedisKeys.ProjectApiKeys(key.ProjectId), newId).ConfigureAwait(false);
            await db.KeyDeleteAsync(RedisKeys.ApiKeyHashById(newId)).ConfigureAwait(false);
            return false;
        }

        await db.SetRemoveAsync(RedisKeys.ProjectApiKeys(key.ProjectId), oldId).ConfigureAwait(false);
        await db.KeyDeleteAsync(indexKey).ConfigureAwait(false);
        return true;
    }

    private Task<bool> AddCoreAsync(ApiKey key, bool onlyIfEmpty, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var result = await db.ScriptEvaluateAsync(
                AddScript,
                [RedisKeys.ApiKeyByHash(key.Hash), RedisKeys.ApiKeyHashById(key.Id), RedisKeys.ProjectApiKeys(key.ProjectId), RedisKeys.AnyApiKey],
                [Write(key), key.Id, key.Hash, onlyIfEmpty ? "1" : "0"]).ConfigureAwait(false);
            return (int)result == 1;
        }, cancellationToken);

    private static string Write(ApiKey key) => JsonSerializer.Serialize(
        new StoredKey(key.Id, key.ProjectId, key.Role.ToName(), key.PatientId, key.Name, key.Hash, key.CreatedAt, key.RevokedAt), StoreJson.Options);

    internal static ApiKey? Read(RedisValue value)
    {
        if (!value.HasValue)
        {
            return null;
        }

        var s = JsonSerializer.Deserialize<StoredKey>((string)value!, StoreJson.Options)!;
        return new ApiKey(s.Id, s.ProjectId, Roles.Parse(s.Role), s.PatientId, s.Name, s.Hash, s.CreatedAt, s.RevokedAt);
    }

    private sealed record StoredKey(string Id, string ProjectId, string Role, string? PatientId, string Name, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
}
