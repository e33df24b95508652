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
