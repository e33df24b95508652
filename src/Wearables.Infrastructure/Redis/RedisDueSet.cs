using StackExchange.Redis;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// A due-time sorted set of ids, each with its value under a key prefix + id, all in one hash tag (one
/// slot on a Redis Cluster). A claim reads the due ids, then one script gets their keys as KEYS and, for
/// each id still due (another instance may have claimed it meanwhile), moves it to the lease's end and
/// returns its value; an id whose key has expired leaves the set on the way.
/// </summary>
internal static class RedisDueSet
{
    // KEYS: the due set, then one job key per id. ARGV: now ms, lease end ms, then the ids (in KEYS' order).
    // Every key is passed (none is built inside the script), so that on a Redis Cluster they are one slot's.
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

    private const int MaxClaimRounds = 10;

    /// <summary>
    /// The claim of any due set whose members are ids of <paramref name="keyPrefix"/> + id keys (pending revocations, parked
    /// grants, the webhook inbox). Reads up to the missing number of due ids and claims those still
    /// due; ids that another claimer took meanwhile have left the due range, so the next read finds
    /// others. Ends when the batch is full, nothing is due, or after <see cref="MaxClaimRounds"/> rounds.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ClaimAsync(IDatabase db, string dueKey, string keyPrefix, DateTimeOffset now, DateTimeOffset leaseUntil, int max)
    {
        var claimed = new List<string>();
        for (var round = 0; round < MaxClaimRounds && claimed.Count < max; round++)
        {
            var due = (await db.SortedSetRangeByScoreAsync(dueKey, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: max - claimed.Count).ConfigureAwait(false))
                .Select(member => (string?)member)
                .OfType<string>()
                .ToList();
            if (due.Count == 0)
            {
                break;
            }

            var result = await db.ScriptEvaluateAsync(
                ClaimScript,
                [dueKey, .. due.Select(id => (RedisKey)(keyPrefix + id))],
                [now.ToUnixTimeMilliseconds(), leaseUntil.ToUnixTimeMilliseconds(), .. due.Select(id => (RedisValue)id)]).ConfigureAwait(false);
            claimed.AddRange(((RedisResult[])result!).Select(r => (string?)r).OfType<string>());
        }

        return claimed;
    }
}
