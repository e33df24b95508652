using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// Jobs kept for retrying (pending revocations, parked grants): one string key per job (JSON with its
/// sealed envelopes), expiring with it (<c>PX</c>: Redis itself drops it), and a sorted set of
/// connection ids by due time, both under one hash tag (one slot on a Redis Cluster). A claim reads the
/// due ids, then one script gets their keys as KEYS and, for each id still due (another instance may have
/// claimed it meanwhile), moves it to the lease's end and returns its value; an id whose key has expired
/// leaves the set on the way.
/// </summary>
public abstract class RedisJobSet<T>(RedisConnection redis, TimeProvider time, string keyPrefix, string dueKey) : IRetryJobStore<T>
    where T : class, IRetryJob<T>
{
    private const string SaveScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        return 1
        """;

    private const string ReplaceScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
          return 1
        end
        return 0
        """;

    public Task SaveAsync(T job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var timeToLive = job.ExpiresAt - time.GetUtcNow();
        if (timeToLive <= TimeSpan.Zero)
        {
            return RemoveAsync(job.ConnectionId, cancellationToken);
        }

        return redis.RunAsync(
            db => db.ScriptEvaluateAsync(
                SaveScript,
                [KeyOf(job.ConnectionId), dueKey],
                [JsonSerializer.Serialize(job, StoreJson.Options), (long)Math.Ceiling(timeToLive.TotalMilliseconds),
                    job.DueAt.ToUnixTimeMilliseconds(), job.ConnectionId.ToString("D")]),
            cancellationToken);
    }

    /// <summary>Replaces the job only while its key still holds exactly <paramref name="expected"/> (time to live and due time kept).</summary>
    public Task<bool> ReplaceIfUnchangedAsync(T expected, T replacement, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => (int)await db.ScriptEvaluateAsync(
            ReplaceScript,
            [KeyOf(expected.ConnectionId)],
            [JsonSerializer.Serialize(expected, StoreJson.Options), JsonSerializer.Serialize(replacement, StoreJson.Options)]).ConfigureAwait(false) == 1,
            cancellationToken);

    public Task<IReadOnlyList<T>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<T>>(async db =>
            (await RedisDueSet.ClaimAsync(db, dueKey, keyPrefix, now, leaseUntil, max).ConfigureAwait(false))
                .Select(Read).OfType<T>().Select(j => j.DueAtTime(leaseUntil)).ToList(),
            cancellationToken);

    /// <summary>Every job still kept (they live for a day at most: the set stays small).</summary>
    public Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<T>>(async db =>
        {
            var ids = await db.SortedSetRangeByRankAsync(dueKey).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                return [];
            }

            var values = await db.StringGetAsync(ids.Select(id => (RedisKey)(keyPrefix + id)).ToArray()).ConfigureAwait(false);
            return values.Select(v => Read((string?)v)).OfType<T>().ToList();
        }, cancellationToken);

    public Task<T?> FindAsync(Guid connectionId, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => Read((string?)await db.StringGetAsync(KeyOf(connectionId)).ConfigureAwait(false)), cancellationToken);

    public Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var batch = db.CreateBatch();
            var removeKey = batch.KeyDeleteAsync(KeyOf(connectionId));
            var removeDue = batch.SortedSetRemoveAsync(dueKey, connectionId.ToString("D"));
            batch.Execute();
            await Task.WhenAll(removeKey, removeDue).ConfigureAwait(false);
        }, cancellationToken);

    private string KeyOf(Guid connectionId) => keyPrefix + connectionId.ToString("D");

    private static T? Read(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<T>(json, StoreJson.Options);
}
