using System.Text.Json;
using StackExchange.Redis;
using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// One string key per pending revocation (JSON with the sealed copy), expiring with it (<c>PX</c>:
/// Redis itself drops it after 24 h), and a sorted set of connection ids by due time, all in the
/// <c>{revocations}</c> hash tag (one slot on a Redis Cluster). A claim reads the due ids, then one
/// script gets their keys as KEYS and, for each id still due (another instance may have claimed it
/// meanwhile), moves it to the lease's end and returns its value; an id whose key has expired leaves
/// the set on the way.
/// </summary>
public sealed class RedisPendingRevocationStore(RedisConnection redis, TimeProvider time) : IPendingRevocationStore
{
    private const int MaxClaimRounds = 10;

    private const string SaveScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        return 1
        """;

    // KEYS: the due set, then one revocation key per id. ARGV: now ms, lease end ms, then the ids (in KEYS' order).
    private const string ClaimScript = """
        local found = {}
        for i = 2, #KEYS do
          local id = ARGV[i + 1]
          local due = redis.call('ZSCORE', KEYS[1], id)
          if due and tonumber(due) <= tonumber(ARGV[1]) then
            local value = redis.call('GET', KEYS[i])
            if value then
              redis.call('ZADD', KEYS[1], ARGV[2], id)
              table.insert(found, value)
            else
              redis.call('ZREM', KEYS[1], id)
            end
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

    /// <summary>
    /// Reads up to the missing number of due ids and claims those still due; ids that another claimer
    /// took meanwhile have left the due range, so the next read finds others. Ends when the batch is
    /// full, nothing is due, or after <see cref="MaxClaimRounds"/> rounds of contention.
    /// </summary>
    public Task<IReadOnlyList<PendingRevocation>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyList<PendingRevocation>>(async db =>
        {
            var claimed = new List<PendingRevocation>();
            for (var round = 0; round < MaxClaimRounds && claimed.Count < max; round++)
            {
                var due = (await db.SortedSetRangeByScoreAsync(RedisKeys.RevocationsDue, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: max - claimed.Count).ConfigureAwait(false))
                    .Select(member => Guid.TryParse((string?)member, out var id) ? id : (Guid?)null)
                    .OfType<Guid>()
                    .ToList();
                if (due.Count == 0)
                {
                    break;
                }

                var result = await db.ScriptEvaluateAsync(
                    ClaimScript,
                    [RedisKeys.RevocationsDue, .. due.Select(id => (RedisKey)RedisKeys.PendingRevocation(id))],
                    [now.ToUnixTimeMilliseconds(), leaseUntil.ToUnixTimeMilliseconds(), .. due.Select(id => (RedisValue)id.ToString("D"))]).ConfigureAwait(false);
                claimed.AddRange(((RedisResult[])result!)
                    .Select(r => Read((string?)r))
                    .OfType<PendingRevocation>()
                    .Select(p => p with { DueAt = leaseUntil }));
            }

            return claimed;
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
