using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// One string key per pending revocation (JSON with the sealed copy), expiring with it (<c>PX</c>:
/// Redis itself drops it after 24 h), and a sorted set of connection ids by due time. A claim is one
/// script: take the due ids, move each to the lease's end, return their values; an id whose key has
/// expired leaves the set on the way.
/// </summary>
public sealed class RedisPendingRevocationStore(RedisConnection redis, TimeProvider time) : IPendingRevocationStore
{
    private const string SaveScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        return 1
        """;

    /// <summary>Also the webhook inbox's claim: a sorted set of ids by due time, each id's value under a prefix.</summary>
    internal const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local found = {}
        for _, id in ipairs(ids) do
          local value = redis.call('GET', ARGV[4] .. id)
          if value then
            redis.call('ZADD', KEYS[1], ARGV[2], id)
            table.insert(found, value)
          else
            redis.call('ZREM', KEYS[1], id)
          end
        end
        return found
        """;

    public Task SaveAsync(PendingRevocation revocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var timeToLive = revocation.ExpiresAt - time.GetUtcNow();
        if (timeToLive <= TimeSpan.Zero)
        {
            return RemoveAsync(revocation.ConnectionId, cancellationToken);
        }

        return redis.RunAsync(
            db => db.ScriptEvaluateAsync(
                SaveScript,
                [RedisKeys.PendingRevocation(revocation.ConnectionId), RedisKeys.RevocationsDue],
                [JsonSerializer.Serialize(revocation, StoreJson.Options), (long)Math.Ceiling(timeToLive.TotalMilliseconds),
                    revocation.DueAt.ToUnixTimeMilliseconds(), revocation.ConnectionId.ToString("D")]),
            cancellationToken);
    }

    public Task<IReadOnlyList<PendingRevocation>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<PendingRevocation>>(async db =>
        {
            var result = await db.ScriptEvaluateAsync(
                ClaimScript,
                [RedisKeys.RevocationsDue],
                [now.ToUnixTimeMilliseconds(), leaseUntil.ToUnixTimeMilliseconds(), max, RedisKeys.PendingRevocationPrefix]).ConfigureAwait(false);
            return ((RedisResult[])result!)
                .Select(r => Read((string?)r))
                .OfType<PendingRevocation>()
                .Select(p => p with { DueAt = leaseUntil })
                .ToList();
        }, cancellationToken);

    public Task<PendingRevocation?> FindAsync(Guid connectionId, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => Read(await db.StringGetAsync(RedisKeys.PendingRevocation(connectionId)).ConfigureAwait(false)), cancellationToken);

    public Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var removeKey = batch.KeyDeleteAsync(RedisKeys.PendingRevocation(connectionId));
            var removeDue = batch.SortedSetRemoveAsync(RedisKeys.RevocationsDue, connectionId.ToString("D"));
            batch.Execute();
            await Task.WhenAll(removeKey, removeDue).ConfigureAwait(false);
        }, cancellationToken);

    private static PendingRevocation? Read(RedisValue value) =>
        value.HasValue ? Read((string?)value) : null;

    private static PendingRevocation? Read(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<PendingRevocation>(json, StoreJson.Options);
}
